#include "idr/mps2/semihosting.h"

namespace idr::mps2 {

namespace {
constexpr uint32_t kSysWrite0 = 0x04;
constexpr uint32_t kSysExitExtended = 0x20;
constexpr uint32_t kAdpStoppedApplicationExit = 0x20026;
}  // namespace

void semihosting_exit(uint32_t code) {
  // r0 = operation, r1 -> {reason, exit code}; bkpt 0xAB traps to the debugger (QEMU).
  volatile uint32_t block[2] = {kAdpStoppedApplicationExit, code};
  register uint32_t r0 __asm__("r0") = kSysExitExtended;
  register volatile uint32_t* r1 __asm__("r1") = block;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  for (;;) {  // not reached under QEMU; a real board without a debugger stops here
  }
}

void semihosting_write(const char* text) {
  register uint32_t r0 __asm__("r0") = kSysWrite0;
  register const char* r1 __asm__("r1") = text;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}

}  // namespace idr::mps2
