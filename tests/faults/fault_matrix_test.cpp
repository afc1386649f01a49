// The fault campaign (DESIGN 3, DESIGN 5): each fault applied at every point where it can
// occur in a full signed read (fault_rig.h), per fault class a line of figures: points
// covered, clean error, recovered read, wrong data signed, counter lost or repeated. The
// suite asserts the two zeros, that every point was covered, that the reader read the card
// again afterwards, and that no read outlasted the host's budgets (virtual time).
//
// The suite takes every point of the small classes and a stride of the long ones
// (kSuiteStride); IDR_FAULTS_FULL=1 (toolchain/fuzz --faults) takes every point of every class.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

#include "fault_rig.h"
#include "idr/crypto/reader_identity.h"
#include "idr/proto/sam_link.h"
#include "idr/sim/resident_id_card.h"

using namespace idr;
using namespace idr::faults;

namespace {

constexpr uint64_t kCommandBudgetNs = 3000ull * 1'000'000;  // ReaderOptions::command_timeout
// The host checks its deadline between firmware steps, and the longest step is one whole
// signed read (about 0.65 s virtual): a timeout may come that much after the deadline.
constexpr uint64_t kStepSlackNs = 1000ull * 1'000'000;
constexpr unsigned kSuiteStride = 3;

bool full_sweep() {
  const char* v = std::getenv("IDR_FAULTS_FULL");
  return v != nullptr && std::string(v) == "1";
}
unsigned stride() {
  return full_sweep() ? 1 : kSuiteStride;
}

// The checks every faulted read gets besides its class's tally.
void check_bounded(const AttemptResult& r, bool firmware_must_answer) {
  INFO(r.detail);
  // No hang: the read ended within the host's budget for the commands it sent.
  CHECK(r.virtual_ns <= uint64_t{r.commands} * kCommandBudgetNs + kStepSlackNs);
  // The firmware answered every command in time (its own protocol timeouts are shorter).
  if (firmware_must_answer) CHECK_FALSE(r.host_timed_out);
}

// After each point the fault is gone and the card is presented again: the reader must read
// it within kReadsToRecover reads (the failed ones are counted), never signing wrong data.
constexpr int kReadsToRecover = 3;
void check_reads_again(FaultRig& rig, ClassTally& t) {
  for (int i = 0; i < kReadsToRecover; ++i) {
    const AttemptResult again = rig.attempt();
    INFO("read " << i + 1 << " after the fault: " << again.detail);
    CHECK(again.outcome != ReadOutcome::WrongData);
    CHECK(again.outcome != ReadOutcome::CounterFault);
    if (again.outcome == ReadOutcome::Recovered) return;
    ++t.later_reads_failed;
  }
  FAIL("the reader did not read the card again after the fault");
}

void report(const ClassTally& t, unsigned expected_points) {
  WARN(t.line());
  CHECK(t.points == expected_points);
  CHECK(t.wrong_data == 0);
  CHECK(t.counter_fault == 0);
}

// One point of an RF or SAM class: arm the fault, run a read, count it when the fault fired
// (`fired_count` is the model's counter of faults that acted), then the checks every point
// gets.
template <typename FiredCount, typename Arm>
void fault_point(FaultRig& rig, ClassTally& t, unsigned& armed, unsigned& fired,
                 FiredCount fired_count, Arm arm) {
  const uint64_t fired_before = fired_count();
  arm();
  ++armed;
  const AttemptResult r = rig.attempt();
  INFO(r.detail);
  if (fired_count() == fired_before + 1) {
    ++fired;
    t.add(r);
  }
  check_bounded(r, true);
  check_reads_again(rig, t);
}

// Every reader frame of a full signed read, in both directions, for one kind of RF fault.
void rf_class(const char* name, sim::FrameFaultKind kind) {
  auto rig = provisioned(scenario("resident-longterm-address"));
  const uint64_t before = rig->field().frames_on_air();
  REQUIRE(rig->attempt().outcome == ReadOutcome::Recovered);
  const uint64_t frames = rig->field().frames_on_air() - before;
  REQUIRE(frames > 10);
  ClassTally t{name};
  unsigned armed = 0, fired = 0;
  for (const auto dir : {sim::FrameDirection::Command, sim::FrameDirection::Answer}) {
    for (uint64_t k = 1; k <= frames; k += stride()) {
      INFO(name << ": frame " << k << " of " << frames
                << (dir == sim::FrameDirection::Command ? " (command)" : " (answer)"));
      fault_point(
          *rig, t, armed, fired, [&] { return rig->field().frame_faults_fired(); },
          [&] {
            rig->field().add_frame_fault(sim::FrameFault{rig->field().frames_on_air() + k, kind,
                                                         dir, static_cast<uint32_t>(k * 37 + 5)});
          });
    }
  }
  report(t, armed);
  CHECK(fired == armed);
  CHECK(rig->simulator().model_errors().empty());
}

// A resident card whose chip declares its own PUPI (DESIGN 6: variants exist), so REQB
// slotting can tell the cards apart.
class OwnPupiCard final : public sim::ResidentIdCard {
 public:
  OwnPupiCard(std::string label, sim::CardImage image, const sim::standin::Keys& keys,
              const sim::TimingParams& timing, uint64_t seed, uint8_t pupi)
      : ResidentIdCard(std::move(label), std::move(image), keys, timing, seed), pupi_(pupi) {}

