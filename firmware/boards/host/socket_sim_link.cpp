#include "idr/board/socket_sim_link.h"

#include <unistd.h>

#include "idr/posix/loopback.h"

namespace idr::board {

SocketSimLink::~SocketSimLink() {
  if (fd_ >= 0) ::close(fd_);
}

Status SocketSimLink::connect_loopback(uint16_t port) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = posix::connect_loopback(port);  // TCP_NODELAY: small request/response messages
  return fd_ >= 0 ? Status::Ok : Status::Io;
}

Status SocketSimLink::exchange(const uint8_t* request, size_t len, uint8_t* resp, size_t cap,
                               size_t& resp_len) {
  resp_len = 0;
  if (fd_ < 0) return Status::Io;
  if (!posix::write_all(fd_, request, len)) return Status::Io;
  if (cap < 2 || !posix::read_exact(fd_, resp, 2)) return Status::Io;
  const size_t body = static_cast<size_t>(resp[0]) | (static_cast<size_t>(resp[1]) << 8);
  if (body == 0 || body + 2 > cap) return Status::Io;
  if (!posix::read_exact(fd_, resp + 2, body)) return Status::Io;
  resp_len = body + 2;
  return Status::Ok;
}

}  // namespace idr::board
