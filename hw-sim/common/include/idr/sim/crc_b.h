#pragma once
// CRC_B of ISO/IEC 14443-3 (Annex B): x^16 + x^12 + x^5 + 1, reflected (0x8408),
// preset FFFF, result inverted, sent LSB first.
#include <cstddef>
#include <cstdint>

namespace idr::sim {

[[nodiscard]] constexpr uint16_t crc_b(const uint8_t* data, size_t len) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < len; ++i) {
    crc = static_cast<uint16_t>(crc ^ data[i]);
    for (int b = 0; b < 8; ++b) crc = (crc & 1) ? static_cast<uint16_t>((crc >> 1) ^ 0x8408) : static_cast<uint16_t>(crc >> 1);
  }
  return static_cast<uint16_t>(~crc);
}

// The two bytes as they go on the air (low byte first).
inline void append_crc_b(const uint8_t* data, size_t len, uint8_t out[2]) {
  const uint16_t c = crc_b(data, len);
  out[0] = static_cast<uint8_t>(c & 0xFF);
  out[1] = static_cast<uint8_t>(c >> 8);
}

// True if the last two bytes of frame are the CRC_B of the bytes before them.
[[nodiscard]] inline bool check_crc_b(const uint8_t* frame, size_t len) {
  if (len < 2) return false;
  const uint16_t c = crc_b(frame, len - 2);
  return frame[len - 2] == (c & 0xFF) && frame[len - 1] == (c >> 8);
}

}  // namespace idr::sim
