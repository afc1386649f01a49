// Card data checks (DESIGN 7). Each function returns one verdict; check_card picks the ones
// that apply to the card's layout (DESIGN 8).
#include <array>
#include <ctime>
#include <string>

#include "idr/checks.h"

namespace idr {
namespace {

Verdict make(const char* name, CheckStatus s, const char* reason, std::string message) {
  Verdict v;
  v.name = name;
  v.status = s;
  v.reason = reason;
  v.message = std::move(message);
  return v;  // not required: only FAILED makes a card wrong (checks.h)
}
Verdict ok(const char* name, std::string message) {
  return make(name, CheckStatus::Succeeded, "ok", std::move(message));
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Whether the ID number is well formed enough for the checks that read its digits.
bool id_digits_ok(std::string_view id) {
  return id.size() == 18 && all_digits(id.substr(0, 17));
}

// Years between two valid dates, counted as on birthdays (a - b).
int whole_years(std::string_view later, std::string_view earlier) {
  int y = num(later.substr(0, 4)) - num(earlier.substr(0, 4));
  if (num(later.substr(4, 4)) < num(earlier.substr(4, 4))) --y;
  return y;
}

}  // namespace

const char* to_string(CheckStatus s) noexcept {
  switch (s) {
    case CheckStatus::Succeeded:
      return "SUCCEEDED";
    case CheckStatus::Warning:
      return "WARNING";
    case CheckStatus::NotChecked:
      return "NOT_CHECKED";
    case CheckStatus::Failed:
      return "FAILED";
  }
  return "FAILED";
}

CheckStatus CheckReport::overall() const {
  CheckStatus worst = CheckStatus::Succeeded;
  for (const auto& v : verdicts)
    if (static_cast<int>(v.status) > static_cast<int>(worst)) worst = v.status;
  return worst;
}

const Verdict* CheckReport::find(std::string_view name) const {
  for (const auto& v : verdicts)
    if (v.name == name) return &v;
  return nullptr;
}

char id_check_char(std::string_view first17) noexcept {
  // GB 11643-1999 / ISO 7064 MOD 11-2: weights 2^(17-i) mod 11 (DESIGN 7 lists them).
  static constexpr std::array<int, 17> kWeights{7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr char kChars[] = "10X98765432";
  if (first17.size() != 17 || !all_digits(first17)) return '\0';
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kChars[sum % 11];
}

CheckClock CheckClock::local() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char date[16];
  return CheckClock{std::string(date, std::strftime(date, sizeof date, "%Y%m%d", &tm))};
}

bool is_calendar_date(std::string_view d) noexcept {
  if (d.size() != 8 || !all_digits(d)) return false;
  const int y = num(d.substr(0, 4)), m = num(d.substr(4, 2)), day = num(d.substr(6, 2));
  if (y < 1800 || y > 2199 || m < 1 || m > 12) return false;
  return day >= 1 && day <= days_in_month(y, m);
}

Verdict check_id_format(std::string_view id, CardType type) {
  constexpr const char* kName = "id_number.format";
  if (id.size() != 18)
    return make(kName, CheckStatus::Failed, "wrong_length",
                "The ID number has " + std::to_string(id.size()) + " characters, not 18.");
  if (!all_digits(id.substr(0, 17)))
    return make(kName, CheckStatus::Failed, "not_digits",
                "The first 17 characters of the ID number must be digits.");
  const char last = id[17];
  if (last == 'x')
    return make(kName, CheckStatus::Failed, "lowercase_x",
                "The check character is a lower-case 'x'; cards store an upper-case 'X'.");
  if (!(last == 'X' || (last >= '0' && last <= '9')))
    return make(kName, CheckStatus::Failed, "bad_check_char",
                "The 18th character must be a digit or 'X'.");
  if (type == CardType::ForeignY && id[0] != '9')
    return make(kName, CheckStatus::Failed, "not_starting_with_9",
                "A 2023 foreign permanent resident ID number starts with 9.");
  return ok(kName, "18 characters: 17 digits and a check character.");
}

Verdict check_id_check_digit(std::string_view id) {
  constexpr const char* kName = "id_number.check_digit";
  if (!id_digits_ok(id) || !(id[17] == 'X' || (id[17] >= '0' && id[17] <= '9')))
    return make(kName, CheckStatus::NotChecked, "bad_format", "The ID number is malformed.");
  const char expected = id_check_char(id.substr(0, 17));
  if (id[17] != expected)
    return make(kName, CheckStatus::Failed, "wrong_check_digit",
                std::string("The check character is '") + id[17] + "', ISO 7064 MOD 11-2 gives '" +
                    expected + "'.");
  return ok(kName, "The check character matches ISO 7064 MOD 11-2.");
}

Verdict check_id_region(std::string_view id, const RegionTable& table) {
  constexpr const char* kName = "id_number.region";
  if (id.size() < 6 || !all_digits(id.substr(0, 6)))
    return make(kName, CheckStatus::NotChecked, "bad_format",
                "The ID number has no six-digit region code.");
  const std::string_view code = id.substr(0, 6);
  const std::string c(code);
  switch (table.match(code)) {
    case RegionMatch::County: {
      const RegionEntry* e = table.find(code);
      if (e->retired())
        return ok(kName, "Region " + c + " (" + table.name_of(code) + "), a retired code (" +
                             e->span + "); numbers keep their code after a county changes.");
      return ok(kName, "Region " + c + " (" + table.name_of(code) + ").");
    }
    case RegionMatch::Permit:
      return ok(kName, "Residence permit region " + c + " (" + table.name_of(code) + ").");
    case RegionMatch::NotCounty:
      return make(kName, CheckStatus::Failed, "not_county",
                  "Region " + c + " (" + table.name_of(code) +
                      ") is a province or prefecture code; ID numbers carry a county code.");
    case RegionMatch::UnknownCounty:
      return make(kName, CheckStatus::Failed, "unknown_county",
                  "Region " + c + " was never a GB/T 2260 county code (province " +
                      table.name_of(code) + " exists).");
    case RegionMatch::UnknownProvince:
      break;
  }
  return make(kName, CheckStatus::Failed, "unknown_province",
              "Region " + c + ": no such province in GB/T 2260.");
}

Verdict check_id_birth_date(std::string_view id, std::string_view birth_field,
                            const CheckClock& clock) {
  constexpr const char* kName = "id_number.birth_date";
  if (!id_digits_ok(id))
    return make(kName, CheckStatus::NotChecked, "bad_format", "The ID number is malformed.");
  const std::string_view date = id.substr(6, 8);
  if (!is_calendar_date(date))
    return make(
        kName, CheckStatus::Failed, "impossible_date",
        "Digits 7-14 of the ID number, " + std::string(date) + ", are not a calendar date.");
  if (is_calendar_date(clock.today) && date > std::string_view(clock.today))
    return make(kName, CheckStatus::Failed, "future_date",
                "The birth date in the ID number, " + std::string(date) + ", is after today.");
  if (!birth_field.empty() && birth_field != date)
    return make(kName, CheckStatus::Failed, "birth_mismatch",
                "The ID number says born " + std::string(date) + ", the birth field says " +
                    quoted(birth_field) + ".");
  return ok(kName, "Birth date " + std::string(date) + " in the ID number" +
                       (birth_field.empty() ? "." : " equals the birth field."));
}

Verdict check_id_gender_parity(std::string_view id, std::string_view gender) {
  constexpr const char* kName = "id_number.gender_parity";
  if (!id_digits_ok(id))
    return make(kName, CheckStatus::NotChecked, "bad_format", "The ID number is malformed.");
  if (gender != "1" && gender != "2")
    return make(kName, CheckStatus::NotChecked, "gender_not_binary",
                "Gender " + quoted(gender) + " is neither male nor female: parity not checked.");
  const bool odd = (id[16] - '0') % 2 == 1;  // GB 11643: odd order code = male
  if (odd != (gender == "1"))
    return make(kName, CheckStatus::Failed, "parity_mismatch",
                std::string("The order code ") + std::string(id.substr(14, 3)) + " is " +
                    (odd ? "odd (male)" : "even (female)") + " but the gender field says " +
                    (gender == "1" ? "male." : "female."));
  return ok(kName, "The order code parity matches the gender.");
}

Verdict check_gender_code(std::string_view gender) {
  constexpr const char* kName = "gender.code";
  if (const char* n = gender_name(gender))
    return ok(kName, std::string("Gender ") + std::string(gender) + " (" + n + ").");
  return make(kName, CheckStatus::Failed, "unknown_code",
              "Gender " + quoted(gender) + " is not a GB/T 2261.1 code.");
}

Verdict check_ethnicity_code(std::string_view code) {
  constexpr const char* kName = "ethnicity.code";
  if (const char* n = ethnicity_name(code))
    return ok(kName, "Ethnicity " + std::string(code) + " (" + n + ").");
  return make(kName, CheckStatus::Failed, "unknown_code",
              "Ethnicity " + quoted(code) + " is not a GB 3304 code.");
}

Verdict check_birth_field(std::string_view birth, const CheckClock& clock) {
  constexpr const char* kName = "birth.date";
  if (!is_calendar_date(birth))
    return make(kName, CheckStatus::Failed, "impossible_date",
                "The birth field " + quoted(birth) + " is not a date.");
  if (is_calendar_date(clock.today) && birth > std::string_view(clock.today))
    return make(kName, CheckStatus::Failed, "future_date",
                "The birth date " + std::string(birth) + " is after today.");
  return ok(kName, "Birth date " + std::string(birth) + ".");
}

Verdict check_validity_dates(const Validity& v) {
  constexpr const char* kName = "validity.dates";
  if (!is_calendar_date(v.from))
    return make(kName, CheckStatus::Failed, "bad_from",
                "Valid-from " + quoted(v.from) + " is not a date.");
  if (v.long_term) return ok(kName, "Valid from " + v.from + ", long term (长期).");
  if (!is_calendar_date(v.to))
    return make(kName, CheckStatus::Failed, "bad_to",
                "Valid-to " + quoted(v.to) + " is neither a date nor 长期.");
  if (v.from > v.to)
    return make(kName, CheckStatus::Failed, "from_after_to",
                "Valid from " + v.from + " is after valid to " + v.to + ".");
  return ok(kName, "Valid from " + v.from + " to " + v.to + ".");
}

Verdict check_validity_current(const Validity& v, const CheckClock& clock) {
  constexpr const char* kName = "validity.current";
  if (!is_calendar_date(clock.today))
    return make(kName, CheckStatus::NotChecked, "no_clock", "No valid date for today was given.");
  if (!is_calendar_date(v.from) || (!v.long_term && !is_calendar_date(v.to)))
    return make(kName, CheckStatus::NotChecked, "bad_dates", "The validity dates are malformed.");
  if (clock.today < v.from)
    return make(kName, CheckStatus::Failed, "not_yet_valid",
                "The card is valid only from " + v.from + ".");
  if (!v.long_term && clock.today > v.to)
    return make(kName, CheckStatus::Failed, "expired", "The card expired after " + v.to + ".");
  return ok(kName, v.long_term ? "Long-term card in force." : "In force until " + v.to + ".");
}

Verdict check_permanent_residence_number(std::string_view n) {
  constexpr const char* kName = "permanent_residence_number.format";
  if (n.size() != 15)
    return make(
        kName, CheckStatus::Failed, "wrong_length",
        "The permanent residence number has " + std::to_string(n.size()) + " characters, not 15.");
  for (size_t i = 0; i < 3; ++i)
    if (n[i] < 'A' || n[i] > 'Z')
      return make(kName, CheckStatus::Failed, "bad_nationality",
                  "The first three characters must be upper-case letters.");
  if (!all_digits(n.substr(3)))
    return make(kName, CheckStatus::Failed, "not_digits", "Characters 4-15 must be digits.");
  return ok(kName, "15 characters: nationality letters and 12 digits (format only).");
}

Verdict check_pass_number(std::string_view pass, std::string_view id) {
  constexpr const char* kName = "pass_number.format";
  const bool letter = !pass.empty() && (pass[0] == 'H' || pass[0] == 'M');
  const std::string_view digits = letter ? pass.substr(1) : pass;
  const bool shape = all_digits(digits) &&
                     (letter ? (digits.size() == 8 || digits.size() == 10) : digits.size() == 8);
  if (!shape)
    return make(kName, CheckStatus::Failed, "bad_format",
                "Pass number " + quoted(pass) +
                    " is not H/M + 8 or 10 digits (Hong Kong/Macao) or 8 digits (Taiwan).");
  if (id.size() >= 2 && all_digits(id.substr(0, 2))) {
    const char expected = id.substr(0, 2) == "81"   ? 'H'
                          : id.substr(0, 2) == "82" ? 'M'
                          : id.substr(0, 2) == "83" ? 'T'
                                                    : '?';
    const char got = letter ? pass[0] : 'T';
    if (expected != '?' && expected != got)
      return make(kName, CheckStatus::Failed, "region_mismatch",
                  "Pass number " + quoted(pass) + " does not belong to ID number region " +
                      std::string(id.substr(0, 2)) + ".");
  }
  return ok(kName, "Pass number " + std::string(pass) + ".");
}

namespace {

// A resident card's number carries a county code: the permit regions belong to 'J' cards.
Verdict check_resident_region(std::string_view id, const RegionTable& regions) {
  Verdict v = check_id_region(id, regions);
  if (v.status == CheckStatus::Succeeded && regions.match(id.substr(0, 6)) == RegionMatch::Permit)
    return make("id_number.region", CheckStatus::Failed, "permit_region",
                "Region " + std::string(id.substr(0, 6)) +
                    " is a residence permit region; a resident card carries a county code.");
  return v;
}

// 'J' numbers use 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan) as region code.
Verdict check_permit_region(std::string_view id) {
  constexpr const char* kName = "id_number.region";
  if (id.size() < 6 || !all_digits(id.substr(0, 6)))
    return make(kName, CheckStatus::NotChecked, "bad_format",
                "The ID number has no six-digit region code.");
  const std::string_view code = id.substr(0, 6);
  if (code == "810000" || code == "820000" || code == "830000")
    return ok(kName, "Residence permit region " + std::string(code) + ".");
  return make(kName, CheckStatus::Failed, "not_permit_region",
              "A residence permit number starts with 810000, 820000 or 830000, not " +
                  std::string(code) + ".");
}

// Resident card terms (Law on Resident Identity Cards, art. 5): under 16: 5 years; 16-25:
// 10 years; 26-45: 20 years; 46 and over: long term. A mismatch is a warning only: cards
// issued on the birthday edge or under older rules differ.
Verdict check_resident_period(const CardData& c) {
  constexpr const char* kName = "validity.period";
  if (!is_calendar_date(c.validity.from) || !is_calendar_date(c.birth) ||
      (!c.validity.long_term && !is_calendar_date(c.validity.to)))
    return make(kName, CheckStatus::NotChecked, "bad_dates", "Dates missing or malformed.");
  const int age = whole_years(c.validity.from, c.birth);
  const int expected = age < 16 ? 5 : age <= 25 ? 10 : age <= 45 ? 20 : 0;  // 0 = long term
  const int got = c.validity.long_term ? 0 : whole_years(c.validity.to, c.validity.from);
  const bool same_day = c.validity.long_term ||
                        c.validity.to.substr(4) == c.validity.from.substr(4) ||
                        c.validity.from.substr(4) == "0229";
  if (got == expected && same_day) return ok(kName, "The validity period fits the holder's age.");
  return make(
      kName, CheckStatus::Warning, "period_unusual",
      "At age " + std::to_string(age) + " a card is issued " +
          (expected ? "for " + std::to_string(expected) + " years" : std::string("long term")) +
          ".");
}

}  // namespace

CheckReport check_card(const CardData& c, const CheckClock& clock, const RegionTable& regions) {
  CheckReport r;
  auto& v = r.verdicts;
  switch (c.type) {
    case CardType::Resident:
    case CardType::PermitJ:
    case CardType::ForeignY:
      v.push_back(check_id_format(c.id_number, c.type));
      v.push_back(check_id_check_digit(c.id_number));
      if (c.type == CardType::Resident) v.push_back(check_resident_region(c.id_number, regions));
      if (c.type == CardType::PermitJ) v.push_back(check_permit_region(c.id_number));
      v.push_back(check_id_birth_date(c.id_number, c.birth, clock));
      v.push_back(check_id_gender_parity(c.id_number, c.gender));
      break;
    case CardType::ForeignI:
      v.push_back(check_permanent_residence_number(c.id_number));
      break;
    case CardType::Unknown:
      v.push_back(make("card.type", CheckStatus::Failed, "unknown_type",
                       "Unknown card type: no checks apply."));
      return r;
  }
  v.push_back(check_gender_code(c.gender));
  if (c.type == CardType::Resident) v.push_back(check_ethnicity_code(c.ethnicity));
  if (c.type == CardType::PermitJ) v.push_back(check_pass_number(c.pass_number, c.id_number));
  v.push_back(check_birth_field(c.birth, clock));
  v.push_back(check_validity_dates(c.validity));
  if (c.type == CardType::Resident) v.push_back(check_resident_period(c));
  v.push_back(check_validity_current(c.validity, clock));
  return r;
}

CheckReport check_id_number(std::string_view id, const CheckClock& clock,
                            const RegionTable& regions) {
  CheckReport r;
  r.verdicts.push_back(check_id_format(id));
  r.verdicts.push_back(check_id_check_digit(id));
  r.verdicts.push_back(check_id_region(id, regions));
  r.verdicts.push_back(check_id_birth_date(id, {}, clock));
  return r;
}

}  // namespace idr
