#include "idr/board/tcp_host_link.h"

#include <unistd.h>

#include "idr/posix/loopback.h"
#include "idr/posix/poll_wait.h"

namespace idr::board {

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
    if (!posix::readable(listen_, posix::wait_ms(timeout_us, kMaxRealWaitMs)))
      return Status::Timeout;
    client_ = posix::accept_client(listen_);
    if (client_ < 0) return Status::Timeout;
  }
  if (!posix::readable(client_, posix::wait_ms(timeout_us, kMaxRealWaitMs))) return Status::Timeout;
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
