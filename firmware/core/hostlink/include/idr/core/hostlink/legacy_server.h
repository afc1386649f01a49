#pragma once
// The legacy host-link server: reads requests from the host link, answers each with exactly
// one reply right after it (DESIGN 8: clients do not flush input, a missing or late reply
// shifts every later pair). Frames that are recognisable but wrong get a status reply:
// bad CHK -> 10, LEN out of bounds -> 11. A frame cut short is dropped silently after the
// inter-byte timeout (FrameReceiver), as nothing identifies what it asked for.
// Reader fault: once the FaultLatch (hardware_fault.h) holds a HardwareFault, every reply,
// the failed command's included, is the bare SW3 60 (DESIGN 8 "self-test failed", the
// legacy code for a reader that cannot work); the board decides when to stop.
//
// Memory: about 5.3 KiB (request parser 2.1 KiB, the card buffers it lends to the command
// that runs, 2.5 KiB, a 512-byte reply staging buffer, read queue): replies are streamed
// (reply_writer.h), none is ever held whole. Instantiate it statically on a board, never on
// a small task stack.
#include <cstddef>
#include <cstdint>

#include "idr/core/hardware_fault.h"
#include "idr/core/hostlink/card_buffers.h"
#include "idr/core/hostlink/frame_receiver.h"
#include "idr/core/hostlink/legacy_commands.h"
#include "idr/core/hostlink/reply_writer.h"
#include "idr/core/id_card_reader.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::core {

// Set baud (60 PP) changes the host link rate after the OK has left. A UART board
// implements this; on the host board's TCP link there is nothing to change.
class HostBaudHook {
 public:
  virtual void set_host_baud(uint32_t baud) = 0;

 protected:
  ~HostBaudHook() = default;
};

struct LegacyServerCounters {
  uint32_t replies = 0;  // replies written, errors included
  // Each kind counts replies written (a reply whose write failed counts nowhere).
  uint32_t bad_checksum = 0;     // frames answered 10
  uint32_t bad_length = 0;       // frames answered 11
  uint32_t dropped_partial = 0;  // partial frames dropped after the inter-byte timeout
  uint32_t fault_replies = 0;    // frames answered 60 because of a hardware fault
};

class LegacyServer {
 public:
  // baud_hook may be null (nothing to change); extension may be null (CMD 0xE0 -> bare 21);
  // fault may be null (no hardware-fault reporting).
  LegacyServer(hal::HostLink& link, hal::Clock& clock, IdCardReader& reader,
               HostBaudHook* baud_hook = nullptr, ExtensionHandler* extension = nullptr,
               const FaultLatch* fault = nullptr)
      : receiver_(link, clock),
        commands_(reader, extension),
        reply_(link, fault),
        baud_hook_(baud_hook),
        fault_(fault) {}

  // Waits up to timeout_us for one request and answers it.
  //   Ok       one frame was handled and exactly one reply written
  //   Timeout  no complete frame within timeout_us (nothing written)
  //   Io/...   the host link failed (read or write); the caller decides (e.g. await a
  //            new connection). Nothing half-parsed survives it.
  [[nodiscard]] Status serve_once(uint32_t timeout_us);

  [[nodiscard]] LegacyServerCounters counters() const;

 private:
  FrameReceiver receiver_;
  LegacyCommands commands_;
  ReplyWriter reply_;
  HostBaudHook* baud_hook_;
  const FaultLatch* fault_;
  LegacyServerCounters counters_;
  CardBuffers cards_;  // lent to the command that runs
  static_assert(hostlink::kMaxReplyFrame >= kMaxLegacyReplyFrame);
};

}  // namespace idr::core
