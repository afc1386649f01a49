#include "idr/board/tcp_host_link.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "idr/posix/loopback.h"

namespace idr::board {

namespace {

int wait_ms(uint32_t timeout_us) {
  const uint32_t ms = (timeout_us + 999) / 1000;
  return ms < static_cast<uint32_t>(TcpHostLink::kMaxRealWaitMs) ? static_cast<int>(ms)
                                                                 : TcpHostLink::kMaxRealWaitMs;
}

bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

}  // namespace

TcpHostLink::~TcpHostLink() {
  drop_client();
  if (listen_ >= 0) ::close(listen_);
}

void TcpHostLink::drop_client() {
  if (client_ >= 0) ::close(client_);
  client_ = -1;
}

Status TcpHostLink::listen_loopback(uint16_t port) {
  listen_ = posix::listen_loopback(port, port_, 4);  // loopback only, never other addresses
  return listen_ >= 0 ? Status::Ok : Status::Io;
}

Status TcpHostLink::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (listen_ < 0) return Status::Io;
  if (client_ < 0) {
    if (!readable(listen_, wait_ms(timeout_us))) return Status::Timeout;
    client_ = posix::accept_client(listen_);
    if (client_ < 0) return Status::Timeout;
  }
  if (!readable(client_, wait_ms(timeout_us))) return Status::Timeout;
  const ssize_t r = ::read(client_, buf, max);
  if (r <= 0) {
    drop_client();  // the host went away; the next read accepts a new one
    return Status::Io;
  }
  got = static_cast<size_t>(r);
  return Status::Ok;
}

Status TcpHostLink::write(const uint8_t* data, size_t len) {
  if (client_ < 0) return Status::Io;
  if (posix::write_all(client_, data, len)) return Status::Ok;
  drop_client();
  return Status::Io;
}

}  // namespace idr::board
