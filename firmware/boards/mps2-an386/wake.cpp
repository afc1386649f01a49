#include "idr/mps2/wake.h"

#include <initializer_list>

#include "idr/mps2/cmsdk.h"

namespace idr::mps2 {

namespace {
// ARMv7-M system control space (ARMv7-M ARM B3.2, B3.3, B3.4).
constexpr uint32_t kNvicIser0 = 0xE000E100u;
constexpr uint32_t kNvicIcpr0 = 0xE000E280u;
constexpr uint32_t kSysTickCsr = 0xE000E010u;  // b0 enable, b1 TICKINT, b2 CLKSOURCE (core)
constexpr uint32_t kSysTickRvr = 0xE000E014u;
constexpr uint32_t kSysTickCvr = 0xE000E018u;
constexpr uint32_t kIcsr = 0xE000ED04u;
constexpr uint32_t kIcsrPendStClr = 1u << 25;

// mps2-an386 RX interrupt lines: UART0 RX = IRQ 0, UART1 RX = IRQ 2 (QEMU hw/arm/mps2.c).
constexpr uint32_t kUartRxIrqs = (1u << 0) | (1u << 2);
// CMSDK UART: CTRL b3 RX interrupt enable; INTSTATUS/INTCLEAR at +0xC, b1 RX.
constexpr uint32_t kUartCtrlRxIntEn = 1u << 3;
constexpr uint32_t kUartIntClear = 0xC;
constexpr uint32_t kUartIntRx = 1u << 1;
}  // namespace

void wake_init() {
  __asm__ volatile("cpsid i" ::: "memory");
  for (uint32_t base : {kUart0Base, kUart1Base})
    reg(base + UartReg::kCtrl) = reg(base + UartReg::kCtrl) | kUartCtrlRxIntEn;
  reg(kNvicIser0) = kUartRxIrqs;
  reg(kSysTickRvr) = kSysclkHz / 1'000'000u * kTickUs - 1u;
  reg(kSysTickCvr) = 0;
  reg(kSysTickCsr) = 0x7u;
}

void wake_clear() {
  // The UART's line first, then the NVIC's pending bit (a level still high would pend again).
  for (uint32_t base : {kUart0Base, kUart1Base}) reg(base + kUartIntClear) = kUartIntRx;
  reg(kNvicIcpr0) = kUartRxIrqs;
  reg(kIcsr) = kIcsrPendStClr;
}

void wake_sleep() {
  __asm__ volatile("dsb\n wfi" ::: "memory");
}

}  // namespace idr::mps2
