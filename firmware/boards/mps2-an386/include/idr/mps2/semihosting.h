#pragma once
// Arm semihosting (QEMU -semihosting-config enable=on,target=native): how the firmware
// ends a QEMU run with an exit status.
#include <cstdint>

namespace idr::mps2 {

// SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit: QEMU exits with `code`.
[[noreturn]] void semihosting_exit(uint32_t code);

}  // namespace idr::mps2
