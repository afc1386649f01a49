#pragma once
// A read-only view of bytes: (pointer, size). Firmware code has no std::span (C++17).
#include <cstddef>
#include <cstdint>

namespace idr::crypto {

struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// Big-endian helpers used by the flash records and the host-link replies.
inline void put_be32(uint8_t* at, uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void put_be64(uint8_t* at, uint64_t v) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}
[[nodiscard]] inline uint32_t get_be32(const uint8_t* at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | at[i];
  return v;
}
[[nodiscard]] inline uint64_t get_be64(const uint8_t* at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | at[i];
  return v;
}

// CRC-32 (IEEE 802.3, reflected 0xEDB88320, preset and final XOR 0xFFFFFFFF; check value
// of "123456789" is 0xCBF43926). Guards flash records against torn writes; not a MAC.
[[nodiscard]] uint32_t crc32(const uint8_t* data, size_t len, uint32_t crc = 0);

// Constant-time equality (DESIGN 5: comparisons of secrets are constant-time).
[[nodiscard]] bool equal_ct(const uint8_t* a, const uint8_t* b, size_t len);

// True when every byte is 0xFF (erased flash).
[[nodiscard]] bool all_erased(const uint8_t* data, size_t len);

}  // namespace idr::crypto
