#pragma once
// The usb: transport (libusb-1.0): the reader's vendor interface, bulk OUT/IN carrying the
// host-link frames (DESIGN 4).
//   usb:                 the first device with VID 0x1209 and the reader's PID
//   usb:?serial=X        the one whose iSerialNumber is X
//   usb:BUS:ADDR         the device at that bus number and address (decimal)
#include <memory>
#include <string>
#include <vector>

#include "idr/transport.h"

namespace idr::detail {

// The reader's USB identity (firmware/core/usb/usb_descriptors.h; hostlib does not depend
// on the firmware, so the numbers are repeated here).
inline constexpr uint16_t kUsbVendorId = 0x1209;
inline constexpr uint16_t kUsbProductId = 0x0001;

// `rest` is the URI after "usb:".
Result<std::unique_ptr<Transport>> open_usb(const std::string& rest);

}  // namespace idr::detail
