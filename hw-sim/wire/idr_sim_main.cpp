// idr-sim: the simulator as a process. Serves board connections one at a time over TCP
// on loopback only (hw-sim/README.md).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "idr/posix/loopback.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/sim/wire_stream.h"

namespace {

void usage() {
  std::cerr
      << "usage: idr-sim --scenario FILE [--listen 127.0.0.1:PORT]   (PORT 0 = any free port)\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario_path;
  uint16_t port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--scenario" && i + 1 < argc) {
      scenario_path = argv[++i];
    } else if (a == "--listen" && i + 1 < argc) {
      // Only "127.0.0.1:PORT": the simulator never listens on other addresses.
      if (!idr::posix::parse_loopback_address(argv[++i], port)) {
        std::cerr << "idr-sim: --listen takes 127.0.0.1:PORT (loopback only)\n";
        return 2;
      }
    } else {
      usage();
      return 2;
    }
  }
  if (scenario_path.empty()) {
    usage();
    return 2;
  }
  try {
    const idr::sim::Scenario scenario = idr::sim::load_scenario(scenario_path);
    idr::sim::Simulator sim(scenario);

    uint16_t bound_port = 0;
    const int srv = idr::posix::listen_loopback(port, bound_port, 1);
    if (srv < 0) throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port));
    std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(bound_port));
    std::fflush(stdout);

    for (;;) {  // one board at a time; the simulation goes on across connections
      const int fd = idr::posix::accept_client(srv);
      if (fd < 0) continue;
      if (!idr::sim::serve_connection(fd, sim))
        std::cerr << "idr-sim: board connection dropped (stream error)\n";
      ::close(fd);
      for (const auto& e : sim.model_errors()) std::cerr << "idr-sim: model error: " << e << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "idr-sim: " << e.what() << "\n";
    return 1;
  }
}
