// Table-driven ID number checks. The check characters of the rows
// were computed offline with an independent ISO 7064 MOD 11-2 script; the first two rows
// are the worked examples of GB 11643-1999 (11010519491231002X, 440524188001010014).
#include <catch2/catch.hpp>

#include "idr/checks.h"

using idr::CheckStatus;

namespace {

constexpr CheckStatus S = CheckStatus::Succeeded;
constexpr CheckStatus W = CheckStatus::Warning;
constexpr CheckStatus N = CheckStatus::NotChecked;
constexpr CheckStatus F = CheckStatus::Failed;

struct Row {
  const char* id;
  const char* gender;
  const char* birth_field;  // "" = not compared
  CheckStatus format, check_digit, region, birth, parity;
  const char* reason;  // reason of the first non-succeeded verdict ("" when all succeed)
};

// Today for every row: 2025-06-15.
const Row kRows[] = {
    // valid
    {"11010519491231002X", "2", "", S, S, S, S, S, ""},
    {"440524188001010014", "1", "", S, S, S, S, S, ""},
    {"310104198507041232", "1", "", S, S, S, S, S, ""},
    {"510107200002294564", "2", "", S, S, S, S, S, ""},  // 29 Feb 2000: leap year
    {"650102197311150075", "1", "", S, S, S, S, S, ""},
    {"429004199010100084", "2", "", S, S, S, S, S, ""},  // 4290: province-administered county
    {"50010120101231333X", "1", "", S, S, S, S, S, ""},
    {"540102196006060604", "2", "", S, S, S, S, S, ""},
    {"130102199901010117", "1", "", S, S, S, S, S, ""},
    {"460200198008080803", "2", "", S, S, S, S, S, ""},
    {"370212197011115674", "1", "", S, S, S, S, S, ""},
    {"230102195512123412", "1", "", S, S, S, S, S, ""},
    {"620102200001012223", "2", "", S, S, S, S, S, ""},
    {"11010519491231002X", "2", "19491231", S, S, S, S, S, ""},
    // wrong check character
    {"11010519491231002Y", "2", "", F, N, S, S, S, "bad_check_char"},
    {"110105194912310021", "2", "", S, F, S, S, S, "wrong_check_digit"},
    {"440524188001010015", "1", "", S, F, S, S, S, "wrong_check_digit"},
    {"310104198507041233", "1", "", S, F, S, S, S, "wrong_check_digit"},
    {"51010720000229456X", "2", "", S, F, S, S, S, "wrong_check_digit"},
    {"650102197311150070", "1", "", S, F, S, S, S, "wrong_check_digit"},
    {"429004199010100080", "2", "", S, F, S, S, S, "wrong_check_digit"},
    // lower-case x
    {"11010519491231002x", "2", "", F, N, S, S, S, "lowercase_x"},
    {"50010120101231333x", "1", "", F, N, S, S, S, "lowercase_x"},
    // wrong length / not digits
    {"1101051949123100", "2", "", F, N, S, N, N, "wrong_length"},
    {"11010519491231002XX", "2", "", F, N, S, N, N, "wrong_length"},
    {"110105491231002", "2", "", F, N, S, N, N, "wrong_length"},  // first-generation 15 digits
    {"", "1", "", F, N, N, N, N, "wrong_length"},
    {"1101051949123100AX", "2", "", F, N, S, N, N, "not_digits"},
    {"11010519491231 02X", "2", "", F, N, S, N, N, "not_digits"},
    // impossible birth dates (check characters correct)
    {"110105194902300012", "1", "", S, S, S, F, S, "impossible_date"},
    {"110105194913010010", "1", "", S, S, S, F, S, "impossible_date"},
    {"110105194900000016", "1", "", S, S, S, F, S, "impossible_date"},
    {"110105202302290014", "1", "", S, S, S, F, S, "impossible_date"},  // 2023 not leap
    {"110105190002290017", "1", "", S, S, S, F, S, "impossible_date"},  // 1900 not leap
    {"110105179912310016", "1", "", S, S, S, F, S, "impossible_date"},  // before 1800
    {"110105180001010010", "1", "", S, S, S, S, S, ""},
    // future birth dates
    {"11010520300101001X", "1", "", S, S, S, F, S, "future_date"},
    {"110105202506160019", "1", "", S, S, S, F, S, "future_date"},  // tomorrow
    {"110105202506150021", "2", "", S, S, S, S, S, ""},             // today
    // birth field disagrees
    {"11010519491231002X", "2", "19491230", S, S, S, F, S, "birth_mismatch"},
    // order code parity vs gender
    {"110105198512311240", "1", "", S, S, S, S, F, "parity_mismatch"},
    {"110105198512311136", "2", "", S, S, S, S, F, "parity_mismatch"},
    {"110105198512311240", "9", "", S, S, S, S, N, "gender_not_binary"},
    {"110105198512311136", "1", "", S, S, S, S, S, ""},
    // region codes
    {"110305198501010013", "1", "", S, S, F, S, S, "unknown_county"},  // never listed
    {"710100198501010012", "1", "", S, S, F, S, S, "unknown_county"},  // Taiwan: province only
    {"990101198501010010", "1", "", S, S, F, S, S, "unknown_province"},
    {"00000019850101001X", "1", "", S, S, F, S, S, "unknown_province"},
};

}  // namespace

