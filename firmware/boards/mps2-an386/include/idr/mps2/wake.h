#pragma once
// Sleeping instead of spinning while the firmware waits for a byte. Under QEMU a busy
// poll keeps the emulated CPU running, so the emulator's I/O thread hands over one UART
// byte only now and then; WFI lets QEMU deliver the next byte at once (and spares the
// host's CPU). Interrupts stay masked (PRIMASK): a pending UART RX interrupt or the
// periodic SysTick still ends WFI (ARMv7-M B1.5.19), and no handler ever runs.
#include <cstdint>

namespace idr::mps2 {

// Enables RX interrupts on UART0 and UART1 in the NVIC and the UARTs, SysTick every
// kTickUs as the wake-up of timed waits, then masks interrupts.
void wake_init();
// Clears every wake-up source; call before checking the condition waited for.
void wake_clear();
// Sleeps until a wake-up source is pending (at most one SysTick period).
void wake_sleep();

inline constexpr uint32_t kTickUs = 250;

}  // namespace idr::mps2
