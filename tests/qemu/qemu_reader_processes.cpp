// tests/e2e's ReaderProcesses for the QEMU board: the same legacy e2e test source
// (tests/e2e/legacy_e2e_test.cpp) runs against the Cortex-M4 image instead of the host
// board's idr-firmware. `firmware` is QEMU, `sim` is idr-sim --connect.
#include <stdexcept>

#include "qemu_reader.h"
#include "reader_processes.h"

namespace idr::e2e {

ReaderProcesses::ReaderProcesses(const std::string& scenario_file,
                                 const std::vector<std::string>& firmware_options) {
  if (!firmware_options.empty())
    throw std::invalid_argument("firmware options exist on the host board only");
  qemu::QemuReader reader(IDR_QEMU_FIRMWARE_ELF, IDR_SIM_EXE, scenario_file);
  firmware = std::move(reader.qemu);
  sim = std::move(reader.sim);
  host_port = reader.host_port;
  sim_port = reader.sim_port;
}

}  // namespace idr::e2e
