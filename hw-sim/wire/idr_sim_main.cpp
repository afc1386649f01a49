// idr-sim: the simulator as a process. Serves board connections one at a time over TCP
// on loopback only (hw-sim/README.md), or connects out to one board (QEMU's UART1
// chardev is the server there: --connect). A model error ends the run: printed at once
// ("model error: ..." on stdout and stderr), the board is answered ModelError, and idr-sim
// exits 3 when that board's connection ends (hw-sim/README.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <thread>

#include "idr/posix/loopback.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/sim/wire_stream.h"

namespace {

void usage(std::ostream& out) {
  out << "usage: idr-sim --scenario FILE [--listen 127.0.0.1:PORT | --connect 127.0.0.1:PORT]\n"
         "  --listen: serve boards one at a time (PORT 0 = any free port; the default)\n"
         "  --connect: connect to one board (e.g. QEMU's UART1 socket), retrying while it\n"
         "             is not listening yet, serve it, exit when it goes\n"
         "exit status: 0 clean, 1 stream or start-up error, 2 usage, 3 model error\n";
}

// How long --connect keeps retrying: QEMU opens its UART1 socket only after its UART0
// client came (chardevs with wait=on are set up in order).
constexpr std::chrono::seconds kConnectRetryFor{60};

// Exit status after a model error (0 clean, 1 stream or start-up error, 2 usage).
constexpr int kExitModelError = 3;

// Prints the model's message where a person and a test harness both see it: stdout (the
// line test harnesses read, flushed before the board gets its answer) and stderr.
void report_model_error(const std::string& what) {
  std::printf("model error: %s\n", what.c_str());
  std::fflush(stdout);
  std::cerr << "idr-sim: model error: " << what << "\n";
}

int connect_with_retry(uint16_t port) {
  const auto deadline = std::chrono::steady_clock::now() + kConnectRetryFor;
  for (;;) {
    const int fd = idr::posix::connect_loopback(port);
    if (fd >= 0 || std::chrono::steady_clock::now() >= deadline) return fd;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario_path;
  uint16_t port = 0;
  uint16_t connect_port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    }
    if (a == "--scenario" && i + 1 < argc) {
      scenario_path = argv[++i];
    } else if (a == "--listen" && i + 1 < argc) {
      // Only "127.0.0.1:PORT": the simulator never listens on other addresses.
      if (!idr::posix::parse_loopback_address(argv[++i], port)) {
        std::cerr << "idr-sim: --listen takes 127.0.0.1:PORT (loopback only)\n";
        return 2;
      }
    } else if (a == "--connect" && i + 1 < argc) {
      if (!idr::posix::parse_loopback_address(argv[++i], connect_port) || connect_port == 0) {
        std::cerr << "idr-sim: --connect takes 127.0.0.1:PORT (loopback only)\n";
        return 2;
      }
    } else {
      usage(std::cerr);
      return 2;
    }
  }
  if (scenario_path.empty()) {
    usage(std::cerr);
    return 2;
  }
  try {
    const idr::sim::Scenario scenario = idr::sim::load_scenario(scenario_path);
    idr::sim::Simulator sim(scenario);
    sim.on_model_error(report_model_error);

    if (connect_port != 0) {
      const int fd = connect_with_retry(connect_port);
      if (fd < 0)
        throw std::runtime_error("nothing listens on 127.0.0.1:" + std::to_string(connect_port));
      std::printf("connected to 127.0.0.1:%u\n", static_cast<unsigned>(connect_port));
      std::fflush(stdout);
      const bool clean = idr::sim::serve_connection(fd, sim);
      ::close(fd);
      if (!clean) std::cerr << "idr-sim: board connection dropped (stream error)\n";
      if (!sim.model_failure().empty()) {
        std::cerr << "idr-sim: stopped on a model error: " << sim.model_failure() << "\n";
        return kExitModelError;
      }
      return clean ? 0 : 1;
    }

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
      // A failed simulation serves no further board: its state is no longer the models'.
      if (!sim.model_failure().empty()) {
        std::cerr << "idr-sim: stopped on a model error: " << sim.model_failure() << "\n";
        return kExitModelError;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "idr-sim: " << e.what() << "\n";
    return 1;
  }
}
