#pragma once
// The card's files as one read holds them. The LegacyServer owns the only copy and lends it
// to the command it runs (the legacy reads 30 01 / 30 10 / 30 03 and READ_SIGNED), so the
// firmware keeps one set of card buffers, not one per command set (DESIGN 9 footprint).
// Valid for the duration of one command.
#include <cstdint>

#include "idr/proto/card_layout.h"

namespace idr::core {

struct CardBuffers {
  uint8_t text[card::kTextSize] = {};
  uint8_t photo[card::kPhotoSize] = {};
  uint8_t fingerprint[card::kFingerprintSize] = {};
  uint8_t addresses[card::kAddressFileSize] = {};
};

}  // namespace idr::core
