#pragma once
// Constant-time equality for digests and nonces (DESIGN 5): the time taken does not depend
// on where the first difference is. (mbedTLS 2.28's constant_time.h lacks C++ linkage.)
#include <cstddef>
#include <cstdint>

namespace idr::detail {

[[nodiscard]] inline bool equal_ct(const uint8_t* a, const uint8_t* b, size_t n) {
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < n; ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace idr::detail
