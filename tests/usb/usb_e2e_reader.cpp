// start_e2e_reader for usb: (tests/hostlib e2e_reader.h) and UsbReaderProcesses.
#include "usb_e2e_reader.h"

#include "e2e_reader.h"

namespace idr::test {

namespace {
constexpr std::chrono::milliseconds kStartTimeout{15'000};
}

UsbReaderProcesses::UsbReaderProcesses(const std::string& scenario_file, const std::string& serial)
    : serial_(serial) {
  sim = std::make_unique<e2e::ChildProcess>(std::vector<std::string>{
      IDR_SIM_EXE, "--scenario", scenario_file, "--listen", "127.0.0.1:0"});
  sim_port_ = e2e::parse_loopback_port(sim->wait_for_line("listening on ", kStartTimeout));
  start_firmware();
  device = std::make_unique<MockUsbDevice>(bus_port_);
}

void UsbReaderProcesses::start_firmware() {
  firmware = std::make_unique<e2e::ChildProcess>(
      std::vector<std::string>{IDR_FIRMWARE_EXE, "--sim", "127.0.0.1:" + std::to_string(sim_port_),
                               "--usb", "127.0.0.1:0", "--usb-serial", serial_});
  bus_port_ = e2e::parse_loopback_port(firmware->wait_for_line("usb bus on ", kStartTimeout));
}

namespace {

class UsbE2eReader final : public E2eReader {
 public:
  explicit UsbE2eReader(const std::string& scenario_file) : procs_(scenario_file, "IDR-E2E-0001") {}
  [[nodiscard]] std::string uri() const override { return "usb:"; }

 private:
  UsbReaderProcesses procs_;
};

}  // namespace

std::unique_ptr<E2eReader> start_e2e_reader(const std::string& scenario_file) {
  return std::make_unique<UsbE2eReader>(scenario_file);
}

}  // namespace idr::test
