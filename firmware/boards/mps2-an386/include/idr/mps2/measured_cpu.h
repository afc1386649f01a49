#pragma once
// The firmware's CPU time on mps2-an386, measured: timer ticks x 40 instructions
// (-icount shift=0, DESIGN 10), minus the time spent waiting for the simulator or the
// host (those waits are peripheral time the simulator accounts for itself, not firmware
// work). DWT CYCCNT reads 0 under QEMU, so the timer is the only source.
#include <cstdint>

#include "idr/board/sim_wire_client.h"
#include "idr/mps2/timer.h"

namespace idr::mps2 {

class MeasuredCpu final : public board::CpuMeter {
 public:
  explicit MeasuredCpu(Timer0& timer) : timer_(timer) {}

  // Counts start now (call once the timer runs).
  void start() {
    last_ = timer_.ticks();
    excluded_ = 0;
  }
  void charge(size_t) override {}  // measured, not from the table
  void work(hal::CpuWork::Op, uint32_t) override {}
  [[nodiscard]] uint64_t take_instructions() override;

  // Brackets a wait that is not firmware work (sim-wire exchange, idle host poll).
  void begin_wait() { wait_start_ = timer_.ticks(); }
  void end_wait() { excluded_ += timer_.ticks() - wait_start_; }

  // Firmware instructions measured since start (benchmarks).
  [[nodiscard]] uint64_t total_instructions() const { return total_; }

 private:
  Timer0& timer_;
  uint64_t last_ = 0;
  uint64_t excluded_ = 0;
  uint64_t wait_start_ = 0;
  uint64_t total_ = 0;
};

}  // namespace idr::mps2
