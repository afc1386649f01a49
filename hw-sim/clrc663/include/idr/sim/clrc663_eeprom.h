#pragma once
// The CLRC663's 8 kB EEPROM as far as the data sheet specifies its content (8.7.2, Table 35):
// the Product ID byte (Table 37) and the register presets of section 19.2 (Tables 278..285:
// ISO/IEC 14443 A and B, 106..848 kbit/s, registers 28h..39h, read with LoadReg or ReadE2).
// Every other byte's content is not specified: reading it is a model error (the caller's).
#include <array>
#include <cstdint>
#include <optional>

namespace idr::sim {

class Clrc663Eeprom {
 public:
  static constexpr uint16_t kSize = 0x2000;           // 8 kB (8.7.2)
  static constexpr uint16_t kSection2First = 0x00C0;  // Table 35: bytes 192..6143, "free"
  static constexpr uint16_t kSection2Last = 0x17FF;
  static constexpr uint8_t kPresetRegFirst = 0x28;  // DrvMode
  static constexpr uint8_t kPresetRegCount = 18;    // DrvMode 28h .. RxAna 39h

  Clrc663Eeprom();

  // The byte at addr (mod 8 kB), or nullopt when the data sheet does not give it.
  [[nodiscard]] std::optional<uint8_t> read(uint16_t addr) const;

 private:
  std::array<uint8_t, kSize> bytes_{};
  std::array<bool, kSize> known_{};
};

}  // namespace idr::sim
