#pragma once
// Virtual time: the simulator owns the clock (DESIGN 3). Nothing here reads a wall clock.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace idr::sim {

using Time = uint64_t;  // virtual nanoseconds since the simulation started
inline constexpr Time kNs = 1;
inline constexpr Time kUs = 1000;
inline constexpr Time kMs = 1000 * kUs;
inline constexpr Time kSec = 1000 * kMs;

// ISO/IEC 14443: fc = 13.56 MHz. Durations on the air are whole carrier cycles; converted
// to nanoseconds with rounding once per duration so errors do not accumulate per bit.
inline constexpr uint64_t kFcHz = 13'560'000;
[[nodiscard]] constexpr Time fc_cycles(uint64_t cycles) {
  return (cycles * 1'000'000'000ull + kFcHz / 2) / kFcHz;
}
// Time to move `bits` at `bits_per_second` (UART, SPI, host link), rounded up.
[[nodiscard]] constexpr Time bit_time(uint64_t bits, uint64_t bits_per_second) {
  return (bits * 1'000'000'000ull + bits_per_second - 1) / bits_per_second;
}

// A discrete-event queue. Events at the same time run in the order they were scheduled.
class EventQueue {
 public:
  using Id = uint64_t;

  [[nodiscard]] Time now() const { return now_; }

  // Schedules fn at time `at` (clamped to now). Returns an id for cancel().
  Id schedule(Time at, std::function<void()> fn) {
    if (at < now_) at = now_;
    const Id id = next_id_++;
    events_.emplace(Key{at, id}, std::move(fn));
    return id;
  }
  Id schedule_in(Time delay, std::function<void()> fn) { return schedule(now_ + delay, std::move(fn)); }

  // Cancels a pending event; unknown or already-run ids are ignored.
  void cancel(Id id) {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (it->first.second == id) {
        events_.erase(it);
        return;
      }
    }
  }

  [[nodiscard]] std::optional<Time> next_time() const {
    if (events_.empty()) return std::nullopt;
    return events_.begin()->first.first;
  }

  // Runs events in time order until `done()` holds (checked before each event and at the
  // end) or the next event lies beyond `deadline`; then now = deadline if not done.
  // Returns done(). This is the one waiting primitive: IRQ waits, UART reads, delays.
  template <typename Pred>
  bool run_until(Time deadline, Pred done) {
    for (;;) {
      if (done()) return true;
      if (events_.empty() || events_.begin()->first.first > deadline) break;
      run_one();
    }
    if (deadline > now_) now_ = deadline;
    return done();
  }

  // Advances to t, running every event due by then.
  void advance_to(Time t) {
    run_until(t, [] { return false; });
  }
  void advance_by(Time d) { advance_to(now_ + d); }

 private:
  using Key = std::pair<Time, Id>;
  void run_one() {
    auto it = events_.begin();
    now_ = it->first.first;
    auto fn = std::move(it->second);
    events_.erase(it);
    fn();
  }

  Time now_ = 0;
  Id next_id_ = 1;
  std::map<Key, std::function<void()>> events_;
};

// Where virtual time went, per resource (DESIGN 9 breakdown). Resources can overlap in
// time (the SAM works while the card transmits), so the sum may exceed the wall of time.
struct TimeAccounts {
  Time rf_air = 0;           // reader and card frames on the air
  Time card_processing = 0;  // card turnaround and authentication work
  Time sam_link = 0;         // bytes on the SAM UART, both directions
  Time sam_processing = 0;   // SAM operations
  Time firmware_cpu = 0;     // instructions reported by the board
  Time spi = 0;              // SPI transfers to the CLRC663
  Time host_link = 0;        // frames between host and reader
};

}  // namespace idr::sim
