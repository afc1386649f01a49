#pragma once
// Checks on card data (DESIGN 7): each check is its own verdict with a reason code, so a
// counter application can show exactly what is wrong and a signed-read verifier can join
// these verdicts to its own.
//
//   auto report = idr::check_card(card, idr::CheckClock{"20250101"});
//   for (const auto& v : report.verdicts) std::cout << v.name << " " << to_string(v.status);
#include <string>
#include <string_view>
#include <vector>

#include "idr/card.h"
#include "idr/error.h"

namespace idr {

enum class CheckStatus : int {
  Succeeded = 0,
  Warning = 1,     // acceptable, but worth showing (e.g. a region code not in our table)
  NotChecked = 2,  // could not be checked (a field it depends on is missing or malformed)
  Failed = 3,
};
[[nodiscard]] const char* to_string(CheckStatus s) noexcept;

struct Verdict {
  std::string name;  // stable id, e.g. "id_number.check_digit"
  CheckStatus status = CheckStatus::NotChecked;
  std::string reason;   // stable machine code, e.g. "ok", "wrong_check_digit", "lowercase_x"
  std::string message;  // one English sentence for people
};

struct CheckReport {
  std::vector<Verdict> verdicts;
  // The worst status of all verdicts (Failed > NotChecked > Warning > Succeeded).
  [[nodiscard]] CheckStatus overall() const;
  // The verdict with this name, or nullptr.
  [[nodiscard]] const Verdict* find(std::string_view name) const;
};

// The caller's notion of today (local date at the counter), "YYYYMMDD". Checks never read
// the system clock themselves, so tests and replays are deterministic.
struct CheckClock {
  std::string today;
};

// GB/T 2260 region codes (province and prefecture level; hostlib/data/gbt2260.tsv).
enum class RegionMatch : int {
  Prefecture = 0,       // the first four digits name a listed prefecture
  ProvinceOnly = 1,     // the province exists, the prefecture is not in the table
  UnknownProvince = 2,  // no such province
};
class RegionTable {
 public:
  // The table compiled into the library from hostlib/data/gbt2260.tsv.
  [[nodiscard]] static const RegionTable& builtin();
  // Parses the TSV format (comment lines start with '#'; code TAB level TAB name).
  // InvalidArgument with *why set for a malformed line.
  [[nodiscard]] static Result<RegionTable> parse(std::string_view tsv, std::string* why = nullptr);
  [[nodiscard]] RegionMatch match(std::string_view six_digits) const;
  // The name of the most specific listed level ("" when none).
  [[nodiscard]] std::string name_of(std::string_view six_digits) const;
  [[nodiscard]] size_t size() const { return codes_.size(); }

 private:
  std::vector<std::pair<uint32_t, std::string>> codes_;  // sorted by code
};

// GB 3304 ethnicity name for a two-digit code ("01".."56", "97", "98"), nullptr if none.
[[nodiscard]] const char* ethnicity_name(std::string_view code) noexcept;
// GB/T 2261.1 gender name ("0" unknown, "1" male, "2" female, "9" unspecified), nullptr if none.
[[nodiscard]] const char* gender_name(std::string_view code) noexcept;

// ISO 7064 MOD 11-2 check character for 17 digits (DESIGN 7); '\0' if not 17 digits.
[[nodiscard]] char id_check_char(std::string_view first17) noexcept;
// True when "YYYYMMDD" is a real Gregorian calendar date (years 1800..2199).
[[nodiscard]] bool is_calendar_date(std::string_view yyyymmdd) noexcept;

// --- Individual checks (each returns one verdict) ---
// "id_number.format": 18 characters, 17 digits + digit or upper-case 'X'. A lower-case 'x'
// fails (reason "lowercase_x"): cards store upper-case 'X', so a lower-case one was typed or
// altered. For 'Y' cards the number must also start with 9 (reason "not_starting_with_9").
[[nodiscard]] Verdict check_id_format(std::string_view id, CardType type = CardType::Resident);
// "id_number.check_digit": ISO 7064 MOD 11-2 (NotChecked when the format is wrong).
[[nodiscard]] Verdict check_id_check_digit(std::string_view id);
// "id_number.region": digits 1-6 against the GB/T 2260 table. Unknown province: Failed;
// prefecture not listed: Warning (old codes stay valid on old cards).
[[nodiscard]] Verdict check_id_region(std::string_view id, const RegionTable& table);
// "id_number.birth_date": digits 7-14 a real date, not after today, equal to the birth field
// (the field is skipped when empty).
[[nodiscard]] Verdict check_id_birth_date(std::string_view id, std::string_view birth_field,
                                          const CheckClock& clock);
// "id_number.gender_parity": order code (digits 15-17) odd = male "1", even = female "2".
[[nodiscard]] Verdict check_id_gender_parity(std::string_view id, std::string_view gender);
// "gender.code": GB/T 2261.1.
[[nodiscard]] Verdict check_gender_code(std::string_view gender);
// "ethnicity.code": GB 3304 (01..56, 97 other, 98 foreign origin).
[[nodiscard]] Verdict check_ethnicity_code(std::string_view code);
// "birth.date": the birth field is a real date, not after today.
[[nodiscard]] Verdict check_birth_field(std::string_view birth, const CheckClock& clock);
// "validity.dates": from and to real dates (or long term), from <= to.
[[nodiscard]] Verdict check_validity_dates(const Validity& v);
// "validity.current": from <= today <= to (long term: from <= today).
[[nodiscard]] Verdict check_validity_current(const Validity& v, const CheckClock& clock);
// "permanent_residence_number.format" ('I' card, 2017 layout): 15 characters, three
// upper-case letters (nationality, ISO 3166-1 alpha-3) then 12 digits. Format only: the
// meaning of the digits and any check digit are not public enough to check (assumption).
[[nodiscard]] Verdict check_permanent_residence_number(std::string_view number);
// "pass_number.format" ('J' card): Hong Kong "H" / Macao "M" + 8 or 10 digits, Taiwan 8
// digits; consistent with the ID number prefix 81 / 82 / 83 when that is well formed.
[[nodiscard]] Verdict check_pass_number(std::string_view pass, std::string_view id);

// All checks that apply to the card's layout, in a fixed order.
[[nodiscard]] CheckReport check_card(const CardData& card, const CheckClock& clock,
                                     const RegionTable& regions = RegionTable::builtin());
// Only the ID number checks (format, check digit, region, birth date in the number).
[[nodiscard]] CheckReport check_id_number(std::string_view id, const CheckClock& clock,
                                          const RegionTable& regions = RegionTable::builtin());

}  // namespace idr
