#include "idr/mps2/timer.h"

#include "idr/mps2/cmsdk.h"

namespace idr::mps2 {

void Timer0::start() {
  reg(kTimer0Base + TimerReg::kCtrl) = 0;
  reg(kTimer0Base + TimerReg::kReload) = 0xFFFFFFFFu;
  reg(kTimer0Base + TimerReg::kValue) = 0xFFFFFFFFu;
  reg(kTimer0Base + TimerReg::kCtrl) = 1;  // enable, no interrupt
  last_raw_ = reg(kTimer0Base + TimerReg::kValue);
  total_ = 0;
}

uint64_t Timer0::ticks() {
  // A down counter: elapsed = last - now, modulo 2^32 (one wrap at most between calls).
  const uint32_t raw = reg(kTimer0Base + TimerReg::kValue);
  total_ += static_cast<uint32_t>(last_raw_ - raw);
  last_raw_ = raw;
  return total_;
}

}  // namespace idr::mps2
