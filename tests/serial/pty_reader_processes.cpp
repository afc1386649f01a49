#include "pty_reader_processes.h"

#include <chrono>
#include <stdexcept>
#include <vector>

namespace idr::test {

namespace {
constexpr std::chrono::milliseconds kStartTimeout{15'000};
}

PtyReaderProcesses::PtyReaderProcesses(const std::string& scenario_file) {
  sim = std::make_unique<e2e::ChildProcess>(std::vector<std::string>{
      IDR_SIM_EXE, "--scenario", scenario_file, "--listen", "127.0.0.1:0"});
  const unsigned short sim_port =
      e2e::parse_loopback_port(sim->wait_for_line("listening on ", kStartTimeout));
  firmware = std::make_unique<e2e::ChildProcess>(std::vector<std::string>{
      IDR_FIRMWARE_EXE, "--sim", "127.0.0.1:" + std::to_string(sim_port), "--pty"});
  pty_path = firmware->wait_for_line("host link on ", kStartTimeout);
  if (pty_path.compare(0, 9, "/dev/pts/") != 0)
    throw std::runtime_error("idr-firmware --pty announced '" + pty_path + "', not /dev/pts/N");
}

}  // namespace idr::test
