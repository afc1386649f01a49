#pragma once
// A byte-stream link to a reader. Every transport (tcp, serial; usb and pcsc later) carries
// the same host-link frames (DESIGN 4). Implementations are not thread-safe; Reader
// serialises access. cancel() is the exception: any thread may call it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "idr/error.h"

namespace idr {

class Transport {
 public:
  virtual ~Transport() = default;
  // Writes all of data or fails (TransportClosed, Io, Cancelled).
  virtual Result<void> write(const uint8_t* data, size_t len) = 0;
  // Reads what is available, at least one byte, waiting up to timeout. Returns the count;
  // Timeout when nothing came, TransportClosed when the peer went away, Cancelled when
  // cancel() was called during the wait.
  virtual Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) = 0;
  // Drops any bytes received and not read (a late reply must not answer the next command).
  virtual void discard_input() = 0;
  // Wakes a blocked read() from any thread; it returns Cancelled. Sticky until reset_cancel().
  virtual void cancel() = 0;
  virtual void reset_cancel() = 0;
  // A one-line description for logs, e.g. "tcp://127.0.0.1:5000".
  [[nodiscard]] virtual std::string describe() const = 0;
};

// Opens a transport from a URI: "tcp://HOST:PORT", "serial:/dev/ttyX[?baud=N]" (default
// 115200). InvalidArgument for a malformed URI, Unsupported for an unknown scheme,
// TransportOpen when it cannot connect.
[[nodiscard]] Result<std::unique_ptr<Transport>> open_transport(const std::string& uri);

}  // namespace idr
