#pragma once
// Reader discovery: every reader this machine can reach, on every transport, as URIs that
// Reader::open accepts. `idr list` prints it.
//
// Each transport has its own list_*_readers() function, defined in that transport's
// source file. A transport that is not built into this library, or whose service is not
// there (no pcscd, no USB stack), answers an empty list, not an error: hostlib's
// src/discovery/discovery.cpp holds weak empty definitions that a transport's own
// (strong) definition replaces at link time.
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr {

struct ReaderInfo {
  std::string uri;          // e.g. "serial:/dev/ttyUSB0", "usb:1209:...", "pcsc:..."
  std::string description;  // one line for people, e.g. "USB serial adapter (by-id name)"
  std::string transport;    // "tcp", "serial", "usb" or "pcsc"
};

// All transports, in the order tcp, serial, usb, pcsc. A transport that fails is left out
// (its readers are not reachable); this call itself does not fail today, the Result is
// kept so that a future hard failure can be reported.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_readers();

// tcp: nothing to enumerate; $IDR_READER when it is a tcp:// URI.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_tcp_readers();
// serial: /dev/ttyUSB*, /dev/ttyACM*, the entries of $IDR_SERIAL_READERS (device paths
// or serial: URIs, separated by ',' or white space), and $IDR_READER when it is a
// serial: URI. Duplicates are listed once. Nothing is opened: a listed port may not
// have a reader behind it.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_serial_readers();
// usb (libusb, VID 0x1209) and pcsc (pcsc-lite): defined by those transports.
[[nodiscard]] Result<std::vector<ReaderInfo>> list_usb_readers();
[[nodiscard]] Result<std::vector<ReaderInfo>> list_pcsc_readers();

}  // namespace idr
