#pragma once
// SimLink over TCP to an idr-sim process on loopback (OS glue).
#include "idr/board/sim_link.h"

namespace idr::board {

class SocketSimLink final : public SimLink {
 public:
  SocketSimLink() = default;
  ~SocketSimLink() override;
  SocketSimLink(const SocketSimLink&) = delete;
  SocketSimLink& operator=(const SocketSimLink&) = delete;

  // Connects to 127.0.0.1:port. Io when nothing listens there.
  [[nodiscard]] Status connect_loopback(uint16_t port);
  [[nodiscard]] Status exchange(const uint8_t* request, size_t len, uint8_t* resp, size_t cap,
                                size_t& resp_len) override;

 private:
  int fd_ = -1;
};

}  // namespace idr::board
