#pragma once
// Reads the host link and cuts the byte stream into request frames (DESIGN 4). Owns the
// request parser and a small read buffer; bytes read past a frame stay queued for the next
// call, so pipelined commands each get their own turn.
//
// A frame cut short is dropped after kInterByteTimeoutUs of silence in its middle (virtual
// time on the host board): 50 ms is far longer than a byte at the slowest legacy baud
// (9600 baud: ~1.04 ms) and far shorter than the 3 s after which clients resend (DESIGN 8),
// so a resent command finds the parser hunting for a preamble again.
#include <cstddef>
#include <cstdint>

#include "idr/crypto/key_store.h"
#include "idr/hal/hal.h"
#include "idr/proto/extension.h"
#include "idr/proto/hostlink.h"
#include "idr/status.h"

namespace idr::core {

// The longest request body (LEN) the firmware has a use for: Authorized(ProvisionCerts)
// with the largest chain it stores -- CMD PARA, op || CA signature, chain, CHK. The wire
// allows up to hostlink::kMaxRequestLen; the firmware's parser holds only this much (DESIGN
// 10 footprint), so a longer frame is answered 11 like any LEN out of bounds.
inline constexpr size_t kFirmwareMaxRequestLen =
    2 + ext::kAuthorizedHeaderSize + crypto::KeyStore::kMaxChainSize + hostlink::kChkSize;
static_assert(kFirmwareMaxRequestLen <= hostlink::kMaxRequestLen);
using FirmwareRequestParser =
    hostlink::FrameParser<kFirmwareMaxRequestLen, hostlink::kMinRequestLen>;

class FrameReceiver {
 public:
  static constexpr uint32_t kInterByteTimeoutUs = 50'000;
  // Bound on link reads per receive() call, so a call returns even if the clock stands still.
  static constexpr uint32_t kMaxReadsPerCall = 1024;
  static constexpr size_t kReadChunk = 256;

  FrameReceiver(hal::HostLink& link, hal::Clock& clock) : link_(link), clock_(clock) {}

  // Waits up to timeout_us (0: only what is already there) for the next parse event.
  //   Ok      event is kFrame, kBadChecksum or kBadLength; for the first two parser() holds
  //           the body until the next receive().
  //   Timeout nothing complete arrived (a partial frame is kept unless it timed out).
  //   other   the link failed (Io: host gone); the partial frame and queued bytes are dropped.
  [[nodiscard]] Status receive(uint32_t timeout_us, hostlink::ParseEvent& event);

  [[nodiscard]] const FirmwareRequestParser& parser() const { return parser_; }
  // Partial frames dropped after the inter-byte timeout, since construction.
  [[nodiscard]] uint32_t dropped_partial_frames() const { return dropped_; }

 private:
  // Feeds queued bytes until an event; true if one happened.
  [[nodiscard]] bool feed_queued(hostlink::ParseEvent& event);
  void drop_if_stalled(uint64_t now);

  hal::HostLink& link_;
  hal::Clock& clock_;
  FirmwareRequestParser parser_;
  uint8_t queue_[kReadChunk] = {};
  size_t queue_pos_ = 0;
  size_t queue_len_ = 0;
  uint64_t last_byte_us_ = 0;
  uint32_t dropped_ = 0;
};

}  // namespace idr::core
