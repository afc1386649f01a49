#include "idr/mps2/measured_cpu.h"

#include "idr/mps2/cmsdk.h"

namespace idr::mps2 {

uint64_t MeasuredCpu::take_instructions() {
  const uint64_t now = timer_.ticks();
  const uint64_t elapsed = now - last_;
  // Waits lie inside [last_, now]; guard anyway so a misuse cannot underflow.
  const uint64_t busy = elapsed > excluded_ ? elapsed - excluded_ : 0;
  last_ = now;
  excluded_ = 0;
  const uint64_t instructions = busy * kInstructionsPerTick;
  total_ += instructions;
  return instructions;
}

}  // namespace idr::mps2
