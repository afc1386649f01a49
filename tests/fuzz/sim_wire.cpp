// The simulator's sim-wire handling (hw-sim/wire): a stream of requests (LEN u16 LE | TYPE |
// payload, cut as the stream server cuts them) against the real models of a scenario with
// one card (its fingerprint too). The simulator never throws on board input (simulator.h): every
// request gets a response that fits the buffer and starts with its own LEN.
#include <cstdlib>
#include <memory>
#include <vector>

#include "fuzz_input.h"
#include "idr/proto/simwire.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"

namespace {

const idr::sim::Scenario& scenario() {
  static const idr::sim::Scenario s = idr::sim::load_scenario(
      std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/resident-fingerprint.json");
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idr::sim::Simulator sim(scenario());
  std::vector<uint8_t> out(idr::simwire::kMaxMessage);
  size_t pos = 0;
  for (int n = 0; n < 512 && pos + 2 <= size; ++n) {
    const size_t len = data[pos] | (static_cast<size_t>(data[pos + 1]) << 8);
    const size_t take = std::min(size - pos, 2 + len);
    const size_t answered = sim.handle(data + pos, take, out.data(), out.size());
    if (answered < 3 || answered > out.size()) abort();
    const size_t said = out[0] | (static_cast<size_t>(out[1]) << 8);
    if (said + 2 != answered) abort();
    pos += take;
  }
  return 0;
}
