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
