#pragma once
// The board side of the sim wire (hw-sim/README.md): builds requests, checks responses,
// and reports the firmware's CPU time. Shared by every board that runs against hw-sim
// (host process, mps2-an386 under QEMU). No allocation.
#include <cstddef>
#include <cstdint>

#include "idr/board/cpu_calibration.h"
#include "idr/board/sim_link.h"
#include "idr/hal/hal.h"
#include "idr/proto/simwire.h"
#include "idr/status.h"

namespace idr::board {

// Where the firmware's CPU time comes from (DESIGN 3: the simulator charges it). Pending
// instructions are reported (CpuTime) before any request whose answer depends on time.
class CpuMeter {
 public:
  // Every HAL call says how many bytes it moves; a table counts them, a measurement
  // ignores this.
  virtual void charge(size_t bytes_moved) = 0;
  // Computing the firmware reports by name (hal::CpuWork); a measurement ignores it.
  virtual void work(hal::CpuWork::Op op, uint32_t count) = 0;
  // Instructions executed since the last call.
  [[nodiscard]] virtual uint64_t take_instructions() = 0;

 protected:
  ~CpuMeter() = default;
};

// Firmware CPU time on the host board (the host CPU is not the MCU): each HAL call and each
// named operation charged with the instruction counts measured under QEMU
// (cpu_calibration.h). The QEMU board measures instead (mps2 MeasuredCpu).
class CalibratedCpu final : public CpuMeter {
 public:
  void charge(size_t bytes_moved) override {
    pending_ += cpu_calibration::kPerHalCall +
                cpu_calibration::kPerHalByte * static_cast<uint64_t>(bytes_moved);
    ++hal_calls_;
    hal_bytes_ += bytes_moved;
  }
  void work(hal::CpuWork::Op op, uint32_t count) override {
    using Op = hal::CpuWork::Op;
    switch (op) {
      case Op::EcdsaPrepare:
        pending_ += static_cast<uint64_t>(count) * cpu_calibration::kEcdsaPrepare;
        break;
      case Op::EcdsaSign:
        pending_ += static_cast<uint64_t>(count) * cpu_calibration::kEcdsaSign;
        break;
      case Op::EcdsaNonce:
        pending_ += static_cast<uint64_t>(count) * cpu_calibration::kEcdsaNonce;
        break;
      case Op::EcdsaSignPrecomputed:
        pending_ += static_cast<uint64_t>(count) * cpu_calibration::kEcdsaSignPrecomputed;
        break;
      case Op::EcdsaKeygen:
        pending_ += static_cast<uint64_t>(count) * cpu_calibration::kEcdsaKeygen;
        break;
      case Op::Sha256Bytes:
        pending_ += cpu_calibration::sha256_blocks(count) * cpu_calibration::kSha256PerBlock;
        break;
      case Op::CborBytes:
        pending_ += static_cast<uint64_t>(count) * cpu_calibration::kCborPerByte;
        break;
    }
  }
  [[nodiscard]] uint64_t take_instructions() override {
    const uint64_t n = pending_;
    pending_ = 0;
    return n;
  }
  // HAL calls and bytes charged so far (the calibration test fits the table to them).
  [[nodiscard]] uint64_t hal_calls() const { return hal_calls_; }
  [[nodiscard]] uint64_t hal_bytes() const { return hal_bytes_; }

 private:
  uint64_t pending_ = 0;
  uint64_t hal_calls_ = 0;
  uint64_t hal_bytes_ = 0;
};

class SimWireClient {
 public:
  // With the host board's calibrated CPU time.
  explicit SimWireClient(SimLink& link) : SimWireClient(link, nullptr) {}
  // With a board's own CPU meter (e.g. instructions measured under QEMU); null: calibrated.
  SimWireClient(SimLink& link, CpuMeter* cpu)
      : link_(link), cpu_(cpu != nullptr ? *cpu : calibrated_) {}
  SimWireClient(const SimWireClient&) = delete;
  SimWireClient& operator=(const SimWireClient&) = delete;

  // Hello with version check in both directions; mcu_hz is the simulator's MCU clock.
  [[nodiscard]] Status hello(uint32_t& mcu_hz);

  // Starts a request; fill it through the returned writer, then call().
  simwire::Writer& begin(simwire::Type type);
  // Sends the request begun last; on Ok `reply` reads the response payload. A simulator
  // Error becomes Unsupported / InvalidArgument / HardwareFault (ModelError) / Protocol; a
  // broken link Io.
  [[nodiscard]] Status call(simwire::Reader& reply);

  // CPU time: charge() tells the meter about a HAL call, flush_cpu() reports what is pending.
  void charge(size_t bytes_moved) { cpu_.charge(bytes_moved); }
  void work(hal::CpuWork::Op op, uint32_t count) { cpu_.work(op, count); }
  [[nodiscard]] Status flush_cpu();
  // Reports pending CPU time and returns the virtual time in ns (one request).
  [[nodiscard]] Status now_ns(uint64_t& now);

  // True once the link to the simulator broke: nothing more will work.
  [[nodiscard]] bool link_broken() const { return broken_; }
  // True once the simulator answered ModelError: the simulated hardware is faulty for good
  // (the reader reports it to its host; the board then stops).
  [[nodiscard]] bool hardware_fault() const { return hardware_fault_; }
  // Text of the last Error response (for logs and tests).
  [[nodiscard]] const char* last_error() const { return last_error_; }
  [[nodiscard]] uint64_t requests() const { return requests_; }
  // The host board's table meter (counts HAL calls even when another meter is in use).
  [[nodiscard]] const CalibratedCpu& calibrated() const { return calibrated_; }
  // Instructions reported to the simulator so far (benchmarks, tests).
  [[nodiscard]] uint64_t instructions_reported() const { return reported_; }

 private:
  SimLink& link_;
  CalibratedCpu calibrated_;
  CpuMeter& cpu_;
  // One buffer for the request and then its response (SimLink allows it): a request is
  // always complete and sent before its response arrives, and a response is read before the
  // next request begins (DESIGN 9 footprint: one sim-wire message in RAM, not two).
  uint8_t msg_[simwire::kMaxMessage] = {};
  simwire::Writer writer_{msg_, sizeof msg_};
  uint8_t type_ = 0;
  uint64_t pending_instructions_ = 0;
  uint64_t requests_ = 0;
  uint64_t reported_ = 0;
  bool broken_ = false;
  bool hardware_fault_ = false;
  char last_error_[160] = {};
};

}  // namespace idr::board
