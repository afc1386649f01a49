#pragma once
// The exact bytes a resident ID card holds (DESIGN 6, 8; sizes from card_layout.h). Built by
// personalisation (hw-sim/scenario make_card_image); tests compare what the firmware read
// with these bytes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "idr/proto/card_layout.h"

namespace idr::sim {

struct CardImage {
  std::array<uint8_t, card::kTextSize> text{};    // UCS-2LE text block, card type at 248
  std::array<uint8_t, card::kPhotoSize> photo{};  // "open codec" photo (hw-sim/scenarios/README.md)
  std::vector<uint8_t> fingerprint;               // 0, 512 or 1024 bytes; empty: file 02 absent;
                                                  // file 02 = these bytes zero-padded to 1024
  std::vector<std::array<uint8_t, card::kAddressEntrySize>> addresses;  // 0..4 appended addresses
  std::array<uint8_t, card::kUidSize> uid{};                            // GET UID answer

  // File 60 01: text || photo.
  [[nodiscard]] std::vector<uint8_t> base_file() const {
    // Sized once and filled by copy: GCC 12 at -O2 reports a false -Warray-bounds on
    // vector::insert growing a buffer built from a std::array.
    std::vector<uint8_t> b(text.size() + photo.size());
    std::copy(text.begin(), text.end(), b.begin());
    std::copy(photo.begin(), photo.end(), b.begin() + static_cast<long>(text.size()));
    return b;
  }
  // File 60 03: always 4 x 70 bytes; unused entries are 70 zero bytes.
  [[nodiscard]] std::vector<uint8_t> address_file() const {
    std::vector<uint8_t> f(card::kAddressFileSize, 0);
    for (size_t i = 0; i < addresses.size() && i < card::kAddressEntries; ++i)
      std::copy(addresses[i].begin(), addresses[i].end(),
                f.begin() + static_cast<long>(i * card::kAddressEntrySize));
    return f;
  }
};

}  // namespace idr::sim