TEST_CASE("ID number table: each row gets its expected verdicts") {
  REQUIRE(sizeof(kRows) / sizeof(kRows[0]) >= 40);
  const idr::CheckClock clock{"20250615"};
  for (const Row& row : kRows) {
    DYNAMIC_SECTION("id '" << row.id << "' gender " << row.gender) {
      const std::vector<idr::Verdict> got{
          idr::check_id_format(row.id),
          idr::check_id_check_digit(row.id),
          idr::check_id_region(row.id, idr::RegionTable::builtin()),
          idr::check_id_birth_date(row.id, row.birth_field, clock),
          idr::check_id_gender_parity(row.id, row.gender),
      };
      const CheckStatus want[] = {row.format, row.check_digit, row.region, row.birth, row.parity};
      std::string first_reason;
      for (size_t i = 0; i < got.size(); ++i) {
        INFO(got[i].name << ": " << got[i].message);
        CHECK(got[i].status == want[i]);
        if (first_reason.empty() && got[i].status != S) first_reason = got[i].reason;
        CHECK(!got[i].message.empty());
      }
      CHECK(first_reason == row.reason);
    }
  }
}

TEST_CASE("check_id_number bundles the number checks") {
  const auto r = idr::check_id_number("11010519491231002X", idr::CheckClock{"20250615"});
  CHECK(r.verdicts.size() == 4);
  CHECK(r.overall() == S);
  const auto bad = idr::check_id_number("110105194912310021", idr::CheckClock{"20250615"});
  CHECK(bad.overall() == F);
  REQUIRE(bad.find("id_number.check_digit") != nullptr);
  CHECK(bad.find("id_number.check_digit")->reason == "wrong_check_digit");
}

TEST_CASE("the check character follows the DESIGN 7 weights and mapping") {
  // Sum mod 11 -> 1 0 X 9 8 7 6 5 4 3 2. 17 zeros: sum 0 -> '1'. "10000000000000000": 7 -> '5'.
  CHECK(idr::id_check_char("00000000000000000") == '1');
  CHECK(idr::id_check_char("10000000000000000") == '5');
  CHECK(idr::id_check_char("00000000000000001") == 'X');  // weight 2 -> sum 2 -> 'X'
  CHECK(idr::id_check_char("1234") == '\0');
}

