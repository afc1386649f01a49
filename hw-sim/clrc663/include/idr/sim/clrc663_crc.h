#pragma once
// The CLRC663 CRC16 engine as configured by TxCrcPreset / RxCrcCon (data sheet Tables 139..144):
// the ISO/IEC 14443 CRC (x^16 + x^12 + x^5 + 1, reflected 8408h) with a selectable preset and
// optional inversion. Preset FFFFh + inverted is CRC_B (idr::sim::crc_b); 6363h plain is CRC_A.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "idr/sim/crc_b.h"

namespace idr::sim {

// Preset for TXPresetVal / RXPresetVal with CRC16 (Table 141 / 144); nullopt for the codes the
// table leaves undefined (4h, 5h) and for 6h (user defined in EEPROM, not modelled).
[[nodiscard]] constexpr std::optional<uint16_t> clrc663_crc16_preset(uint8_t preset_code) {
  switch (preset_code) {
    case 0:
      return 0x0000;
    case 1:
      return 0x6363;
    case 2:
      return 0xA671;
    case 3:
      return 0xFFFE;
    case 7:
      return 0xFFFF;
    default:
      return std::nullopt;
  }
}

[[nodiscard]] constexpr uint16_t clrc663_crc16(const uint8_t* data, size_t len, uint16_t preset,
                                               bool invert) {
  if (preset == 0xFFFF && invert) return crc_b(data, len);  // CRC_B, the shared definition
  uint16_t crc = preset;
  for (size_t i = 0; i < len; ++i) {
    crc = static_cast<uint16_t>(crc ^ data[i]);
    for (int b = 0; b < 8; ++b) {
      crc =
          (crc & 1) ? static_cast<uint16_t>((crc >> 1) ^ 0x8408) : static_cast<uint16_t>(crc >> 1);
    }
  }
  return invert ? static_cast<uint16_t>(~crc) : crc;
}

}  // namespace idr::sim
