#include "idr/crypto/bytes.h"

namespace idr::crypto {

uint32_t crc32(const uint8_t* data, size_t len, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

bool equal_ct(const uint8_t* a, const uint8_t* b, size_t len) {
  uint8_t diff = 0;
  for (size_t i = 0; i < len; ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

bool all_erased(const uint8_t* data, size_t len) {
  for (size_t i = 0; i < len; ++i)
    if (data[i] != 0xFF) return false;
  return true;
}

}  // namespace idr::crypto
