#include "idr/sim/clrc663_timers.h"

#include <utility>

#include "idr/sim/clrc663_regs.h"

namespace idr::sim {

Clrc663Timers::Clrc663Timers(EventQueue& q, const Registers& regs,
                             std::function<void(int)> on_underflow,
                             std::function<void(const std::string&)> on_error)
    : q_(q), regs_(regs), on_underflow_(std::move(on_underflow)), on_error_(std::move(on_error)) {}

Clrc663Timers::~Clrc663Timers() {
  for (int t = 0; t < kCount; ++t) cancel_event(t);
}

uint8_t Clrc663Timers::control(int t) const {
  return regs_[rc663::timer_base(t)];
}

uint16_t Clrc663Timers::reload(int t) const {
  const uint8_t base = rc663::timer_base(t);
  return static_cast<uint16_t>((regs_[base + rc663::kTimerReloadHi] << 8) |
                               regs_[base + rc663::kTimerReloadLo]);
}

uint64_t Clrc663Timers::cycles_per_tick(int t) const {
  switch (control(t) & rc663::kTimerClkMask) {
    case 0:
      return 1;  // 13.56 MHz (Table 82 T0Clk 00b)
    case 1:
      return 64;  // 211.875 kHz = 13.56 MHz / 64 (T0Clk 01b)
    default:
      return 0;  // underflow of another timer
  }
}

int Clrc663Timers::cascade_source(int t) const {
  const uint8_t clk = control(t) & rc663::kTimerClkMask;
  if (clk < 2) return -1;
  // Tables 82, 92, 102, 112: T0 <- T2/T1, T1 <- T0/T2, T2 <- T0/T1, T3 <- T0/T1.
  static constexpr int kSource[kCount][2] = {{2, 1}, {0, 2}, {0, 1}, {0, 1}};
  return kSource[t][clk - 2];
}

void Clrc663Timers::cancel_event(int t) {
  if (timers_[t].event != 0) {
    q_.cancel(timers_[t].event);
    timers_[t].event = 0;
  }
}

void Clrc663Timers::schedule_underflow(int t) {
  Timer& tm = timers_[t];
  const uint64_t div = cycles_per_tick(t);
  if (div == 0) return;  // cascaded: advanced by the source timer's underflow
  tm.period_cycles = div * (uint64_t{tm.counter} + 1);
  tm.event =
      q_.schedule(tm.origin + fc_cycles(tm.period_start_cycles + tm.period_cycles), [this, t] {
        timers_[t].event = 0;
        underflow(t, 0);
      });
}

void Clrc663Timers::start(int t) {
  cancel_event(t);
  Timer& tm = timers_[t];
  tm.running = true;
  tm.counter = reload(t);
  tm.origin = q_.now();
  tm.period_start_cycles = 0;
  schedule_underflow(t);
}

void Clrc663Timers::stop(int t) {
  Timer& tm = timers_[t];
  if (!tm.running) return;
  tm.counter = counter(t);
  tm.running = false;
  cancel_event(t);
}

uint16_t Clrc663Timers::counter(int t) const {
  const Timer& tm = timers_[t];
  const uint64_t div = cycles_per_tick(t);
  if (!tm.running || div == 0) return tm.counter;
  const uint64_t elapsed_cycles = (q_.now() - tm.origin) * kFcHz / kSec;
  const uint64_t ticks =
      elapsed_cycles > tm.period_start_cycles ? (elapsed_cycles - tm.period_start_cycles) / div : 0;
  return ticks >= tm.counter ? 0 : static_cast<uint16_t>(tm.counter - ticks);
}

void Clrc663Timers::reset() {
  for (int t = 0; t < kCount; ++t) {
    cancel_event(t);
    timers_[t] = Timer{};
  }
}

void Clrc663Timers::on_tx_end() {
  for (int t = 0; t < kCount; ++t) {
    if ((control(t) & rc663::kTimerStartMask) == rc663::kTimerStartAtTxEnd) start(t);
  }
}

void Clrc663Timers::on_rx_first_bits() {
  for (int t = 0; t < kCount; ++t) {
    if ((control(t) & rc663::kTimerStopRx) != 0) stop(t);
  }
}

void Clrc663Timers::underflow(int t, int depth) {
  Timer& tm = timers_[t];
  if ((control(t) & rc663::kTimerAutoRestart) != 0) {
    tm.counter = reload(t);  // Table 82 T0AutoRestart: count down again from the reload value
    tm.period_start_cycles += tm.period_cycles;
    schedule_underflow(t);
  } else {
    tm.counter = 0;  // "decrements to zero and stops"
    tm.running = false;
  }
  on_underflow_(t);
  for (int u = 0; u < kCount; ++u) {
    if (u != t && timers_[u].running && cascade_source(u) == t) tick(u, depth + 1);
  }
}

void Clrc663Timers::tick(int t, int depth) {
  if (depth > kCount) {
    on_error_("CLRC663 timers: cascade loop (timers clocking each other) is not modelled");
    return;
  }
  Timer& tm = timers_[t];
  if (tm.counter == 0) {
    underflow(t, depth);
  } else {
    --tm.counter;
  }
}

}  // namespace idr::sim
