#pragma once
// The named text fields of a signed record per card type (extension.h names, card_layout.h
// offsets), so verified slices can be put back into a 256-byte text block for decode_text.
#include <cstddef>
#include <cstdint>

#include "idr/proto/card_layout.h"

namespace idr::detail {

using SignedTextField = card::NamedField;  // the layouts' field table lives in card_layout.h

// The fields of card type `type` (0x20 resident, 'J', 'I', 'Y'); nullptr (count 0) when
// the type is unknown.
const SignedTextField* signed_text_fields(uint64_t type, size_t& count);

}  // namespace idr::detail
