// Code tables used by the checks: GB 3304 ethnicities and GB/T 2261.1 genders (DESIGN 7).
#include <string_view>

#include "idr/checks.h"

namespace idr {
namespace {

// GB 3304-1991 in code order (01..56). 46 is 德昂族 (renamed from 崩龙族 in 1985).
constexpr const char* kEthnicities[56] = {
    "汉族",     "蒙古族",   "回族",       "藏族",     "维吾尔族",   "苗族",   "彝族",     "壮族",
    "布依族",   "朝鲜族",   "满族",       "侗族",     "瑶族",       "白族",   "土家族",   "哈尼族",
    "哈萨克族", "傣族",     "黎族",       "傈僳族",   "佤族",       "畲族",   "高山族",   "拉祜族",
    "水族",     "东乡族",   "纳西族",     "景颇族",   "柯尔克孜族", "土族",   "达斡尔族", "仫佬族",
    "羌族",     "布朗族",   "撒拉族",     "毛南族",   "仡佬族",     "锡伯族", "阿昌族",   "普米族",
    "塔吉克族", "怒族",     "乌孜别克族", "俄罗斯族", "鄂温克族",   "德昂族", "保安族",   "裕固族",
    "京族",     "塔塔尔族", "独龙族",     "鄂伦春族", "赫哲族",     "门巴族", "珞巴族",   "基诺族",
};

}  // namespace

const char* ethnicity_name(std::string_view code) noexcept {
  if (code.size() != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9')
    return nullptr;
  const int n = (code[0] - '0') * 10 + (code[1] - '0');
  if (n >= 1 && n <= 56) return kEthnicities[n - 1];
  // The codes for people outside the 56 as used on cards and by reader client software:
  // 97 other (其他), 98 Chinese citizen of foreign origin (外国血统中国籍人士).
  if (n == 97) return "其他";
  if (n == 98) return "外国血统中国籍人士";
  return nullptr;
}

const char* gender_name(std::string_view code) noexcept {
  if (code == "0") return "未知的性别";
  if (code == "1") return "男";
  if (code == "2") return "女";
  if (code == "9") return "未说明的性别";
  return nullptr;
}

}  // namespace idr
