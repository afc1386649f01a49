#include "idr/board/socket_sim_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace idr::board {

namespace {

bool read_exact(int fd, uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, buf + got, n - got);
    if (r == 0) return false;
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

SocketSimLink::~SocketSimLink() {
  if (fd_ >= 0) ::close(fd_);
}

Status SocketSimLink::connect_loopback(uint16_t port) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::Io;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return Status::Io;
  }
  // Small request/response messages: do not let Nagle delay them.
  const int one = 1;
  (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return Status::Ok;
}

Status SocketSimLink::exchange(const uint8_t* request, size_t len, uint8_t* resp, size_t cap,
                               size_t& resp_len) {
  resp_len = 0;
  if (fd_ < 0) return Status::Io;
  size_t sent = 0;
  while (sent < len) {
    const ssize_t r = ::send(fd_, request + sent, len - sent, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::Io;
    }
    sent += static_cast<size_t>(r);
  }
  if (cap < 2 || !read_exact(fd_, resp, 2)) return Status::Io;
  const size_t body = static_cast<size_t>(resp[0]) | (static_cast<size_t>(resp[1]) << 8);
  if (body == 0 || body + 2 > cap) return Status::Io;
  if (!read_exact(fd_, resp + 2, body)) return Status::Io;
  resp_len = body + 2;
  return Status::Ok;
}

}  // namespace idr::board
