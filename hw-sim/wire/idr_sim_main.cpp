// idr-sim: the simulator as a process. Serves board connections one at a time over TCP
// on loopback only (hw-sim/README.md).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/sim/wire_stream.h"

namespace {

void usage() {
  std::cerr
      << "usage: idr-sim --scenario FILE [--listen 127.0.0.1:PORT]   (PORT 0 = any free port)\n";
}

// Only "127.0.0.1:PORT": the simulator never listens on other addresses.
bool parse_listen(const std::string& s, uint16_t& port) {
  const std::string prefix = "127.0.0.1:";
  if (s.rfind(prefix, 0) != 0) return false;
  const std::string digits = s.substr(prefix.size());
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const unsigned long v = std::stoul(digits);
  if (v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
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
      if (!parse_listen(argv[++i], port)) {
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

    const int srv = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv < 0) throw std::runtime_error("socket failed");
    const int one = 1;
    (void)::setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(srv, 1) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port));
    socklen_t len = sizeof addr;
    if (::getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("getsockname");
    std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
    std::fflush(stdout);

    for (;;) {  // one board at a time; the simulation goes on across connections
      const int fd = ::accept4(srv, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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
