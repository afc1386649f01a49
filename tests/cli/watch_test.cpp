// `idr watch` (three cards arrive and leave one after another: three
// reads, in order, each once) and a clean stop on SIGINT.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "idr/sim/scenario.h"

using namespace idr::cli_test;
using nlohmann::json;

TEST_CASE("idr watch --count 3: three sequential cards in order and each once", "[watch]") {
  const std::string scenario = kSamples + "three-cards-sequential.json";
  const auto cards = idr::sim::load_scenario(scenario).cards;
  REQUIRE(cards.size() == 3);
  SimulatedReader reader(scenario);
  // Bounded: run_idr fails the test if watch has not printed 3 cards and exited in time.
  const Run r = run_idr({"watch", "--reader", reader.uri, "--json", "--count", "3"});
  REQUIRE(r.status == 0);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    INFO("line " << i << ": " << out[i]);
    const json card = json::parse(out[i]);
    CHECK(card.at("id_number") == cards[i].spec.text.at("id_number"));
    CHECK(card.at("name") == cards[i].spec.text.at("name"));
  }
}

TEST_CASE("idr watch: human lines name each card and SIGINT stops it with exit 130",
          "[watch][concurrency]") {
  const std::string scenario = kSamples + "three-cards-sequential.json";
  const auto first = idr::sim::load_scenario(scenario).cards.at(0).spec;
  SimulatedReader reader(scenario);
  idr::tool::SpawnOptions options;
  options.capture_stdout = true;
  idr::tool::ChildProcess watch({IDR_TOOL_EXE, "watch", "--reader", reader.uri}, options);
  // The first card's line: "<type>  <id number>  <name>  ..." (waits for the read itself).
  const std::string line = watch.wait_for_line("resident  ", kBound);
  CHECK(line.rfind(first.text.at("id_number") + "  " + first.text.at("name") + "  ", 0) == 0);
  watch.signal(SIGINT);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (watch.running() && std::chrono::steady_clock::now() < deadline) ::usleep(10'000);
  REQUIRE_FALSE(watch.running());
  CHECK(watch.exit_status() == 130);
}
