// idr-fleet-engines: the fleet layer's engines (idr::testing::FleetEngines) for a developer,
// run by `toolchain/fleet up`: starts them, prints where they are, and keeps them until
// SIGTERM or SIGINT (`toolchain/fleet down`), then stops them and removes their directory.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "idr/testing/fleet_engines.h"

int main(int argc, char** argv) {
  idr::testing::FleetOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--nats-nodes") == 0 && i + 1 < argc) {
      options.nats_nodes = std::atoi(argv[++i]);
      if (options.nats_nodes < 1 || options.nats_nodes > 9) {
        std::cerr << "idr-fleet-engines: --nats-nodes must be 1..9\n";
        return 64;
      }
    } else {
      std::cerr << "usage: idr-fleet-engines [--nats-nodes N]\n";
      return 64;
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // taken by sigwait below
  try {
    idr::testing::FleetEngines engines(options);
    std::cout << "nats: " << engines.nats_urls() << "\n"
              << "postgres: " << engines.postgres_conninfo() << "\n"
              << "dir: " << engines.dir() << "\n"
              << "ready" << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
  } catch (const std::exception& e) {
    std::cerr << "idr-fleet-engines: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
