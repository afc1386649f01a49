#include "reader_processes.h"

namespace idr::e2e {

ReaderProcesses::ReaderProcesses(const std::string& scenario_file) {
  sim = std::make_unique<ChildProcess>(std::vector<std::string>{
      IDR_SIM_EXE, "--scenario", scenario_file, "--listen", "127.0.0.1:0"});
  sim_port = parse_loopback_port(sim->wait_for_line("listening on ", kStartTimeout));
  firmware = std::make_unique<ChildProcess>(
      std::vector<std::string>{IDR_FIRMWARE_EXE, "--sim", "127.0.0.1:" + std::to_string(sim_port),
                               "--listen", "127.0.0.1:0"});
  host_port = parse_loopback_port(firmware->wait_for_line("host link on ", kStartTimeout));
}

}  // namespace idr::e2e
