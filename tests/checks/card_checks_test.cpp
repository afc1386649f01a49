// Card-level checks: code tables, validity, each layout (DESIGN 7, 8), and the C API over a
// text block personalised by the simulator (so layout and checks agree with hw-sim).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>

#include "idr/checks.h"
#include "idr/idr_checks.h"
#include "idr/sim/scenario.h"

using idr::CheckStatus;

namespace {

idr::CardData resident() {
  idr::CardData c;
  c.type = idr::CardType::Resident;
  c.name = "张三";
  c.gender = "2";
  c.ethnicity = "01";
  c.birth = "19491231";
  c.id_number = "11010519491231002X";
  c.validity = {"20100101", "", true};  // age 60 at issue: long term
  return c;
}

CheckStatus status_of(const idr::CheckReport& r, const char* name) {
  const auto* v = r.find(name);
  REQUIRE(v != nullptr);
  return v->status;
}

// YYYYMMDD of the UTC calendar day that holds `t`.
std::string utc_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[16];
  return std::string(out, std::strftime(out, sizeof out, "%Y%m%d", &tm));
}

}  // namespace

TEST_CASE("CheckClock::local is today's date in the local time zone (TZ)") {
  const char* tz_before = std::getenv("TZ");
  const std::string saved = tz_before ? tz_before : "";
  // POSIX TZ strings (no zoneinfo needed): UTC, UTC+14 and UTC-12. The last two are 26 hours
  // apart, so their dates always differ: a clock that ignored TZ fails one of them.
  const std::pair<const char*, std::time_t> zones[] = {
      {"UTC0", 0}, {"IDR-14", 14 * 3600}, {"IDR+12", -12 * 3600}};
  for (const auto& [tz, offset] : zones) {
    INFO("TZ=" << tz);
    REQUIRE(::setenv("TZ", tz, 1) == 0);
    ::tzset();
    const std::time_t before = std::time(nullptr);
    const std::string today = idr::CheckClock::local().today;
    const std::time_t after = std::time(nullptr);
    CHECK(idr::is_calendar_date(today));
    // The day may turn between the two readings: either side's date is right.
    CHECK((today == utc_date(before + offset) || today == utc_date(after + offset)));
  }
  if (tz_before)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
}

TEST_CASE("GB 3304 ethnicity codes: 01..56, 97, 98") {
  CHECK(std::string(idr::ethnicity_name("01")) == "汉族");
  CHECK(std::string(idr::ethnicity_name("02")) == "蒙古族");
  CHECK(std::string(idr::ethnicity_name("10")) == "朝鲜族");
  CHECK(std::string(idr::ethnicity_name("46")) == "德昂族");
  CHECK(std::string(idr::ethnicity_name("56")) == "基诺族");
  CHECK(std::string(idr::ethnicity_name("97")) == "其他");
  CHECK(std::string(idr::ethnicity_name("98")) == "外国血统中国籍人士");
  for (const char* bad : {"00", "57", "96", "99", "1", "001", "a1"}) {
    INFO(bad);
    CHECK(idr::ethnicity_name(bad) == nullptr);
    CHECK(idr::check_ethnicity_code(bad).status == CheckStatus::Failed);
  }
}

TEST_CASE("GB/T 2261.1 gender codes") {
  for (const char* good : {"0", "1", "2", "9"})
    CHECK(idr::check_gender_code(good).status == CheckStatus::Succeeded);
  for (const char* bad : {"3", "", "男", "12"})
    CHECK(idr::check_gender_code(bad).status == CheckStatus::Failed);
}