// Region codes against the county-level table (hostlib/data/gbt2260.tsv, DESIGN 7). The
// retired codes are those the generated table lists with a last revision before "current".
struct RegionRow {
  const char* code;
  idr::RegionMatch match;
  CheckStatus status;
  const char* reason;
  const char* name_part;  // expected in the verdict message ("" = not compared)
};
using M = idr::RegionMatch;
const RegionRow kRegionRows[] = {
    // current county-level codes
    {"110105", M::County, S, "ok", "朝阳区"},
    {"440305", M::County, S, "ok", "南山区"},
    {"659011", M::County, S, "ok", "新星市"},  // created 2021: only in the newest source
    {"429004", M::County, S, "ok", "仙桃市"},  // province-administered county-level city
    // retired codes: cards keep them after the county is renamed, merged or abolished
    {"110103", M::County, S, "ok", "retired code (200212-200912)"},  // 崇文区, merged 2010
    {"110104", M::County, S, "ok", "宣武区"},
    {"370181", M::County, S, "ok", "章丘市"},  // became 370114 章丘区
    {"320721", M::County, S, "ok", "赣榆县"},  // became 320707 赣榆区
    {"469003", M::County, S, "ok", "儋州市"},  // became the prefecture 460400
    {"341421", M::County, S, "ok", "巢湖市"},  // prefecture 巢湖 abolished 2011
    {"440524", M::County, S, "ok", "潮阳县"},  // GB 11643-1999 worked example (supplement)
    // prefecture-level cities without counties
    {"441900", M::County, S, "ok", "东莞市"},
    {"442000", M::County, S, "ok", "中山市"},
    {"460400", M::County, S, "ok", "儋州市"},
    {"620200", M::County, S, "ok", "嘉峪关市"},
    {"460200", M::County, S, "ok", "三亚市"},  // no counties until 2014
    // residence permit regions
    {"810000", M::Permit, S, "ok", "香港"},
    {"820000", M::Permit, S, "ok", "澳门"},
    {"830000", M::Permit, S, "ok", "台湾"},
    // province-only and prefecture codes: the county digits are missing
    {"110000", M::NotCounty, F, "not_county", "北京市"},
    {"440000", M::NotCounty, F, "not_county", ""},
    {"710000", M::NotCounty, F, "not_county", "台湾省"},
    {"440300", M::NotCounty, F, "not_county", "深圳市"},
    {"110100", M::NotCounty, F, "not_county", ""},
    // fabricated county codes
    {"123456", M::UnknownCounty, F, "unknown_county", "天津市"},
    {"449999", M::UnknownCounty, F, "unknown_county", "广东省"},
    {"110199", M::UnknownCounty, F, "unknown_county", ""},
    {"440399", M::UnknownCounty, F, "unknown_county", ""},
    {"659099", M::UnknownCounty, F, "unknown_county", ""},
    {"810001", M::UnknownCounty, F, "unknown_county", "香港"},  // 81/82: province level only
    // no such province
    {"720000", M::UnknownProvince, F, "unknown_province", ""},
    {"990101", M::UnknownProvince, F, "unknown_province", ""},
    {"000000", M::UnknownProvince, F, "unknown_province", ""},
};

TEST_CASE("region codes: county level, retired kept, cities without counties, permits") {
  const auto& t = idr::RegionTable::builtin();
  for (const RegionRow& row : kRegionRows) {
    DYNAMIC_SECTION("region " << row.code) {
      CHECK(t.match(row.code) == row.match);
      const std::string id = std::string(row.code) + "198501010010";  // region check only
      const auto v = idr::check_id_region(id, t);
      INFO(v.message);
      CHECK(v.name == "id_number.region");
      CHECK(v.status == row.status);
      CHECK(v.reason == row.reason);
      CHECK(v.message.find(row.name_part) != std::string::npos);
    }
  }
}

TEST_CASE("the region table compiled in is the county-level table") {
  const auto& t = idr::RegionTable::builtin();
  CHECK(t.size() > 4000);  // about 3 700 current codes plus retired ones
  CHECK(t.name_of("110105") == "北京市市辖区朝阳区");
  CHECK(t.name_of("441900") == "广东省东莞市");
  CHECK(t.name_of("110000") == "北京市");
  REQUIRE(t.find("110103") != nullptr);
  CHECK(t.find("110103")->retired());
  REQUIRE(t.find("110105") != nullptr);
  CHECK_FALSE(t.find("110105")->retired());
  REQUIRE(t.find("440524") != nullptr);
  CHECK(t.find("440524")->retired());  // from the supplement, abolished before 2002
  REQUIRE(t.find("830000") != nullptr);
  CHECK_FALSE(t.find("830000")->retired());
  CHECK(t.find("449999") == nullptr);
}

TEST_CASE("the region table parser rejects malformed lines") {
  std::string why;
  CHECK(idr::RegionTable::parse("# c\n110101\tD\t200212-current\t东城区\n").ok());
  const char* bad[] = {
      "11000\tD\t200212-current\tx\n",       // five digits
      "110101\tD\tx\n",                      // three fields
      "110101\tQ\t200212-current\tx\n",      // unknown level
      "110101\tD\t\tx\n",                    // empty span
      "110101\tD\t200212-current\t\n",       // empty name
      "110101\tD\t200212-current\tx\ty\n",   // extra field
      "110101\tD\ta\tx\n110101\tD\ta\ty\n",  // the same code twice
  };
  for (const char* tsv : bad) {
    DYNAMIC_SECTION(tsv) {
      why.clear();
      CHECK_FALSE(idr::RegionTable::parse(tsv, &why).ok());
      CHECK(why.find("region table") != std::string::npos);
    }
  }
  CHECK_FALSE(idr::RegionTable::parse("# c\n11000\tP\tx\tx\n", &why).ok());
  CHECK(why.find("line 2") != std::string::npos);
}
