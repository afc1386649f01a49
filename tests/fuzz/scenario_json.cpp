// Scenario JSON (hw-sim/scenario): any text either parses into a scenario the simulator is
// then built from, or is refused with std::runtime_error naming the field (scenario.h).
// Any other exception, a crash or a hang is a defect. File paths resolve in a directory of
// card files: a photo, fingerprints of 512 and 1024 bytes, a photo too large and a
// fingerprint of a size no card has (the seeds name them).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"

namespace {

// Made once per process, removed at its exit.
struct CardFiles {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("idr-fuzz-scenario-base-" + std::to_string(getpid()));
  CardFiles() {
    std::filesystem::create_directories(dir);
    const struct {
      const char* name;
      size_t size;
    } files[] = {{"photo.bin", 1024},
                 {"fingerprint-512.bin", 512},
                 {"fingerprint-1024.bin", 1024},
                 {"photo-too-large.bin", 1025},
                 {"fingerprint-bad-size.bin", 100}};
    for (const auto& f : files)
      std::ofstream(dir / f.name, std::ios::binary) << std::string(f.size, '\x5A');
  }
  ~CardFiles() { std::filesystem::remove_all(dir); }
};

const std::string& card_files_dir() {
  static const CardFiles files;
  static const std::string dir = files.dir.string();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  idr::sim::Scenario s;
  try {
    s = idr::sim::parse_scenario(text, card_files_dir());
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
