#pragma once
// Registers of the mps2-an386 peripherals this board uses (DESIGN 10; QEMU hw/arm/mps2.c,
// Arm CMSDK APB UART and timer). Volatile MMIO access in one place.
#include <cstdint>

namespace idr::mps2 {

inline volatile uint32_t& reg(uint32_t address) {
  return *reinterpret_cast<volatile uint32_t*>(address);
}

// CMSDK APB UART: UART0 (first -serial) is the host link, UART1 (second) the sim wire.
inline constexpr uint32_t kUart0Base = 0x40004000u;
inline constexpr uint32_t kUart1Base = 0x40005000u;
struct UartReg {
  static constexpr uint32_t kData = 0x0;
  static constexpr uint32_t kState = 0x4;  // b0 TX full, b1 RX full
  static constexpr uint32_t kCtrl = 0x8;   // b0 TX enable, b1 RX enable
  static constexpr uint32_t kBaudDiv = 0x10;
  static constexpr uint32_t kStateTxFull = 1u << 0;
  static constexpr uint32_t kStateRxFull = 1u << 1;
  static constexpr uint32_t kCtrlTxEn = 1u << 0;
  static constexpr uint32_t kCtrlRxEn = 1u << 1;
};

// CMSDK APB timer 0: a 32-bit down counter at SYSCLK.
inline constexpr uint32_t kTimer0Base = 0x40000000u;
struct TimerReg {
  static constexpr uint32_t kCtrl = 0x0;  // b0 enable
  static constexpr uint32_t kValue = 0x4;
  static constexpr uint32_t kReload = 0x8;
};

// SYSCLK of the AN385/AN386 image: 25 MHz. Under `-icount shift=0` one instruction is 1 ns
// of virtual time, so one tick is 40 instructions (DESIGN 10).
inline constexpr uint32_t kSysclkHz = 25'000'000u;
inline constexpr uint32_t kInstructionsPerTick = 40;

}  // namespace idr::mps2