TEST_CASE("validity: dates, order, 长期, expiry against the caller's clock") {
  const idr::CheckClock today{"20250615"};
  CHECK(idr::check_validity_dates({"20150101", "20250101", false}).status ==
        CheckStatus::Succeeded);
  CHECK(idr::check_validity_dates({"20150101", "", true}).status == CheckStatus::Succeeded);
  CHECK(idr::check_validity_dates({"20250101", "20150101", false}).reason == "from_after_to");
  CHECK(idr::check_validity_dates({"20150230", "20250101", false}).reason == "bad_from");
  CHECK(idr::check_validity_dates({"20150101", "", false}).reason == "bad_to");

  CHECK(idr::check_validity_current({"20150615", "20250615", false}, today).status ==
        CheckStatus::Succeeded);
  CHECK(idr::check_validity_current({"20150614", "20250614", false}, today).reason == "expired");
  CHECK(idr::check_validity_current({"20250616", "20350616", false}, today).reason ==
        "not_yet_valid");
  CHECK(idr::check_validity_current({"20000101", "", true}, today).status ==
        CheckStatus::Succeeded);
  CHECK(idr::check_validity_current({"20000101", "", true}, idr::CheckClock{""}).reason ==
        "no_clock");
}

TEST_CASE("resident card: all checks pass, then each field breaks its own verdict") {
  const idr::CheckClock today{"20250615"};
  auto c = resident();
  auto r = idr::check_card(c, today);
  for (const auto& v : r.verdicts) {
    INFO(v.name << " " << v.message);
    CHECK(v.status == CheckStatus::Succeeded);
  }
  CHECK(r.find("ethnicity.code") != nullptr);
  CHECK(r.find("validity.period") != nullptr);

  auto e = resident();
  e.ethnicity = "60";
  CHECK(status_of(idr::check_card(e, today), "ethnicity.code") == CheckStatus::Failed);
  auto g = resident();
  g.gender = "1";
  r = idr::check_card(g, today);
  CHECK(status_of(r, "id_number.gender_parity") == CheckStatus::Failed);
  CHECK(r.overall() == CheckStatus::Failed);
  auto b = resident();
  b.birth = "19491130";
  CHECK(status_of(idr::check_card(b, today), "id_number.birth_date") == CheckStatus::Failed);
  auto p = resident();
  p.validity = {"20100101", "20300101", false};  // a 60-year-old gets a long-term card
  CHECK(status_of(idr::check_card(p, today), "validity.period") == CheckStatus::Warning);
  auto young = resident();
  young.id_number = "510107200002294564";
  young.birth = "20000229";
  young.validity = {"20200301", "20300301", false};  // age 20: 10 years
  CHECK(status_of(idr::check_card(young, today), "validity.period") == CheckStatus::Succeeded);
  CHECK(status_of(idr::check_card(young, today), "validity.current") == CheckStatus::Succeeded);
}

TEST_CASE("'Y' card: 18 characters starting with 9, no GB/T 2260 region check") {
  idr::CardData c;
  c.type = idr::CardType::ForeignY;
  c.gender = "2";  // order code 002: even
  c.birth = "19900101";
  c.id_number = "911000199001010021";
  c.validity = {"20240101", "20340101", false};
  auto r = idr::check_card(c, idr::CheckClock{"20250615"});
  CHECK(r.overall() == CheckStatus::Succeeded);
  CHECK(r.find("id_number.region") == nullptr);
  c.id_number = "110105199001010012";  // a resident number on a 'Y' card
  CHECK(idr::check_id_format(c.id_number, c.type).reason == "not_starting_with_9");
}

TEST_CASE("'J' card: permit region and pass number format") {
  idr::CardData c;
  c.type = idr::CardType::PermitJ;
  c.gender = "2";
  c.birth = "19900101";
  c.id_number = "810000199001010027";
  c.pass_number = "H12345678";
  c.validity = {"20200101", "20250101", false};
  auto r = idr::check_card(c, idr::CheckClock{"20241231"});
  for (const auto& v : r.verdicts) {
    INFO(v.name << " " << v.message);
    CHECK(v.status == CheckStatus::Succeeded);
  }
  CHECK(idr::check_pass_number("M1234567890", "820000199001010011").status ==
        CheckStatus::Succeeded);
  CHECK(idr::check_pass_number("12345678", "830000199001010039").status == CheckStatus::Succeeded);
  CHECK(idr::check_pass_number("M12345678", "810000199001010027").reason == "region_mismatch");
  CHECK(idr::check_pass_number("H1234", "810000199001010027").reason == "bad_format");
  c.id_number = "11010519491231002X";
  CHECK(status_of(idr::check_card(c, idr::CheckClock{"20241231"}), "id_number.region") ==
        CheckStatus::Failed);
}