 protected:
  std::array<uint8_t, 4> pupi() const override { return {0x5A, pupi_, 0x00, pupi_}; }

 private:
  uint8_t pupi_;
};

// Every SAM request frame of a full signed read, for some kinds of SAM fault.
void sam_class(const char* name, const std::vector<sim::SamFaultKind>& kinds) {
  auto rig = provisioned(scenario("resident-longterm-address"));
  const uint64_t before = rig->sam().frames_handled();
  REQUIRE(rig->attempt().outcome == ReadOutcome::Recovered);
  const uint64_t frames = rig->sam().frames_handled() - before;
  const std::vector<uint8_t> commands(
      rig->sam().frame_commands().begin() + static_cast<long>(before),
      rig->sam().frame_commands().end());
  REQUIRE(frames > 5);
  ClassTally t{name};
  unsigned armed = 0, fired = 0;
  for (const sim::SamFaultKind kind : kinds) {
    const unsigned step = kind == sim::SamFaultKind::WrongMac ? 1 : stride();
    for (uint64_t k = 1; k <= frames; k += step) {
      // A MAC is checked only by an UNWRAP of a card answer (sam_link.h).
      if (kind == sim::SamFaultKind::WrongMac &&
          commands[k - 1] != static_cast<uint8_t>(sam::Cmd::Unwrap))
        continue;
      INFO(name << ": SAM frame " << k << " of " << frames << ", kind " << static_cast<int>(kind));
      fault_point(
          *rig, t, armed, fired, [&] { return rig->sam().faults_fired(); },
          [&] {
            rig->sam().add_fault(sim::SamFault{rig->sam().frames_handled() + k, kind});
          });
    }
  }
  report(t, armed);
  CHECK(fired == armed);
  CHECK(rig->simulator().model_errors().empty());
}

}  // namespace

TEST_CASE("faults: the card leaves the field at every frame of a signed read", "[faults]") {
  rf_class("tearing", sim::FrameFaultKind::Tear);
}

TEST_CASE("faults: a bit error in every frame of a signed read", "[faults]") {
  rf_class("RF bit errors", sim::FrameFaultKind::BitError);
}

TEST_CASE("faults: a CRC error in every frame of a signed read", "[faults]") {
  rf_class("RF CRC errors", sim::FrameFaultKind::CrcError);
}

TEST_CASE("faults: two to eight cards in the field", "[faults]") {
  // Eight personalisations of the sample card with their own labels (so their own UIDs).
  sim::Scenario s = scenario("resident-longterm-address");
  const sim::ScenarioCard base = s.cards.at(0);
  s.cards.clear();
  for (int i = 0; i < 8; ++i) {
    sim::ScenarioCard c = base;
    c.spec.label = "card-" + std::to_string(i);
    c.spec.uid.reset();
    s.cards.push_back(c);
  }
  ClassTally t{"collisions"};
  unsigned expected = 0;
  for (const bool own_pupi : {false, true}) {
    FieldFactory factory;
    if (own_pupi) {
      factory = [](const sim::Scenario& sc, sim::EventQueue& q, sim::TimeAccounts& a,
                   const sim::TimingParams& timing) {
        auto field = std::make_unique<sim::RfField>(q, a, timing, sc.seed);
        for (size_t i = 0; i < sc.cards.size(); ++i)
          field->add_card(std::make_shared<OwnPupiCard>(
              sc.cards[i].spec.label, sim::make_card_image(sc.cards[i].spec), sc.keys, timing,
              sc.seed + i, static_cast<uint8_t>(0x10 + i)));
        return field;
      };
    }
    auto rig = provisioned(s, factory);
    for (size_t n = 2; n <= 8; ++n) {
      INFO((own_pupi ? "own PUPIs, " : "PUPI 00000000, ") << n << " cards");
      const AttemptResult r = rig->attempt(n);
      INFO(r.detail);
      t.add(r);
      ++expected;
      check_bounded(r, true);
      // Same PUPI: ATTRIB cannot single one out, the reader reports a collision (never a
      // mix). Own PUPIs: slotting picks one card and reads it whole.
      if (!own_pupi) CHECK(r.outcome == ReadOutcome::CleanError);
      if (own_pupi) CHECK(r.outcome == ReadOutcome::Recovered);
    }
    CHECK(rig->simulator().model_errors().empty());
  }
  report(t, expected);
}

