#include "fd_transport.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace idr::detail {

using Clock = std::chrono::steady_clock;

namespace {

int remaining_ms(Clock::time_point deadline) {
  // Rounded up so a sub-millisecond remainder still waits instead of spinning.
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 0x7FFFFFFF ? 0x7FFFFFFF : static_cast<int>(left.count());
}

}  // namespace

int make_wake_fd() {
  return ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

FdTransport::FdTransport(int fd, bool is_socket, std::string description)
    : fd_(fd), wake_(make_wake_fd()), is_socket_(is_socket), description_(std::move(description)) {}

FdTransport::~FdTransport() {
  if (fd_ >= 0) ::close(fd_);
  if (wake_ >= 0) ::close(wake_);
}

bool FdTransport::cancelled() const {
  pollfd p{wake_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

void FdTransport::cancel() {
  const uint64_t one = 1;
  // eventfd: the counter stays non-zero (readable) until reset_cancel() reads it.
  [[maybe_unused]] const ssize_t n = ::write(wake_, &one, sizeof(one));
}

void FdTransport::reset_cancel() {
  uint64_t value = 0;
  [[maybe_unused]] const ssize_t n = ::read(wake_, &value, sizeof(value));
}

Result<void> FdTransport::write(const uint8_t* data, size_t len) {
  if (wake_ < 0) return Error::Io;
  if (cancelled()) return Error::Cancelled;
  size_t done = 0;
  auto deadline = Clock::now() + kWriteTimeout;
  while (done < len) {
    const ssize_t n = is_socket_ ? ::send(fd_, data + done, len - done, MSG_NOSIGNAL)
                                 : ::write(fd_, data + done, len - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      deadline = Clock::now() + kWriteTimeout;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return (errno == EPIPE || errno == ECONNRESET || errno == EIO) ? Error::TransportClosed
                                                                     : Error::Io;
    }
    pollfd p[2] = {{fd_, POLLOUT, 0}, {wake_, POLLIN, 0}};
    const int r = ::poll(p, 2, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::Io;
    if (p[1].revents & POLLIN) return Error::Cancelled;
    if (r == 0) return Error::Timeout;
    if ((p[0].revents & (POLLERR | POLLHUP)) && !(p[0].revents & POLLOUT))
      return Error::TransportClosed;
  }
  return {};
}

Result<size_t> FdTransport::read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) {
  if (wake_ < 0) return Error::Io;
  if (buf == nullptr || max == 0) return Error::InvalidArgument;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_, POLLIN, 0}};
    const int r = ::poll(p, 2, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::Io;
    if (p[1].revents & POLLIN) return Error::Cancelled;
    if (r == 0) {
      if (Clock::now() >= deadline) return Error::Timeout;
      continue;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(fd_, buf, max);
      if (n > 0) return static_cast<size_t>(n);
      if (n == 0) return Error::TransportClosed;
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      // A pty whose other side closed reads EIO; a reset socket ECONNRESET.
      if (errno == EIO || errno == ECONNRESET) return Error::TransportClosed;
      return Error::Io;
    }
    if (p[0].revents & POLLNVAL) return Error::Io;
  }
}

void FdTransport::discard_input() {
  uint8_t scratch[512];
  // Bounded: a peer streaming without pause cannot keep us here for ever.
  for (int i = 0; i < 4096; ++i) {
    const ssize_t n = ::read(fd_, scratch, sizeof(scratch));
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
}

}  // namespace idr::detail
