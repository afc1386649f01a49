// Scenario JSON (hw-sim/scenario): any text either parses into a scenario the simulator is
// then built from, or is refused with std::runtime_error naming the field (scenario.h).
// Any other exception, a crash or a hang is a defect. File paths resolve in an empty
// directory.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"

namespace {

const std::string& empty_dir() {
  static const std::string dir = [] {
    auto p = std::filesystem::temp_directory_path() / "idr-fuzz-scenario-base";
    std::filesystem::create_directories(p);
    return p.string();
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  idr::sim::Scenario s;
  try {
    s = idr::sim::parse_scenario(text, empty_dir());
  } catch (const std::runtime_error&) {
    return 0;
  }
  try {
    idr::sim::Simulator sim(s);
  } catch (const std::runtime_error&) {
    // Refusing a scenario at build time is allowed too (its message names the problem).
  }
  return 0;
}
