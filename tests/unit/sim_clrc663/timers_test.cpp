// CLRC663 model: timers T0..T3 (data sheet 8.2, Tables 79..120), checked in virtual time.
#include <catch2/catch.hpp>

#include "clrc663_test_support.h"

using namespace idr::sim;
using namespace idr::sim::rc663;
using idr::sim::test::Rig;

namespace {
constexpr uint8_t kT0ReloadHi = 0x10, kT0CounterHi = 0x12, kT0CounterLo = 0x13, kT1Control = 0x14,
                  kT1ReloadHi = 0x15;
constexpr uint8_t kTimer0Irq = 0x01, kTimer1Irq = 0x02;
// TControl (Table 80): T0Running with its T0StartStopNow write enable.
constexpr uint8_t kStartT0 = 0x11, kStopT0 = 0x01;
}  // namespace

TEST_CASE("timer period is reload + 1 ticks at 13.56 MHz (8.2, Table 82)", "[clrc663]") {
  Rig r;
  r.write(kT0Control, 0x00);  // 13.56 MHz, no auto restart
  r.write(kT0ReloadHi, {0x00, 99});
  r.write(kTControl, kStartT0);
  CHECK((r.read(kTControl) & 0x10) != 0);  // T0Running
  const Time period = fc_cycles(100);      // counts 99..0, underflows on the next clock
  r.q.advance_to(period - 1);
  CHECK((r.read(kIrq1) & kTimer0Irq) == 0);
  r.q.advance_to(period);
  CHECK((r.read(kIrq1) & kTimer0Irq) != 0);
  CHECK((r.read(kTControl) & 0x10) == 0);  // T0AutoRestart 0: "decrements to zero and stops"
  CHECK(r.read(kT0CounterHi) == 0);
  CHECK(r.read(kT0CounterLo) == 0);
}

TEST_CASE("timer at 211.875 kHz counts down and auto-restarts periodically (8.2.1.5)",
          "[clrc663]") {
  Rig r;
  r.write(kT0Control, kTimerAutoRestart | 0x01);  // 211.875 kHz = fc / 64
  r.write(kT0ReloadHi, {0x01, 0x00});             // reload 256
  r.write(kTControl, kStartT0);
  const Time tick = fc_cycles(64);
  r.q.advance_to(fc_cycles(64 * 10) + tick / 2);  // 10 ticks in
  CHECK(((r.read(kT0CounterHi) << 8) | r.read(kT0CounterLo)) == 256 - 10);
  const Time period = fc_cycles(64 * 257);
  r.q.advance_to(period);
  CHECK((r.read(kIrq1) & kTimer0Irq) != 0);
  r.write(kIrq1, kTimer0Irq);              // clear
  CHECK((r.read(kTControl) & 0x10) != 0);  // still running
  r.q.advance_to(2 * period - 2);
  CHECK((r.read(kIrq1) & kTimer0Irq) == 0);
  r.q.advance_to(2 * period + 1);
  CHECK((r.read(kIrq1) & kTimer0Irq) != 0);
  r.write(kTControl, kStopT0);
  CHECK((r.read(kTControl) & 0x10) == 0);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("TControl bits 3..0 gate changes of the Running bits (Table 80)", "[clrc663]") {
  Rig r;
  r.write(kTControl, 0xF0);  // "writing F0h does not change any of the bits 7..4"
  CHECK((r.read(kTControl) & 0xF0) == 0);
  r.write(kTControl, 0xFF);  // starts all four
  CHECK((r.read(kTControl) & 0xF0) == 0xF0);
  CHECK((r.read(kTControl) & 0x0F) == 0);  // StartStopNow bits are write-only
  r.write(kTControl, 0x02);                // stop T1 only
  CHECK((r.read(kTControl) & 0xF0) == 0xD0);
}

TEST_CASE("cascaded timer counts the underflows of its source (Table 92 T1Clk 10b)", "[clrc663]") {
  Rig r;
  r.write(kT0Control, kTimerAutoRestart);  // 13.56 MHz, period 2 ticks
  r.write(kT0ReloadHi, {0x00, 0x01});
  r.write(kT1Control, 0x02);           // clocked by Timer0 underflow
  r.write(kT1ReloadHi, {0x00, 0x02});  // 3 underflows of T0
  r.write(kTControl, 0x33);            // start T0 and T1
  r.q.advance_to(fc_cycles(2 * 3) - 1);
  CHECK((r.read(kIrq1) & kTimer1Irq) == 0);
  r.q.advance_to(fc_cycles(2 * 3));
  CHECK((r.read(kIrq1) & kTimer1Irq) != 0);
  CHECK(r.chip.model_errors().empty());
}
