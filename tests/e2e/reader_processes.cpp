#include "reader_processes.h"

namespace idr::e2e {

ReaderProcesses::ReaderProcesses(const std::string& scenario_file,
                                 const std::vector<std::string>& firmware_options) {
  sim = std::make_unique<ChildProcess>(std::vector<std::string>{
      IDR_SIM_EXE, "--scenario", scenario_file, "--listen", "127.0.0.1:0"});
  sim_port = parse_loopback_port(sim->wait_for_line("listening on ", kStartTimeout));
  std::vector<std::string> argv{IDR_FIRMWARE_EXE, "--sim", "127.0.0.1:" + std::to_string(sim_port),
                                "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), firmware_options.begin(), firmware_options.end());
  firmware = std::make_unique<ChildProcess>(argv);
  host_port = parse_loopback_port(firmware->wait_for_line("host link on ", kStartTimeout));
}

}  // namespace idr::e2e
