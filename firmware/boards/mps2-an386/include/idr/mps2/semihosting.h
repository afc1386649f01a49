#pragma once
// Arm semihosting (QEMU -semihosting-config enable=on,target=native): how the firmware
// ends a QEMU run with an exit status, and how a test image prints a line.
#include <cstdint>

namespace idr::mps2 {

// SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit: QEMU exits with `code`.
[[noreturn]] void semihosting_exit(uint32_t code);

// SYS_WRITE0: a NUL-terminated string to QEMU's semihosting console (its stdout/stderr).
void semihosting_write(const char* text);

}  // namespace idr::mps2
