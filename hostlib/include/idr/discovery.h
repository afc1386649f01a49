#pragma once
// Reader discovery: every reader this machine can reach, on every transport, as URIs that
// Reader::open accepts. `idr list` prints it.
//
// Each transport has its own list_*_readers() function, defined in that transport's
// source file. A transport that is not built into this library answers Unsupported; one
// whose service is not there (no pcscd, no usbfs) answers TransportOpen.
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr {

struct ReaderInfo {
  std::string uri;          // e.g. "serial:/dev/ttyUSB0", "usb:1209:...", "pcsc:..."
  std::string description;  // one line for people, e.g. "USB serial adapter (by-id name)"
  std::string transport;    // "tcp", "serial", "usb" or "pcsc"
};

// All transports, in the order tcp, serial, usb, pcsc. A transport whose list fails is left
// out (its readers are not reachable); this call itself does not fail today, the Result is
// kept so that a future hard failure can be reported.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_readers();

// tcp: nothing to enumerate; $IDR_READER when it is a tcp:// URI.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_tcp_readers();
// serial: /dev/ttyUSB*, /dev/ttyACM*, the entries of $IDR_SERIAL_READERS (device paths
// or serial: URIs, separated by ',' or white space), and $IDR_READER when it is a
// serial: URI. Duplicates are listed once. Nothing is opened: a listed port may not
// have a reader behind it.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_serial_readers();
// usb (libusb): every device whose device descriptor has the reader's VID 0x1209 and PID
// 0x0001, as "usb:BUS:ADDR?serial=X" (serial from its iSerialNumber string when the device
// can be opened; no interface is claimed). TransportOpen when libusb cannot start.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_usb_readers();
// pcsc (pcsc-lite): every reader of SCardListReaders holding a card whose ATR is the reader
// application's (idr/proto/pcsc_envelope.h), as "pcsc:READER NAME"; other cards and empty
// slots are left out. No card is connected to. TransportOpen when pcscd does not answer.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_pcsc_readers();

}  // namespace idr
