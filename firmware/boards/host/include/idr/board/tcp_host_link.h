#pragma once
// The host link of the host board: a TCP server on loopback accepting one host client at
// a time (OS glue). When the client goes, read/write return Io once and the next read
// accepts the next client.
#include <cstdint>

#include "idr/hal/hal.h"

namespace idr::board {

class TcpHostLink final : public hal::HostLink {
 public:
  TcpHostLink() = default;
  ~TcpHostLink();
  TcpHostLink(const TcpHostLink&) = delete;
  TcpHostLink& operator=(const TcpHostLink&) = delete;

  // Listens on 127.0.0.1:port (0 = a free port); port() tells which.
  [[nodiscard]] Status listen_loopback(uint16_t port);
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] bool has_client() const { return client_ >= 0; }

  // Waits in REAL time (the host is a real process), at most kMaxRealWaitMs per call so
  // the firmware loop stays responsive; Timeout when nothing came.
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;

  static constexpr int kMaxRealWaitMs = 20;

 private:
  void drop_client();
  int listen_ = -1;
  int client_ = -1;
  uint16_t port_ = 0;
};

}  // namespace idr::board
