#pragma once
// The board side of the sim wire (hw-sim/README.md): builds requests, checks responses,
// and keeps the host board's firmware CPU-time estimate. No allocation.
#include <cstddef>
#include <cstdint>

#include "idr/board/sim_link.h"
#include "idr/simwire.h"
#include "idr/status.h"

namespace idr::board {

// Firmware CPU time on the host board is an ESTIMATE (the host CPU is not the MCU): a fixed
// instruction count per HAL call plus a count per byte the call moves. The QEMU board
// measures real counts instead. Pending instructions are reported (CpuTime) before any
// request whose answer depends on time.
struct CpuEstimate {
  static constexpr uint32_t kPerHalCall = 200;
  static constexpr uint32_t kPerByte = 8;
};

class SimWireClient {
 public:
  explicit SimWireClient(SimLink& link) : link_(link) {}

  // Hello with version check in both directions; mcu_hz is the simulator's MCU clock.
  [[nodiscard]] Status hello(uint32_t& mcu_hz);

  // Starts a request; fill it through the returned writer, then call().
  simwire::Writer& begin(simwire::Type type);
  // Sends the request begun last; on Ok `reply` reads the response payload. A simulator
  // Error becomes Unsupported / InvalidArgument / Protocol; a broken link Io.
  [[nodiscard]] Status call(simwire::Reader& reply);

  // CPU-time estimate: charge() accumulates, flush_cpu() reports what is pending.
  void charge(size_t bytes_moved);
  [[nodiscard]] Status flush_cpu();
  // Reports pending CPU time and returns the virtual time in ns (one request).
  [[nodiscard]] Status now_ns(uint64_t& now);

  // True once the link to the simulator broke: nothing more will work.
  [[nodiscard]] bool link_broken() const { return broken_; }
  // Text of the last Error response (for logs and tests).
  [[nodiscard]] const char* last_error() const { return last_error_; }
  [[nodiscard]] uint64_t requests() const { return requests_; }

 private:
  SimLink& link_;
  uint8_t req_[simwire::kMaxMessage] = {};
  uint8_t resp_[simwire::kMaxMessage] = {};
  simwire::Writer writer_{req_, sizeof req_};
  uint8_t type_ = 0;
  uint64_t pending_instructions_ = 0;
  uint64_t requests_ = 0;
  bool broken_ = false;
  char last_error_[96] = {};
};

}  // namespace idr::board
