#pragma once
// Card data layout of the second-generation resident ID card (DESIGN 6, 8), shared by the
// firmware (what to read), the simulator (what a card holds) and the host library (how to
// decode the text block). Facts only; no code.
#include <cstddef>
#include <cstdint>

namespace idr::card {

// Files, selected with SELECT 00 A4 00 00 02 60 <id>.
inline constexpr uint8_t kFileDirectory = 0x60;
inline constexpr uint8_t kFileBase = 0x01;         // text block || photo
inline constexpr uint8_t kFileFingerprint = 0x02;  // 2 x 512 B templates; absent on some cards
inline constexpr uint8_t kFileAddress = 0x03;      // up to 4 appended addresses of 70 B
inline constexpr uint8_t kFileSecurity = 0x04;     // issuer MACs (stand-in security, DESIGN 6)

inline constexpr size_t kTextSize = 256;
inline constexpr size_t kPhotoSize = 1024;
inline constexpr size_t kBaseSize = kTextSize + kPhotoSize;
inline constexpr size_t kFingerprintSize = 1024;
inline constexpr size_t kFingerprintTemplateSize = 512;
inline constexpr size_t kAddressEntrySize = 70;
inline constexpr size_t kAddressEntries = 4;
inline constexpr size_t kAddressFileSize = kAddressEntrySize * kAddressEntries;
inline constexpr size_t kMacSize = 16;
inline constexpr size_t kSecurityFileSize = 2 * kMacSize;  // MAC(base) || MAC(fingerprint)

// READ 80 B0 <offset hi> <offset lo> <Le>: the card's chunk size (public traces).
inline constexpr size_t kReadChunk = 0xE6;
// Each read response: ciphertext(Le) || session MAC(8) || SW1 SW2.
inline constexpr size_t kSessionMacSize = 8;

inline constexpr size_t kUidSize = 8;  // GET UID 00 36 00 00 08

// Text block: UCS-2LE, padded on the right with spaces (20 00). Card type at byte 248.
struct Field {
  uint16_t offset;
  uint16_t size;
};
inline constexpr uint16_t kCardTypeOffset = 248;

namespace resident {  // card type ' ' (or 0); 'J' shares it except where noted
inline constexpr Field kName{0, 30};
inline constexpr Field kGender{30, 2};
inline constexpr Field kEthnicity{32, 4};  // reserved on 'J'
inline constexpr Field kBirth{36, 16};
inline constexpr Field kAddress{52, 70};
inline constexpr Field kIdNumber{122, 36};
inline constexpr Field kAuthority{158, 30};
inline constexpr Field kValidFrom{188, 16};
inline constexpr Field kValidTo{204, 16};  // date or 长期
}  // namespace resident

namespace permit_j {  // Hong Kong / Macao / Taiwan residence permit
inline constexpr Field kPassNumber{220, 18};
inline constexpr Field kIssueCount{238, 4};
}  // namespace permit_j

namespace foreign_i {  // foreign permanent resident ID card (2017)
inline constexpr Field kEnglishName{0, 120};
inline constexpr Field kGender{120, 2};
inline constexpr Field kPermanentNumber{122, 30};
inline constexpr Field kNationality{152, 6};
inline constexpr Field kChineseName{158, 30};
inline constexpr Field kIssued{188, 16};
inline constexpr Field kExpires{204, 16};
inline constexpr Field kBirth{220, 16};
inline constexpr Field kCardVersion{236, 4};
inline constexpr Field kAuthorityCode{240, 8};
}  // namespace foreign_i

namespace foreign_y {  // foreign permanent resident ID card (2023)
inline constexpr Field kChineseName{0, 30};
inline constexpr Field kGender{30, 2};
inline constexpr Field kRenewalCount{32, 4};
inline constexpr Field kBirth{36, 16};
inline constexpr Field kEnglishName1{52, 70};
inline constexpr Field kIdNumber{122, 36};
inline constexpr Field kIssued{188, 16};
inline constexpr Field kExpires{204, 16};
inline constexpr Field kEnglishName2{220, 22};
inline constexpr Field kCountryCode{242, 6};
inline constexpr Field kPreviousNumberLink{250, 6};
}  // namespace foreign_y

// The named text fields of each layout, in layout order. The names are those of signed
// records (extension.h) and of the simulator's personalisation; reserved areas are not
// fields. One table for the firmware, the host library and the simulator.
struct NamedField {
  const char* name;
  Field field;
};
struct FieldTable {
  const NamedField* fields;
  size_t count;
};

inline constexpr NamedField kResidentFields[] = {
    {"name", resident::kName},           {"gender", resident::kGender},
    {"ethnicity", resident::kEthnicity}, {"birth", resident::kBirth},
    {"address", resident::kAddress},     {"id_number", resident::kIdNumber},
    {"authority", resident::kAuthority}, {"valid_from", resident::kValidFrom},
    {"valid_to", resident::kValidTo}};
// 'J': as resident, but 32/4 (ethnicity) is reserved.
inline constexpr NamedField kPermitJFields[] = {{"name", resident::kName},
                                                {"gender", resident::kGender},
                                                {"birth", resident::kBirth},
                                                {"address", resident::kAddress},
                                                {"id_number", resident::kIdNumber},
                                                {"authority", resident::kAuthority},
                                                {"valid_from", resident::kValidFrom},
                                                {"valid_to", resident::kValidTo},
                                                {"pass_number", permit_j::kPassNumber},
                                                {"issue_count", permit_j::kIssueCount}};
inline constexpr NamedField kForeignIFields[] = {{"english_name", foreign_i::kEnglishName},
                                                 {"gender", foreign_i::kGender},
                                                 {"permanent_number", foreign_i::kPermanentNumber},
                                                 {"nationality", foreign_i::kNationality},
                                                 {"chinese_name", foreign_i::kChineseName},
                                                 {"issued", foreign_i::kIssued},
                                                 {"expires", foreign_i::kExpires},
                                                 {"birth", foreign_i::kBirth},
                                                 {"card_version", foreign_i::kCardVersion},
                                                 {"authority_code", foreign_i::kAuthorityCode}};
inline constexpr NamedField kForeignYFields[] = {
    {"chinese_name", foreign_y::kChineseName},
    {"gender", foreign_y::kGender},
    {"renewal_count", foreign_y::kRenewalCount},
    {"birth", foreign_y::kBirth},
    {"english_name_1", foreign_y::kEnglishName1},
    {"id_number", foreign_y::kIdNumber},
    {"issued", foreign_y::kIssued},
    {"expires", foreign_y::kExpires},
    {"english_name_2", foreign_y::kEnglishName2},
    {"country_code", foreign_y::kCountryCode},
    {"previous_number_link", foreign_y::kPreviousNumberLink}};
inline constexpr size_t kMaxTextFields = sizeof(kForeignYFields) / sizeof(kForeignYFields[0]);

// The fields of a card type char (byte 248: ' ' or 0 resident, 'J', 'I', 'Y');
// {nullptr, 0} for an unknown type.
[[nodiscard]] constexpr FieldTable fields_for_type(uint32_t type_char) {
  switch (type_char) {
    case 0:
    case 0x20:
      return {kResidentFields, sizeof(kResidentFields) / sizeof(kResidentFields[0])};
    case 'J':
      return {kPermitJFields, sizeof(kPermitJFields) / sizeof(kPermitJFields[0])};
    case 'I':
      return {kForeignIFields, sizeof(kForeignIFields) / sizeof(kForeignIFields[0])};
    case 'Y':
      return {kForeignYFields, kMaxTextFields};
    default:
      return {nullptr, 0};
  }
}

[[nodiscard]] constexpr bool fields_inside_text(FieldTable t) {
  for (size_t k = 0; k < t.count; ++k)
    if (t.fields[k].field.size == 0 ||
        t.fields[k].field.offset + t.fields[k].field.size > kTextSize)
      return false;
  return true;
}
static_assert(fields_inside_text(fields_for_type(' ')) &&
              fields_inside_text(fields_for_type('J')) &&
              fields_inside_text(fields_for_type('I')) && fields_inside_text(fields_for_type('Y')));

// ISO 7816 status words the card uses.
inline constexpr uint16_t kSwOk = 0x9000;
inline constexpr uint16_t kSwFileNotFound = 0x6A82;
inline constexpr uint16_t kSwWrongOffset = 0x6B00;
inline constexpr uint16_t kSwSecurityNotSatisfied = 0x6982;
inline constexpr uint16_t kSwAuthFailed = 0x6300;
inline constexpr uint16_t kSwInsNotSupported = 0x6D00;
inline constexpr uint16_t kSwClaNotSupported = 0x6E00;
inline constexpr uint16_t kSwWrongLength = 0x6700;

}  // namespace idr::card
