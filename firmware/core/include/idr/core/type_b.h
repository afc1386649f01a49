#pragma once
// ISO/IEC 14443-3:2001 Type B activation frames (clause 7) and the ID card's fixed ATTRIB.
#include <cstddef>
#include <cstdint>

#include "idr/status.h"

namespace idr::core::typeb {

inline constexpr uint8_t kApf = 0x05;         // 7.7.2 anticollision prefix of REQB/WUPB
inline constexpr uint8_t kAtqbHeader = 0x50;  // 7.9.1
inline constexpr size_t kAtqbSize = 12;       // without CRC_B
inline constexpr uint8_t kMaxSlots = 16;      // 7.7.4 Table 13
inline constexpr uint8_t kFwiMax = 14;        // 7.9.4.3: 15 is RFU
// ATTRIB parameters the ID card answers (DESIGN 6): Param1 00 (default TR0/TR1, SOF/EOF),
// Param2 08 (106 kbit/s both ways, PCD max frame 256), Param3 01, Param4 08 (CID 8).
inline constexpr uint8_t kAttribParams[4] = {0x00, 0x08, 0x01, 0x08};
inline constexpr uint8_t kAttribCid = 0x08;
inline constexpr size_t kAttribSize = 9;

struct Atqb {
  uint8_t pupi[4] = {};
  uint8_t app_data[4] = {};
  uint8_t bit_rates = 0;
  uint16_t max_frame = 0;     // bytes the PICC accepts (Table 18)
  uint8_t protocol_type = 0;  // 1: ISO/IEC 14443-4 compliant
  uint8_t fwi = 0;
};

// 7.9: 50 | PUPI(4) | AppData(4) | ProtInfo(3) (+ an optional 4th ProtInfo byte).
[[nodiscard]] Status parse_atqb(const uint8_t* frame, size_t len, Atqb& out);
// 7.9.4.3: FWT = (256 * 16 / fc) * 2^FWI, rounded up to whole microseconds.
[[nodiscard]] uint32_t fwt_us(uint8_t fwi);
// 7.7.4 Table 13: N = 1, 2, 4, 8, 16 -> PARAM b3..b1; InvalidArgument for others.
[[nodiscard]] Status reqb(uint8_t slots, uint8_t (&frame)[3]);
// 7.8.2: APn = (nnnn 0101)b with nnnn = slot - 1, slots 2..16.
[[nodiscard]] Status slot_marker(uint8_t slot, uint8_t& apn);
void attrib(const uint8_t (&pupi)[4], uint8_t (&frame)[kAttribSize]);

}  // namespace idr::core::typeb
