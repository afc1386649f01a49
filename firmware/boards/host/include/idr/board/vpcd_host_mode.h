#pragma once
// idr-firmware --vpcd 127.0.0.1:PORT: the host link as a virtual card for pcscd's vpcd
// driver (vpcd_host_link.h). OS glue for main.cpp.
#include <string>

#include "idr/hal/hal.h"

namespace idr::board {

// The link to vpcd listening on the loopback address (it connects, and reconnects, while the
// firmware runs); announces "vpcd card for 127.0.0.1:<port>" on stdout. nullptr (with a
// message on stderr) when the address is not 127.0.0.1:PORT with PORT > 0. Lives until exit.
hal::HostLink* start_vpcd_host_link(const std::string& address);

}  // namespace idr::board
