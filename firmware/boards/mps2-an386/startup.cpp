// Start-up of the Cortex-M4 image: vector table, reset handler (FPU on, .data copied,
// .bss zeroed, static constructors run, the free stack painted for the high-water mark),
// fault handlers that end the QEMU run with a
// distinct exit status so a crash shows in the test.
#include <cstddef>
#include <cstdint>

#include "idr/mps2/paint.h"
#include "idr/mps2/semihosting.h"

extern "C" {
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __stack_limit,
    __stack_top;
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
void idr_firmware_main();  // main.cpp (C++ forbids calling main)
void idr_reset_handler();
}

namespace {

// Exit statuses of the image (README.md).
constexpr uint32_t kExitFault = 3;
constexpr uint32_t kExitMainReturned = 4;  // the firmware loop never returns

[[noreturn]] void fault_handler() {
  idr::mps2::semihosting_exit(kExitFault);
}

// Bytes left unpainted below the caller's stack pointer: the frames of paint_stack and of
// the loop that calls it stay clear of the paint.
constexpr uintptr_t kPaintClearance = 64;

// Paints the stack from its limit up to just below the current stack pointer (paint.h).
[[gnu::noinline]] void paint_stack() {
  uintptr_t sp = 0;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  idr::mps2::paint_words(&__stack_limit, reinterpret_cast<const void*>(sp - kPaintClearance));
}

[[gnu::noinline]] void init_memory_and_run() {
  const uint32_t* src = &__data_load;
  for (uint32_t* dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  paint_stack();
  const size_t n = static_cast<size_t>(__init_array_end - __init_array_start);
  for (size_t i = 0; i < n; ++i) __init_array_start[i]();
  idr_firmware_main();
  idr::mps2::semihosting_exit(kExitMainReturned);
}

using Handler = void (*)();

}  // namespace

extern "C" void idr_reset_handler() {
  // Hard-float code may use the FPU anywhere: grant CP10/CP11 full access (CPACR, ARMv7-M
  // ARM B3.2.20) before any other code runs.
  volatile uint32_t& cpacr = *reinterpret_cast<volatile uint32_t*>(0xE000ED88u);
  cpacr = cpacr | (0xFu << 20);
  __asm__ volatile("dsb\n isb" ::: "memory");
  init_memory_and_run();
}

// Initial stack pointer, then the 15 system exceptions (ARMv7-M B1.5.2). No device
// interrupts are enabled: the UARTs and the timer are polled.
extern "C" [[gnu::section(".isr_vector"), gnu::used]] const Handler idr_vector_table[16] = {
    reinterpret_cast<Handler>(&__stack_top),
    idr_reset_handler,
    fault_handler,  // NMI
    fault_handler,  // HardFault
    fault_handler,  // MemManage
    fault_handler,  // BusFault
    fault_handler,  // UsageFault
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    fault_handler,  // SVCall
    fault_handler,  // DebugMonitor
    nullptr,
    fault_handler,  // PendSV
    fault_handler,  // SysTick
};