TEST_CASE("faults: the SAM does not answer, or answers too late, at every frame", "[faults]") {
  sam_class("SAM timeouts", {sim::SamFaultKind::NoReply, sim::SamFaultKind::LateReply});
}

TEST_CASE("faults: garbage on the SAM link at every frame", "[faults]") {
  sam_class("SAM garbage", {sim::SamFaultKind::Garbage, sim::SamFaultKind::Garbled});
}

TEST_CASE("faults: the SAM finds a wrong MAC at every UNWRAP", "[faults]") {
  sam_class("SAM wrong MACs", {sim::SamFaultKind::WrongMac});
}

TEST_CASE("faults: power cut at every flash write of signed reads, across a journal page swap",
          "[faults]") {
  const sim::Scenario s = scenario("resident-longterm-address");
  // The counter journal's page A holds all but kFree records, so the sweep's reads swap pages.
  constexpr uint32_t kFree = 3;
  const crypto::FlashLayout layout = crypto::FlashLayout::top(s.flash_page_count);
  auto prepare = [&](sim::FlashModel& flash) {
    const uint32_t slots = s.flash_page_size / crypto::CounterStore::kRecordSize;
    for (uint32_t i = 0; i + kFree < slots; ++i) {
      uint8_t rec[crypto::CounterStore::kRecordSize];
      crypto::CounterStore::encode(i + 1, rec);
      REQUIRE(flash.program(
                  layout.counter_a * s.flash_page_size + i * crypto::CounterStore::kRecordSize, rec,
                  sizeof rec) == Status::Ok);
    }
  };
  auto rig = provisioned(s, {}, prepare);
  const uint64_t erases_before =
      rig->flash().erase_count(layout.counter_a) + rig->flash().erase_count(layout.counter_b);
  ClassTally t{"power cuts"};
  unsigned positions = 0;
  unsigned later_step_cuts = 0;
  // Each phase, kRounds rounds: the next read is cut at write step 1, the one after at step 2,
  // ... until a read completes (it had fewer steps). The journal holds kFree free records, so
  // a read during the sweep swaps pages (several write steps: cut beyond its first).
  constexpr int kRounds = 2 * static_cast<int>(kFree);
  for (const auto phase : {sim::CutPhase::Before, sim::CutPhase::During, sim::CutPhase::After}) {
    for (int round = 0; round < kRounds; ++round) {
      for (uint64_t step = 1;; ++step) {
        INFO("power cut at write step " << step << " of read " << round << ", phase "
                                        << static_cast<int>(phase));
        rig->flash().arm_power_cut(rig->flash().write_steps() + step, phase);
        const AttemptResult r = rig->attempt();
        INFO(r.detail);
        rig->flash().disarm_power_cut();
        check_bounded(r, false);
        if (rig->flash().powered()) {
          // The read had fewer write steps: it is done.
          CHECK(r.outcome == ReadOutcome::Recovered);
          break;
        }
        AttemptResult counted = r;
        rig->power_cycle();
        // The counter the reader resumes from is never below one it signed (DESIGN 5).
        const Result<uint64_t> resumed = rig->reader().counter();
        REQUIRE(resumed);
        if (*resumed < rig->max_counter()) {
          counted.outcome = ReadOutcome::CounterFault;
          counted.detail = "counter resumed at " + std::to_string(*resumed) + " after " +
                           std::to_string(rig->max_counter());
        }
        t.add(counted);
        ++positions;
        if (step > 1) ++later_step_cuts;
        check_reads_again(*rig, t);
      }
    }
  }
  report(t, positions);
  CHECK(positions >= 3 * kRounds);  // at least one write step per read, three phases
  // A read with a page swap (more than one write step) was cut beyond its first step.
  CHECK(later_step_cuts > 0);
  // The journal swapped pages during the sweep, so its cuts were covered too.
  CHECK(rig->flash().erase_count(layout.counter_a) + rig->flash().erase_count(layout.counter_b) >
        erases_before);
}
