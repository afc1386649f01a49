#include "idr/board/vpcd_host_mode.h"

#include <cstdio>

#include "idr/board/vpcd_host_link.h"
#include "idr/posix/loopback.h"

namespace idr::board {

hal::HostLink* start_vpcd_host_link(const std::string& address) {
  static VpcdHostLink link;  // about 17 KiB of buffers: static, never on the stack
  uint16_t port = 0;
  if (!posix::parse_loopback_address(address, port) || port == 0) {
    std::fprintf(stderr, "idr-firmware: --vpcd takes 127.0.0.1:PORT (loopback only)\n");
    return nullptr;
  }
  if (link.connect_to(port) != Status::Ok) return nullptr;
  std::printf("vpcd card for 127.0.0.1:%u\n", static_cast<unsigned>(link.port()));
  std::fflush(stdout);
  return &link;
}

}  // namespace idr::board
