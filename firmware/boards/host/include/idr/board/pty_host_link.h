#pragma once
// The host link of the host board as a pseudo-terminal: the firmware holds the master, a
// host opens the slave (/dev/pts/N) like a serial port (hostlib `serial:/dev/pts/N`).
// OS glue. The board also keeps the slave open itself, so the link survives hosts coming
// and going (a pty master reads EIO while no slave is open) and the line settings stay.
// A pty has no real baud rate; set_baud() changes the termios speed anyway, so a host
// that checks the line speed after set baud (60 PP) sees the new one.
#include <cstddef>
#include <cstdint>

#include "idr/hal/hal.h"

namespace idr::board {

class PtyHostLink final : public hal::HostLink {
 public:
  PtyHostLink() = default;
  ~PtyHostLink();
  PtyHostLink(const PtyHostLink&) = delete;
  PtyHostLink& operator=(const PtyHostLink&) = delete;

  // Makes the pty, raw 8N1 at 115200 (DESIGN 8). slave_path() names it.
  [[nodiscard]] Status open();
  [[nodiscard]] const char* slave_path() const { return slave_path_; }

  // Waits in REAL time, at most kMaxRealWaitMs per call (as TcpHostLink).
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  // Gives up (Io) when no host drains the line for kWriteTimeoutMs.
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;

  // The termios speed for `baud` (9600..921600); false for a rate termios lacks.
  [[nodiscard]] bool set_baud(uint32_t baud);
  [[nodiscard]] uint32_t baud() const { return baud_; }

  static constexpr int kMaxRealWaitMs = 20;
  static constexpr int kWriteTimeoutMs = 1000;

 private:
  int master_ = -1;
  int slave_ = -1;  // kept open: see the header comment
  uint32_t baud_ = 0;
  char slave_path_[64] = {};
};

}  // namespace idr::board
