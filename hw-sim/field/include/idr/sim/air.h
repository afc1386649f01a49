#pragma once
// The air interface between the reader's front-end model (CLRC663) and the RF field with
// its cards. The CLRC663 model owns framing timing on the reader side; the field owns
// what the cards answer and when.
#include <cstdint>
#include <optional>
#include <vector>

#include "idr/sim/clock.h"

namespace idr::sim {

enum class AirProtocol : uint8_t { TypeA, TypeB };

// A frame the reader put on the air. Called at the moment its EOF ends.
struct AirFrame {
  AirProtocol protocol = AirProtocol::TypeB;
  uint32_t bitrate_kbps = 106;   // 106, 212, 424, 848
  std::vector<uint8_t> bytes;    // as transmitted, CRC included if the reader appended it
};

// What the reader's receiver gets back, after the field combined every card's answer.
struct AirReply {
  std::vector<uint8_t> bytes;    // decoded bytes, CRC included (bit errors applied)
  Time start = 0;                // first edge of the card's subcarrier (TR1 begins)
  Time end = 0;                  // end of EOF: when the receiver has the whole frame
  bool framing_error = false;    // no valid SOF/EOF/stop bits (e.g. card left mid-frame,
                                 // or several cards answered different bytes at once)
};

class Air {
 public:
  virtual ~Air() = default;
  // RF field on/off at the current virtual time. Off powers every card down.
  virtual void set_field(bool on) = 0;
  // The reader's frame ended now. Returns what the receiver will see, or nullopt when no
  // card answers. Unsupported protocols or rates are answered by no card (ID cards are
  // Type B 106 kbit/s only).
  virtual std::optional<AirReply> transmit(const AirFrame& frame) = 0;
};

// Air time of a Type B frame at 106 kbit/s (ISO/IEC 14443-3 7.1): SOF 10..11 etu low +
// 2..3 etu high, 10 etu per character, EOF 10..11 etu; we use the minimum of each range.
inline constexpr uint64_t kEtuFc = 128;  // one etu at 106 kbit/s, in carrier cycles
[[nodiscard]] constexpr Time type_b_frame_time(size_t bytes) {
  return fc_cycles(kEtuFc * (10 + 2 + 10 * bytes + 10));
}
// Card response guard times (ISO/IEC 14443-3 7.1.x): TR0 min 64/fs, TR1 min 80/fs, fs = fc/16.
inline constexpr Time kTr0Min = fc_cycles(64 * 16);
inline constexpr Time kTr1Min = fc_cycles(80 * 16);
// Frame waiting time FWT = (256 * 16 / fc) * 2^FWI (ISO/IEC 14443-4 7.2).
[[nodiscard]] constexpr Time fwt(uint8_t fwi) { return fc_cycles((256ull * 16) << fwi); }

}  // namespace idr::sim
