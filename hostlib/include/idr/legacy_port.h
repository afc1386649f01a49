#pragma once
// idr::LegacyPort: the legacy host-link commands (DESIGN 8) as raw request/reply pairs, for
// code that must hand a legacy client the reply bytes themselves (libsdtapi: SDT_* fill
// the caller's buffers exactly like the legacy reply). Applications use idr::Reader.
//
// Each reply is checked for frame shape only (preamble, LEN, CHK, SW1 = SW2 = 00); its SW3
// and DATA come back uninterpreted. Not thread-safe: one user at a time.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "idr/error.h"
#include "idr/transport.h"

namespace idr {

struct LegacyReply {
  uint8_t sw1 = 0;
  uint8_t sw2 = 0;
  uint8_t sw3 = 0;            // 0x90 success, 0x9F find success, other: DESIGN 8
  std::vector<uint8_t> data;  // the bytes between SW3 and CHK
};

class LegacyPort {
 public:
  // Opens the transport of `uri` (open_transport). `reply_budget`: whole-reply deadline
  // per command (legacy clients wait 3 s before resending, DESIGN 8).
  [[nodiscard]] static Result<LegacyPort> open(
      const std::string& uri, std::chrono::milliseconds reply_budget = std::chrono::seconds(3));
  [[nodiscard]] static LegacyPort over(
      std::unique_ptr<Transport> transport,
      std::chrono::milliseconds reply_budget = std::chrono::seconds(3));

  LegacyPort(LegacyPort&&) noexcept;
  LegacyPort& operator=(LegacyPort&&) noexcept;
  ~LegacyPort();

  // Sends CMD PARA DATA, returns the one reply frame. Transport errors, Timeout, and
  // MalformedReply for a frame that is not a well-formed reply.
  Result<LegacyReply> command(uint8_t cmd, uint8_t para, const std::vector<uint8_t>& data = {});

  [[nodiscard]] std::string describe() const;

 private:
  struct Impl;
  explicit LegacyPort(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idr
