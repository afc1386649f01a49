#include "link_sweep.h"

#include <catch2/catch.hpp>
#include <cstdlib>

namespace idr::faults {

namespace {

constexpr uint64_t kCommandBudgetNs = 3000ull * 1'000'000;  // ReaderOptions::command_timeout
// The host checks its deadline between firmware steps, and the longest step is one whole
// signed read (about 0.65 s virtual): a timeout may come that much after the deadline.
constexpr uint64_t kStepSlackNs = 1000ull * 1'000'000;

}  // namespace

bool full_sweep() {
  const char* v = std::getenv("IDR_FAULTS_FULL");
  return v != nullptr && std::string(v) == "1";
}

void sweep(FaultRig& rig, const LinkFaultClass& c) {
  ClassTally t{c.name};
  unsigned fired = 0;
  for (size_t i = 0; i < c.points; ++i) {
    INFO(t.name << ": " << c.where(i));
    const std::function<bool()> fault_fired = c.arm(i);
    const AttemptResult r = rig.attempt();
    INFO(r.detail);
    if (fault_fired()) {
      ++fired;
      t.add(r);
    }
    CHECK(r.virtual_ns <= uint64_t{r.commands} * kCommandBudgetNs + kStepSlackNs);
    // The host reconnects (a new connection without fault) and reads the card again.
    c.reconnect();
    bool again = false;
    for (int n = 0; n < 3 && !again; ++n) {
      const AttemptResult a = rig.attempt();
      INFO("read " << n + 1 << " after the fault: " << a.detail);
      CHECK(a.outcome != ReadOutcome::WrongData);
      CHECK(a.outcome != ReadOutcome::CounterFault);
      again = a.outcome == ReadOutcome::Recovered;
      if (!again) ++t.later_reads_failed;
    }
    CHECK(again);
  }
  WARN(t.line());
  CHECK(t.points == c.points);
  CHECK(fired == c.points);
  CHECK(t.wrong_data == 0);
  CHECK(t.counter_fault == 0);
}

}  // namespace idr::faults
