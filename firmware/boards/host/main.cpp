// idr-firmware: the reader firmware as a Linux process (the host board). OS glue only:
// argument parsing, sockets, and the loop around ReaderApp.
//
//   idr-firmware --sim 127.0.0.1:PORT [--listen 127.0.0.1:PORT]
// The simulator is always another process (idr-sim): the board reaches it only over the sim
// wire (DESIGN 1, 3).
//   --front-end-standby: CLRC663 standby while the field is off (standby_front_end.h; the
//   simulator does not model standby, so under hw-sim this ends the run with a model error)
// A hardware fault (the simulator's ModelError) is reported to the host (SW3 60 to the
// command that met it); then idr-firmware prints the model's message and exits 3.
// Host link: TCP on loopback (PORT 0 = a free port), announced on stdout as
// "host link on 127.0.0.1:<port>"; or with --pty a pseudo-terminal, announced as
// "host link on /dev/pts/N" (a serial line for hostlib's serial: transport).
#include <cstdio>
#include <iostream>
#include <string>

#include "idr/board/host_board.h"
#include "idr/board/pty_host_link.h"
#include "idr/board/socket_sim_link.h"
#include "idr/board/tcp_host_link.h"
#include "idr/board/usb_host_mode.h"
#include "idr/board/vpcd_host_mode.h"
#include "idr/core/app/reader_app.h"
#include "idr/posix/loopback.h"

namespace {

void usage(std::ostream& out) {
  out << "usage: idr-firmware --sim 127.0.0.1:PORT [--listen 127.0.0.1:PORT "
         "| --pty | --usb 127.0.0.1:PORT [--usb-serial S] | --vpcd 127.0.0.1:PORT]\n"
         "       [--front-end-standby]\n"
         "  --sim                the simulator (idr-sim) to run against, over the sim wire\n"
         "  --listen             host link on TCP (PORT 0, the default, = a free port)\n"
         "  --pty                host link on a pseudo-terminal (a serial line)\n"
         "  --usb, --usb-serial  the reader's USB device on a socket USB controller, its\n"
         "                       serial number string (default IDR-SIM-0001)\n"
         "  --vpcd               a virtual card for pcscd's vpcd driver\n"
         "  --front-end-standby  CLRC663 in standby while the field is off (not modelled by\n"
         "                       the simulator: ends the run with a model error)\n";
}

// Set baud (60 PP) on the pty link changes its termios speed (pty_host_link.h).
struct PtyBaud final : idr::core::HostBaudHook {
  explicit PtyBaud(idr::board::PtyHostLink& l) : link(l) {}
  void set_host_baud(uint32_t baud) override { (void)link.set_baud(baud); }
  idr::board::PtyHostLink& link;
};

}  // namespace

int main(int argc, char** argv) {
  std::string sim_address;
  uint16_t sim_port = 0, host_port = 0;
  bool use_pty = false;
  idr::core::ReaderAppOptions app_options;
  std::string usb_address, usb_serial = "IDR-SIM-0001";  // --usb: USB device (usb_host_mode.h)
  std::string vpcd_address;  // --vpcd: a virtual card for pcscd's vpcd (vpcd_host_mode.h)
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    }
    if (a == "--sim" && i + 1 < argc) {
      sim_address = argv[++i];
      if (!idr::posix::parse_loopback_address(sim_address, sim_port) || sim_port == 0) {
        std::cerr << "idr-firmware: --sim takes 127.0.0.1:PORT\n";
        return 2;
      }
    } else if (a == "--listen" && i + 1 < argc) {
      if (!idr::posix::parse_loopback_address(argv[++i], host_port)) {
        std::cerr << "idr-firmware: --listen takes 127.0.0.1:PORT (loopback only)\n";
        return 2;
      }
    } else if (a == "--front-end-standby") {
      app_options.front_end_standby = true;
    } else if (a == "--pty") {
      use_pty = true;
    } else if (a == "--usb" && i + 1 < argc) {
      usb_address = argv[++i];
    } else if (a == "--usb-serial" && i + 1 < argc) {
      usb_serial = argv[++i];
    } else if (a == "--vpcd" && i + 1 < argc) {
      vpcd_address = argv[++i];
    } else {
      usage(std::cerr);
      return 2;
    }
  }
  if (sim_address.empty()) {
    usage(std::cerr);
    return 2;
  }

  static idr::board::SocketSimLink link;
  if (link.connect_loopback(sim_port) != idr::Status::Ok) {
    std::cerr << "idr-firmware: cannot connect to the simulator at " << sim_address << "\n";
    return 1;
  }

  static idr::board::TcpHostLink tcp_host;
  static idr::board::PtyHostLink pty_host;
  static PtyBaud pty_baud(pty_host);
  idr::hal::HostLink* host = &tcp_host;
  idr::core::HostBaudHook* baud_hook = nullptr;
  if (!vpcd_address.empty()) {
    if ((host = idr::board::start_vpcd_host_link(vpcd_address)) == nullptr) return 1;
  } else if (!usb_address.empty()) {
    if ((host = idr::board::start_usb_host_link(usb_address, usb_serial)) == nullptr) return 1;
  } else if (use_pty) {
    if (pty_host.open() != idr::Status::Ok) {
      std::cerr << "idr-firmware: cannot make a pseudo-terminal\n";
      return 1;
    }
    host = &pty_host;
    baud_hook = &pty_baud;
  } else if (tcp_host.listen_loopback(host_port) != idr::Status::Ok) {
    std::cerr << "idr-firmware: cannot listen on 127.0.0.1:" << host_port << "\n";
    return 1;
  }

  static idr::board::HostBoard board(link, *host);
  const idr::Status hello = board.start();
  if (hello != idr::Status::Ok) {
    std::cerr << "idr-firmware: simulator hello failed: " << idr::to_string(hello) << " "
              << board.wire().last_error() << "\n";
    return 1;
  }

  static idr::core::ReaderApp app(board.board(), baud_hook, app_options);
  const idr::Status init = app.init();
  if (init != idr::Status::Ok)
    std::cerr << "idr-firmware: reader init: " << idr::to_string(init) << " (will retry)\n";

  if (!usb_address.empty() || !vpcd_address.empty()) {
    // announced by start_usb_host_link / start_vpcd_host_link
  } else if (use_pty)
    std::printf("host link on %s\n", pty_host.slave_path());
  else
    std::printf("host link on 127.0.0.1:%u\n", static_cast<unsigned>(tcp_host.port()));
  std::fflush(stdout);

  while (!board.wire().link_broken() && !app.fault_reported()) app.run_once();
  if (app.fault_reported()) {
    std::cerr << "idr-firmware: reader fault reported to the host: " << board.wire().last_error()
              << "; stopping\n";
    return 3;
  }
  std::cerr << "idr-firmware: the simulator link broke; stopping\n";
  return 1;
}
