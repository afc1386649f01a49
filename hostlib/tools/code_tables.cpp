#include "code_tables.h"

namespace idr::tool {

const char* gender_meaning(const std::string& code) noexcept {
  // GB/T 2261.1-2003: 0 未知的性别, 1 男, 2 女, 9 未说明的性别.
  if (code == "0") return "unknown";
  if (code == "1") return "male";
  if (code == "2") return "female";
  if (code == "9") return "unspecified";
  return nullptr;
}

const char* ethnicity_name(const std::string& code) noexcept {
  // GB 3304-91 (names of China's nationalities in romanization with codes): codes 01..56
  // in the standard's order; 97 other, 98 foreigners naturalised as Chinese citizens.
  static const char* const kNames[56] = {
      "汉",     "蒙古",   "回",       "藏",     "维吾尔",   "苗",   "彝",     "壮",
      "布依",   "朝鲜",   "满",       "侗",     "瑶",       "白",   "土家",   "哈尼",
      "哈萨克", "傣",     "黎",       "傈僳",   "佤",       "畲",   "高山",   "拉祜",
      "水",     "东乡",   "纳西",     "景颇",   "柯尔克孜", "土",   "达斡尔", "仫佬",
      "羌",     "布朗",   "撒拉",     "毛南",   "仡佬",     "锡伯", "阿昌",   "普米",
      "塔吉克", "怒",     "乌孜别克", "俄罗斯", "鄂温克",   "德昂", "保安",   "裕固",
      "京",     "塔塔尔", "独龙",     "鄂伦春", "赫哲",     "门巴", "珞巴",   "基诺"};
  if (code.size() != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9')
    return nullptr;
  const int n = (code[0] - '0') * 10 + (code[1] - '0');
  if (n >= 1 && n <= 56) return kNames[n - 1];
  if (n == 97) return "其他";
  if (n == 98) return "外国血统";
  return nullptr;
}

}  // namespace idr::tool
