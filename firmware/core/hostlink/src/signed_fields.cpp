#include "idr/core/hostlink/signed_fields.h"

namespace idr::core {
namespace {

namespace r = card::resident;
namespace j = card::permit_j;
namespace i = card::foreign_i;
namespace y = card::foreign_y;

constexpr NamedField kResident[] = {
    {"name", r::kName},           {"gender", r::kGender},        {"ethnicity", r::kEthnicity},
    {"birth", r::kBirth},         {"address", r::kAddress},      {"id_number", r::kIdNumber},
    {"authority", r::kAuthority}, {"valid_from", r::kValidFrom}, {"valid_to", r::kValidTo}};

// 'J': as resident, but 32/4 (ethnicity) is reserved.
constexpr NamedField kPermitJ[] = {{"name", r::kName},
                                   {"gender", r::kGender},
                                   {"birth", r::kBirth},
                                   {"address", r::kAddress},
                                   {"id_number", r::kIdNumber},
                                   {"authority", r::kAuthority},
                                   {"valid_from", r::kValidFrom},
                                   {"valid_to", r::kValidTo},
                                   {"pass_number", j::kPassNumber},
                                   {"issue_count", j::kIssueCount}};

constexpr NamedField kForeignI[] = {{"english_name", i::kEnglishName},
                                    {"gender", i::kGender},
                                    {"permanent_number", i::kPermanentNumber},
                                    {"nationality", i::kNationality},
                                    {"chinese_name", i::kChineseName},
                                    {"issued", i::kIssued},
                                    {"expires", i::kExpires},
                                    {"birth", i::kBirth},
                                    {"card_version", i::kCardVersion},
                                    {"authority_code", i::kAuthorityCode}};

constexpr NamedField kForeignY[] = {{"chinese_name", y::kChineseName},
                                    {"gender", y::kGender},
                                    {"renewal_count", y::kRenewalCount},
                                    {"birth", y::kBirth},
                                    {"english_name_1", y::kEnglishName1},
                                    {"id_number", y::kIdNumber},
                                    {"issued", y::kIssued},
                                    {"expires", y::kExpires},
                                    {"english_name_2", y::kEnglishName2},
                                    {"country_code", y::kCountryCode},
                                    {"previous_number_link", y::kPreviousNumberLink}};

static_assert(sizeof(kForeignY) / sizeof(kForeignY[0]) == kMaxTextFields);

constexpr bool inside_text(const NamedField* f, size_t n) {
  for (size_t k = 0; k < n; ++k)
    if (f[k].field.size == 0 || f[k].field.offset + f[k].field.size > card::kTextSize) return false;
  return true;
}
static_assert(inside_text(kResident, 9) && inside_text(kPermitJ, 10) &&
              inside_text(kForeignI, 10) && inside_text(kForeignY, 11));

constexpr const char* kAddressNames[card::kAddressEntries] = {"address_1", "address_2", "address_3",
                                                              "address_4"};

}  // namespace

uint16_t signed_card_type(const uint8_t (&text)[card::kTextSize]) {
  const uint16_t c =
      static_cast<uint16_t>(text[card::kCardTypeOffset] | (text[card::kCardTypeOffset + 1] << 8));
  return c == 0 ? uint16_t{0x20} : c;
}

const NamedField* text_fields_for(uint16_t card_type, size_t& count) {
  switch (card_type) {
    case 0x20:
      count = sizeof(kResident) / sizeof(kResident[0]);
      return kResident;
    case 'J':
      count = sizeof(kPermitJ) / sizeof(kPermitJ[0]);
      return kPermitJ;
    case 'I':
      count = sizeof(kForeignI) / sizeof(kForeignI[0]);
      return kForeignI;
    case 'Y':
      count = sizeof(kForeignY) / sizeof(kForeignY[0]);
      return kForeignY;
    default:
      count = 0;
      return nullptr;
  }
}

const char* address_field_name(size_t index) {
  return index < card::kAddressEntries ? kAddressNames[index] : "";
}

}  // namespace idr::core
