// End to end through the public C++ API, over whichever transport start_e2e_reader() of the
// executable serves (e2e_reader.h): every sample card read back equal to its personalisation,
// cancellation of wait_for_card from another thread, and concurrent calls on one Reader.
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "card_expect.h"
#include "e2e_reader.h"
#include "e2e_support.h"
#include "idr/reader.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

Reader open_reader(const test::E2eReader& p) {
  auto r = Reader::open(p.uri());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("hostlib e2e: every sample card reads back equal to its personalisation (C++ API)") {
  for (const std::string& file : test::sample_scenarios()) {
    const sim::Scenario s = sim::load_scenario(file);
    // Single-card scenarios, and the first card of three-cards-sequential (present first).
    if (s.cards.size() != 1 && s.name != "three-cards-sequential") continue;
    SECTION(s.name) {
      const auto procs = test::start_e2e_reader(file);
      Reader reader = open_reader(*procs);
      CHECK(reader.status().ok());
      auto card = reader.wait_for_card(10s, kAll);
      REQUIRE(card.ok());
      test::check_card(*card, s.cards.front().spec);
      // Read once per presentation: the card stays ACTIVE, find answers 80 (DESIGN 8).
      auto again = reader.find_card();
      REQUIRE(again.ok());
      CHECK_FALSE(*again);
    }
  }
}

TEST_CASE("hostlib e2e: SAM id of the scenario, and status/sam_id from several threads at once",
          "[concurrency]") {
  const std::string file = test::sample_dir() + "resident-fingerprint.json";
  const sim::Scenario s = sim::load_scenario(file);
  const auto procs = test::start_e2e_reader(file);
  Reader reader = open_reader(*procs);
  auto id = reader.sam_id();
  REQUIRE(id.ok());
  CHECK(id->raw == s.sam_id);
  CHECK(id->text.size() == 36);  // "%02d.%02d-%08u-%010u-%010u" (DESIGN 8)

  // Internally serialised: every call of every thread succeeds with the right answer.
  constexpr int kThreads = 4, kCalls = 25;
  std::vector<std::future<int>> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::async(std::launch::async, [&reader, &s, t] {
      int ok = 0;
      for (int i = 0; i < kCalls; ++i) {
        if ((i + t) % 2 == 0) {
          ok += reader.status().ok() ? 1 : 0;
        } else {
          auto r = reader.sam_id();
          ok += (r.ok() && r->raw == s.sam_id) ? 1 : 0;
        }
      }
      return ok;
    }));
  }
  for (auto& w : workers) CHECK(w.get() == kCalls);
}

TEST_CASE("hostlib e2e: cancel() stops wait_for_card with no card", "[concurrency]") {
  const auto procs = test::start_e2e_reader(std::string(IDR_SOURCE_DIR) +
                                            "/tests/hostlib/scenarios/empty-field.json");
  auto t = open_transport(procs->uri());
  REQUIRE(t.ok());
  auto counting = std::make_unique<test::CountingTransport>(std::move(t).value());
  test::CountingTransport& spy = *counting;
  Reader reader = Reader::over(std::move(counting));

  // The wait's own limit is far beyond the case's ctest timeout, so only cancel() ends it:
  // a cancel that does not stop it leaves it polling until ctest fails the case, and any
  // other end gives another error than Cancelled; no wall-clock bound (DESIGN 9).
  auto waiting = std::async(std::launch::async, [&] {
    return reader.wait_for_card(std::chrono::hours(1), kAll).error();
  });
  // Wait (bounded) until the reader is really polling: a few finds went out.
  REQUIRE(spy.wait_for_writes(3, 10s));
  reader.cancel();
  CHECK(waiting.get() == Error::Cancelled);

  // Sticky until reset; then the reader works again.
  CHECK(reader.status().error() == Error::Cancelled);
  reader.reset_cancel();
  CHECK(reader.status().ok());
  auto none = reader.find_card();
  REQUIRE(none.ok());
  CHECK_FALSE(*none);
  CHECK(reader.wait_for_card(200ms).error() == Error::Timeout);
}
