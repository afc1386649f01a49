// `idr sim`: the reader it starts answers, the command's exit status comes back, and no
// child process outlives it.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "idr/sim/scenario.h"

using namespace idr::cli_test;

namespace {

// DESIGN 8: the SAM id is u16 LE, u16 LE, u32 LE x3, shown as %02d.%02d-%08u-%010u-%010u.
std::string sam_id_text(const std::array<uint8_t, 16>& b) {
  auto u16 = [&](size_t i) { return static_cast<unsigned>(b[i] | (b[i + 1] << 8)); };
  auto u32 = [&](size_t i) {
    return static_cast<unsigned>(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) |
           (static_cast<unsigned>(b[i + 3]) << 24);
  };
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02u.%02u-%08u-%010u-%010u", u16(0), u16(2), u32(4), u32(8),
                u32(12));
  return buf;
}

}  // namespace

TEST_CASE("idr sim -- COMMAND: IDR_READER is set and the exit status comes back", "[sim]") {
  const std::string scenario = kSamples + "resident-fingerprint.json";
  const Run r = run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "sh", "-c",
                         "echo \"$IDR_READER\"; exit 7"});
  CHECK(r.status == 7);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].rfind("tcp://127.0.0.1:", 0) == 0);

  CHECK(
      run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "sh", "-c", "exit 0"}).status ==
      0);
  CHECK(
      run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "no-such-program-xyz"}).status ==
      127);
}

TEST_CASE("idr sim -- COMMAND leaves no child process behind", "[sim]") {
  idr::tool::SpawnOptions options;
  options.capture_stdout = true;
  idr::tool::ChildProcess sim({IDR_TOOL_EXE, "sim", "--scenario", kSamples + "permit-j.json",
                               "--port", "0", "--", "sh", "-c", "echo ready; sleep 1; exit 5"},
                              options);
  (void)sim.wait_for_line("ready", kBound);
  const auto children = children_of(sim.pid());
  CHECK(children.size() == 3);  // idr-sim, idr-firmware, the command
  (void)sim.read_all(kBound);
  CHECK(sim.wait() == 5);
  for (const pid_t c : children) {
    INFO("child " << c);
    CHECK(gone(c));
  }
}

TEST_CASE("idr sim: serves until SIGTERM and then stops its children", "[sim][concurrency]") {
  const std::string scenario = kSamples + "resident-fingerprint.json";
  std::vector<pid_t> children;
  {
    SimulatedReader reader(scenario);
    children = children_of(reader.process->pid());
    CHECK(children.size() == 2);  // idr-sim and idr-firmware

    // The reader it announced is the scenario's: info and sam-id answer with its SAM id.
    const std::string expected = sam_id_text(idr::sim::load_scenario(scenario).sam_id);
    const Run sam = run_idr({"sam-id", "--reader", reader.uri});
    CHECK(sam.status == 0);
    CHECK(sam.out == expected + "\n");
    const Run info = run_idr({"info", "--reader", reader.uri, "--json"});
    CHECK(info.status == 0);
    const auto j = nlohmann::json::parse(info.out);
    CHECK(j.at("status") == "ok");
    CHECK(j.at("sam_id") == expected);
    CHECK(j.at("reader") == reader.uri);
  }  // SIGTERM, waited for
  for (const pid_t c : children) {
    INFO("child " << c);
    CHECK(gone(c));
  }
}
