// Table-driven ID number checks (issue 6 acceptance 1). The check characters of the rows
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
    {"110305198501010013", "1", "", S, S, W, S, S, "unknown_region"},  // prefecture 1103 not listed
    {"710100198501010012", "1", "", S, S, W, S, S, "unknown_region"},  // Taiwan: province only
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

TEST_CASE("the region table compiled in has the provinces and prefectures") {
  const auto& t = idr::RegionTable::builtin();
  CHECK(t.size() > 340);
  CHECK(t.match("110105") == idr::RegionMatch::Prefecture);
  CHECK(t.name_of("110105") == "北京市市辖区");
  CHECK(t.match("440524") == idr::RegionMatch::Prefecture);
  CHECK(t.match("440000") == idr::RegionMatch::Prefecture);  // the province itself
  CHECK(t.match("449901") == idr::RegionMatch::ProvinceOnly);
  CHECK(t.match("720000") == idr::RegionMatch::UnknownProvince);
  std::string why;
  CHECK(!idr::RegionTable::parse("# c\n11000\tP\tx\n", &why));
  CHECK(why.find("line 2") != std::string::npos);
}
