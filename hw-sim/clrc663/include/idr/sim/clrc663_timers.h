#pragma once
// Timers T0..T3 of the CLRC663 (data sheet 8.2, Tables 79..120). Each counts down from its
// reload value at 13.56 MHz, 211.875 kHz or on another timer's underflow; when the counter is
// 0000h the next clock is the underflow (Timer(x)IRQ), so one period is reload + 1 ticks
// (8.2: "If the counter value has reached a value of 0000h ... an interrupt will be generated
// as soon as the next clock is received"). T4 runs from the LFO, which is not modelled.
#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "idr/sim/clock.h"

namespace idr::sim {

class Clrc663Timers {
 public:
  static constexpr int kCount = 4;
  using Registers = std::array<uint8_t, 0x80>;
  // on_underflow(t): the timer underflowed (the model sets Timer(t)IRQ).
  // on_error(msg): behaviour the model does not implement.
  Clrc663Timers(EventQueue& q, const Registers& regs, std::function<void(int)> on_underflow,
                std::function<void(const std::string&)> on_error);
  ~Clrc663Timers();
  Clrc663Timers(const Clrc663Timers&) = delete;
  Clrc663Timers& operator=(const Clrc663Timers&) = delete;

  // Start event: load T(x)Reload and count (Tables 84/86: the reload applies at the start event).
  void start(int t);
  void stop(int t);
  [[nodiscard]] bool running(int t) const { return timers_[t].running; }
  // Current T(x)CounterVal (Tables 87..90), computed from virtual time; no side effects.
  [[nodiscard]] uint16_t counter(int t) const;
  void reset();

  // Protocol events: T(x)Start = 01b starts a timer at the end of a transmission; T(x)StopRx
  // stops it once the first 4 bits of a reply are received (Table 82).
  void on_tx_end();
  void on_rx_first_bits();

 private:
  struct Timer {
    bool running = false;
    uint16_t counter = 0;  // value at the period start (time-clocked) or current (cascaded)
    Time origin = 0;       // start event; periods are counted in carrier cycles from here so
    uint64_t period_start_cycles = 0;  // that auto-restart does not accumulate rounding
    uint64_t period_cycles = 0;
    EventQueue::Id event = 0;
  };
  [[nodiscard]] uint8_t control(int t) const;
  [[nodiscard]] uint16_t reload(int t) const;
  // Carrier cycles per tick, or 0 when the timer is clocked by another timer's underflow.
  [[nodiscard]] uint64_t cycles_per_tick(int t) const;
  // Which timer's underflow clocks timer t (T(x)Clk 10b/11b), or -1.
  [[nodiscard]] int cascade_source(int t) const;
  void schedule_underflow(int t);
  void cancel_event(int t);
  void underflow(int t, int depth);
  void tick(int t, int depth);

  EventQueue& q_;
  const Registers& regs_;
  std::function<void(int)> on_underflow_;
  std::function<void(const std::string&)> on_error_;
  std::array<Timer, kCount> timers_{};
};

}  // namespace idr::sim