TEST_CASE("resident card: a permit region is not a county code") {
  auto c = resident();
  c.id_number = "810000194912310028";
  REQUIRE(idr::id_check_char(c.id_number.substr(0, 17)) == c.id_number[17]);
  const auto r = idr::check_card(c, idr::CheckClock{"20241231"});
  REQUIRE(r.find("id_number.region") != nullptr);
  CHECK(r.find("id_number.region")->status == CheckStatus::Failed);
  CHECK(r.find("id_number.region")->reason == "permit_region");
}

TEST_CASE("'I' card: 15-character permanent residence number, format only") {
  CHECK(idr::check_permanent_residence_number("USA310080112345").status == CheckStatus::Succeeded);
  CHECK(idr::check_permanent_residence_number("usa310080112345").reason == "bad_nationality");
  CHECK(idr::check_permanent_residence_number("USA31008011234").reason == "wrong_length");
  CHECK(idr::check_permanent_residence_number("USA31008011234X").reason == "not_digits");
}

TEST_CASE("C API: checks over a text block personalised by the simulator") {
  idr::sim::CardSpec spec;
  spec.label = "checks";
  spec.text = {{"name", "张三"},        {"gender", "2"},
               {"ethnicity", "01"},     {"birth", "19491231"},
               {"address", "北京市"},   {"id_number", "11010519491231002X"},
               {"authority", "公安局"}, {"valid_from", "20100101"},
               {"valid_to", "长期"}};
  auto image = idr::sim::make_card_image(spec);
  idr_check_report* report = nullptr;
  REQUIRE(idr_checks_text(image.text.data(), image.text.size(), "20250615", &report) == IDR_OK);
  REQUIRE(idr_check_report_count(report) >= 10);
  CHECK(idr_check_report_overall(report) == IDR_CHECK_SUCCEEDED);
  const char* name = nullptr;
  int status = -1;
  REQUIRE(idr_check_report_get(report, 0, &name, &status, nullptr, nullptr) == IDR_OK);
  CHECK(std::string(name) == "id_number.format");
  CHECK(idr_check_report_get(report, 1000, &name, &status, nullptr, nullptr) ==
        IDR_E_INVALID_ARGUMENT);
  idr_check_report_free(report);

  // Expired ten-year card: overall FAILED, reason "expired".
  spec.text["birth"] = "19491231";
  spec.text["valid_from"] = "20000101";
  spec.text["valid_to"] = "20200101";
  image = idr::sim::make_card_image(spec);
  REQUIRE(idr_checks_text(image.text.data(), image.text.size(), "20250615", &report) == IDR_OK);
  CHECK(idr_check_report_overall(report) == IDR_CHECK_FAILED);
  bool expired = false;
  for (size_t i = 0; i < idr_check_report_count(report); ++i) {
    const char* reason = nullptr;
    REQUIRE(idr_check_report_get(report, i, nullptr, nullptr, &reason, nullptr) == IDR_OK);
    expired = expired || std::string(reason) == "expired";
  }
  CHECK(expired);
  idr_check_report_free(report);

  CHECK(idr_checks_text(image.text.data(), 100, "20250615", &report) == IDR_E_INVALID_ARGUMENT);
  REQUIRE(idr_checks_id_number("11010519491231002x", "20250615", &report) == IDR_OK);
  CHECK(idr_check_report_overall(report) == IDR_CHECK_FAILED);
  idr_check_report_free(report);
}
