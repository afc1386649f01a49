#include "idr/board/usb_host_mode.h"

#include <cstdio>
#include <iostream>

#include "idr/board/socket_usb_controller.h"
#include "idr/core/usb/usb_device.h"
#include "idr/posix/loopback.h"

namespace idr::board {

hal::HostLink* start_usb_host_link(const std::string& address, const std::string& serial) {
  uint16_t port = 0;
  if (!posix::parse_loopback_address(address, port)) {
    std::cerr << "idr-firmware: --usb takes 127.0.0.1:PORT (loopback only)\n";
    return nullptr;
  }
  if (serial.empty() || serial.size() > core::usb::kMaxSerialChars) {
    std::cerr << "idr-firmware: --usb-serial takes 1.." << core::usb::kMaxSerialChars
              << " characters\n";
    return nullptr;
  }
  static SocketUsbController controller;
  if (controller.listen_loopback(port) != Status::Ok) {
    std::cerr << "idr-firmware: cannot listen on " << address << "\n";
    return nullptr;
  }
  static core::usb::UsbDevice device(controller, serial.c_str());
  std::printf("usb bus on 127.0.0.1:%u\n", static_cast<unsigned>(controller.port()));
  std::fflush(stdout);
  return &device;
}

}  // namespace idr::board
