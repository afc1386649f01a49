#pragma once
// CMSDK timer 0 as a free-running 64-bit tick count at 25 MHz (virtual time under QEMU
// -icount shift=0: 40 instructions a tick). Bounded waits and the CPU-time report use it.
#include <cstdint>

namespace idr::mps2 {

class Timer0 {
 public:
  // Free-running from the maximum reload value.
  void start();
  // Ticks since start(); must be called at least once per 2^32 ticks (171 s) to see
  // every wrap, which the main loop does many times a second.
  [[nodiscard]] uint64_t ticks();

  [[nodiscard]] static constexpr uint64_t ticks_from_us(uint32_t us) {
    return static_cast<uint64_t>(us) * 25u;
  }

 private:
  uint32_t last_raw_ = 0xFFFFFFFFu;
  uint64_t total_ = 0;
};

// Deadline helper for polling loops: every wait on this board ends at a deadline.
class Deadline {
 public:
  Deadline(Timer0& timer, uint64_t ticks) : timer_(timer), end_(timer.ticks() + ticks) {}
  [[nodiscard]] bool expired() { return timer_.ticks() >= end_; }

 private:
  Timer0& timer_;
  uint64_t end_;
};

}  // namespace idr::mps2
