#include "idr/board/tcp_host_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

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
  listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_ < 0) return Status::Io;
  const int one = 1;
  (void)::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, never other addresses
  if (::bind(listen_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_, 4) != 0)
    return Status::Io;
  socklen_t len = sizeof addr;
  if (::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return Status::Io;
  port_ = ntohs(addr.sin_port);
  return Status::Ok;
}

Status TcpHostLink::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (listen_ < 0) return Status::Io;
  if (client_ < 0) {
    if (!readable(listen_, wait_ms(timeout_us))) return Status::Timeout;
    client_ = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client_ < 0) return Status::Timeout;
    const int one = 1;
    (void)::setsockopt(client_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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
  size_t sent = 0;
  while (sent < len) {
    const ssize_t r = ::send(client_, data + sent, len - sent, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      drop_client();
      return Status::Io;
    }
    sent += static_cast<size_t>(r);
  }
  return Status::Ok;
}

}  // namespace idr::board
