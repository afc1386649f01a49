#pragma once
// Card data as counter applications use it: typed fields decoded from the 256-byte text
// block (DESIGN 8 layouts), plus the raw bytes. Text is UTF-8 with the card's right padding
// (spaces) removed. Dates are "YYYYMMDD" as on the card.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr {

enum class CardType : int {
  Resident = 0,       // ' ' (or 0) at byte 248
  PermitJ = 1,        // 'J': Hong Kong / Macao / Taiwan residence permit
  ForeignI = 2,       // 'I': foreign permanent resident ID card (2017)
  ForeignY = 3,       // 'Y': foreign permanent resident ID card (2023)
  Unknown = 9,
};
[[nodiscard]] const char* to_string(CardType t) noexcept;

// Which parts to read. Legacy commands: text+photo (30 01), +fingerprint (30 10),
// appended addresses (30 03).
enum Fields : unsigned {
  kText = 1u << 0,
  kPhoto = 1u << 1,
  kFingerprint = 1u << 2,
  kAddresses = 1u << 3,
  kBase = kText | kPhoto,
  kAll = kText | kPhoto | kFingerprint | kAddresses,
};

struct Validity {
  std::string from;         // YYYYMMDD
  std::string to;           // YYYYMMDD, empty when long_term
  bool long_term = false;   // "长期" on the card
};

struct CardData {
  CardType type = CardType::Unknown;
  std::array<uint8_t, 256> text_raw{};  // the text block as read (UCS-2LE)

  // Common (all layouts; empty when the layout has no such field).
  std::string name;            // Chinese name ('I': Chinese name field, may be empty)
  std::string gender;          // GB/T 2261.1 code: "0", "1", "2", "9"
  std::string birth;           // YYYYMMDD
  std::string id_number;       // resident/'J'/'Y': 18 chars; 'I': permanent residence number
  Validity validity;

  // Resident and 'J'.
  std::string ethnicity;       // GB 3304 code, "01".."56" (resident only)
  std::string address;
  std::string authority;       // issuing authority
  // 'J'
  std::string pass_number;
  std::string issue_count;
  // 'I' and 'Y'
  std::string english_name;    // 'Y': part 1 and part 2 joined
  std::string nationality;     // GB/T 2659 code ('I'); 'Y': country code
  std::string card_version;    // 'I'
  std::string authority_code;  // 'I'
  std::string renewal_count;   // 'Y'
  std::string previous_number_link;  // 'Y'

  std::vector<uint8_t> photo;        // 1024 bytes when read (WLT on real cards)
  std::vector<uint8_t> fingerprint;  // 0, 512 or 1024 bytes
  std::vector<std::string> appended_addresses;  // UTF-8, oldest first
  unsigned fields_read = 0;          // Fields actually present in this record
};

// Decodes a 256-byte text block by its card type char (DESIGN 8). MalformedReply when the
// text is not valid UCS-2 or the type char is unknown (never a partly decoded card).
[[nodiscard]] Result<CardData> decode_text(const uint8_t* text256);
// UCS-2LE to UTF-8, trailing spaces and NULs removed. MalformedReply on unpaired surrogates.
[[nodiscard]] Result<std::string> ucs2le_to_utf8(const uint8_t* data, size_t len);

}  // namespace idr
