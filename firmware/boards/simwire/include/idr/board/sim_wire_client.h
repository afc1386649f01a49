#pragma once
// The board side of the sim wire (hw-sim/README.md): builds requests, checks responses,
// and reports the firmware's CPU time. Shared by every board that runs against hw-sim
// (host process, mps2-an386 under QEMU). No allocation.
#include <cstddef>
#include <cstdint>

#include "idr/board/sim_link.h"
#include "idr/simwire.h"
#include "idr/status.h"

namespace idr::board {

// Where the firmware's CPU time comes from (DESIGN 3: the simulator charges it). Pending
// instructions are reported (CpuTime) before any request whose answer depends on time.
class CpuMeter {
 public:
  // Every HAL call says how many bytes it moves: an estimate counts them, a measurement
  // ignores this.
  virtual void charge(size_t bytes_moved) = 0;
  // Instructions executed since the last call.
  [[nodiscard]] virtual uint64_t take_instructions() = 0;

 protected:
  ~CpuMeter() = default;
};

// Firmware CPU time on the host board is an ESTIMATE (the host CPU is not the MCU): a fixed
// instruction count per HAL call plus a count per byte the call moves. The QEMU board
// measures real counts instead.
struct CpuEstimate {
  static constexpr uint32_t kPerHalCall = 200;
  static constexpr uint32_t kPerByte = 8;
};

class EstimatedCpu final : public CpuMeter {
 public:
  void charge(size_t bytes_moved) override {
    pending_ +=
        CpuEstimate::kPerHalCall + CpuEstimate::kPerByte * static_cast<uint64_t>(bytes_moved);
  }
  [[nodiscard]] uint64_t take_instructions() override {
    const uint64_t n = pending_;
    pending_ = 0;
    return n;
  }

 private:
  uint64_t pending_ = 0;
};

class SimWireClient {
 public:
  // With the host board's estimate of CPU time.
  explicit SimWireClient(SimLink& link) : SimWireClient(link, nullptr) {}
  // With a board's own CPU meter (e.g. instructions measured under QEMU); null: the estimate.
  SimWireClient(SimLink& link, CpuMeter* cpu)
      : link_(link), cpu_(cpu != nullptr ? *cpu : estimate_) {}
  SimWireClient(const SimWireClient&) = delete;
  SimWireClient& operator=(const SimWireClient&) = delete;

  // Hello with version check in both directions; mcu_hz is the simulator's MCU clock.
  [[nodiscard]] Status hello(uint32_t& mcu_hz);

  // Starts a request; fill it through the returned writer, then call().
  simwire::Writer& begin(simwire::Type type);
  // Sends the request begun last; on Ok `reply` reads the response payload. A simulator
  // Error becomes Unsupported / InvalidArgument / Protocol; a broken link Io.
  [[nodiscard]] Status call(simwire::Reader& reply);

  // CPU time: charge() tells the meter about a HAL call, flush_cpu() reports what is pending.
  void charge(size_t bytes_moved) { cpu_.charge(bytes_moved); }
  [[nodiscard]] Status flush_cpu();
  // Reports pending CPU time and returns the virtual time in ns (one request).
  [[nodiscard]] Status now_ns(uint64_t& now);

  // True once the link to the simulator broke: nothing more will work.
  [[nodiscard]] bool link_broken() const { return broken_; }
  // Text of the last Error response (for logs and tests).
  [[nodiscard]] const char* last_error() const { return last_error_; }
  [[nodiscard]] uint64_t requests() const { return requests_; }
  // Instructions reported to the simulator so far (benchmarks, tests).
  [[nodiscard]] uint64_t instructions_reported() const { return reported_; }

 private:
  SimLink& link_;
  EstimatedCpu estimate_;
  CpuMeter& cpu_;
  uint8_t req_[simwire::kMaxMessage] = {};
  uint8_t resp_[simwire::kMaxMessage] = {};
  simwire::Writer writer_{req_, sizeof req_};
  uint8_t type_ = 0;
  uint64_t pending_instructions_ = 0;
  uint64_t requests_ = 0;
  uint64_t reported_ = 0;
  bool broken_ = false;
  char last_error_[96] = {};
};

}  // namespace idr::board
