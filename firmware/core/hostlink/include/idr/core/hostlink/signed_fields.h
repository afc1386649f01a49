#pragma once
// Which named fields a signed read discloses from the 256-byte text block, per card type
// (the UCS-2 character at byte 248, card_layout.h / DESIGN 8), with the field names of
// protocol/include/idr/proto/extension.h. Reserved areas are not fields.
#include <cstddef>
#include <cstdint>

#include "idr/proto/card_layout.h"

namespace idr::core {

using card::kMaxTextFields;
using card::NamedField;  // the layouts' field table lives in card_layout.h
// Text fields + photo + fingerprint + four appended addresses.
inline constexpr size_t kMaxSignedFields = kMaxTextFields + 2 + card::kAddressEntries;

// The card type value of the payload's "type": the UCS-2LE character at byte 248, with 0
// (some resident cards) normalised to ' ' (0x20).
[[nodiscard]] uint16_t signed_card_type(const uint8_t (&text)[card::kTextSize]);

// The text fields of a card type; count 0 (and nullptr) for an unknown type.
[[nodiscard]] const NamedField* text_fields_for(uint16_t card_type, size_t& count);

// "address_1".."address_4" (index 0..3).
[[nodiscard]] const char* address_field_name(size_t index);

}  // namespace idr::core
