#pragma once
// idr-firmware's USB host-link mode (OS glue): the firmware's USB device layer on the
// socket USB controller model, its bus listening on loopback for the test harness that
// plays the USB host (tests/usb).
#include <string>

#include "idr/hal/hal.h"

namespace idr::board {

// Parses "127.0.0.1:PORT" (0 = a free port), listens, prints "usb bus on 127.0.0.1:<port>"
// on stdout and returns the USB device as the host link; nullptr (message on stderr) on
// failure. The objects live for the rest of the process. `serial` is iSerialNumber.
[[nodiscard]] hal::HostLink* start_usb_host_link(const std::string& address,
                                                 const std::string& serial);

}  // namespace idr::board
