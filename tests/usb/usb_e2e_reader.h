#pragma once
// The reader over usb: for tests: idr-sim + idr-firmware --usb as child processes and the
// firmware's USB device presented to libusb through umockdev (MockUsbDevice).
#include <memory>
#include <string>

#include "child_process.h"
#include "mock_usb_device.h"

namespace idr::test {

class UsbReaderProcesses {
 public:
  // Throws with a clear message when a process or the mock device cannot start.
  UsbReaderProcesses(const std::string& scenario_file, const std::string& serial);
  [[nodiscard]] uint16_t bus_port() const { return bus_port_; }

  std::unique_ptr<e2e::ChildProcess> sim;
  std::unique_ptr<e2e::ChildProcess> firmware;
  std::unique_ptr<MockUsbDevice> device;

 private:
  void start_firmware();
  std::string serial_;
  unsigned short sim_port_ = 0;
  uint16_t bus_port_ = 0;
};

}  // namespace idr::test
