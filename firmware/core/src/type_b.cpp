#include "idr/core/type_b.h"

namespace idr::core::typeb {

namespace {
// 7.9.4.5 Table 18: maximum frame size codes 0..8; 9..F are RFU (> 256), read as 256.
constexpr uint16_t kFrameSizes[9] = {16, 24, 32, 40, 48, 64, 96, 128, 256};
}  // namespace

Status parse_atqb(const uint8_t* frame, size_t len, Atqb& out) {
  if (frame == nullptr || (len != kAtqbSize && len != kAtqbSize + 1)) return Status::Protocol;
  if (frame[0] != kAtqbHeader) return Status::Protocol;
  for (size_t i = 0; i < 4; ++i) {
    out.pupi[i] = frame[1 + i];
    out.app_data[i] = frame[5 + i];
  }
  out.bit_rates = frame[9];
  const uint8_t size_code = static_cast<uint8_t>(frame[10] >> 4);
  out.max_frame = size_code < 9 ? kFrameSizes[size_code] : 256;
  out.protocol_type = static_cast<uint8_t>(frame[10] & 0x0F);
  const uint8_t fwi = static_cast<uint8_t>(frame[11] >> 4);
  out.fwi = fwi > kFwiMax ? kFwiMax : fwi;
  return Status::Ok;
}

uint32_t fwt_us(uint8_t fwi) {
  if (fwi > kFwiMax) fwi = kFwiMax;
  const uint64_t fc_cycles = uint64_t{256} * 16 << fwi;
  // fc = 13.56 MHz: us = cycles / 13.56 = cycles * 100 / 1356.
  return static_cast<uint32_t>((fc_cycles * 100 + 1355) / 1356);
}

Status reqb(uint8_t slots, uint8_t (&frame)[3]) {
  uint8_t code = 0;
  for (; code <= 4; ++code)
    if ((1u << code) == slots) break;
  if (code > 4) return Status::InvalidArgument;
  frame[0] = kApf;
  frame[1] = 0x00;  // AFI 00: all families (7.7.3)
  frame[2] = code;  // b4 = 0: REQB, not WUPB
  return Status::Ok;
}

Status slot_marker(uint8_t slot, uint8_t& apn) {
  if (slot < 2 || slot > kMaxSlots) return Status::InvalidArgument;
  apn = static_cast<uint8_t>(((slot - 1) << 4) | kApf);
  return Status::Ok;
}

void attrib(const uint8_t (&pupi)[4], uint8_t (&frame)[kAttribSize]) {
  frame[0] = 0x1D;  // 7.10.1
  for (size_t i = 0; i < 4; ++i) frame[1 + i] = pupi[i];
  for (size_t i = 0; i < 4; ++i) frame[5 + i] = kAttribParams[i];
}

}  // namespace idr::core::typeb
