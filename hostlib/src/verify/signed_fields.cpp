#include "signed_fields.h"

namespace idr::detail {

namespace {
namespace r = card::resident;
namespace j = card::permit_j;
namespace i = card::foreign_i;
namespace y = card::foreign_y;

// Names and order as in extension.h.
const SignedTextField kResident[] = {
    {"name", r::kName},           {"gender", r::kGender},        {"ethnicity", r::kEthnicity},
    {"birth", r::kBirth},         {"address", r::kAddress},      {"id_number", r::kIdNumber},
    {"authority", r::kAuthority}, {"valid_from", r::kValidFrom}, {"valid_to", r::kValidTo}};
const SignedTextField kPermitJ[] = {{"name", r::kName},
                                    {"gender", r::kGender},
                                    {"birth", r::kBirth},
                                    {"address", r::kAddress},
                                    {"id_number", r::kIdNumber},
                                    {"authority", r::kAuthority},
                                    {"valid_from", r::kValidFrom},
                                    {"valid_to", r::kValidTo},
                                    {"pass_number", j::kPassNumber},
                                    {"issue_count", j::kIssueCount}};
const SignedTextField kForeignI[] = {{"english_name", i::kEnglishName},
                                     {"gender", i::kGender},
                                     {"permanent_number", i::kPermanentNumber},
                                     {"nationality", i::kNationality},
                                     {"chinese_name", i::kChineseName},
                                     {"issued", i::kIssued},
                                     {"expires", i::kExpires},
                                     {"birth", i::kBirth},
                                     {"card_version", i::kCardVersion},
                                     {"authority_code", i::kAuthorityCode}};
const SignedTextField kForeignY[] = {{"chinese_name", y::kChineseName},
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

template <size_t N>
const SignedTextField* all(const SignedTextField (&table)[N], size_t& count) {
  count = N;
  return table;
}
}  // namespace

const SignedTextField* signed_text_fields(uint64_t type, size_t& count) {
  switch (type) {
    case 0x20:
      return all(kResident, count);
    case 'J':
      return all(kPermitJ, count);
    case 'I':
      return all(kForeignI, count);
    case 'Y':
      return all(kForeignY, count);
    default:
      count = 0;
      return nullptr;
  }
}

}  // namespace idr::detail
