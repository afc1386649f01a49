#include "idr/board/pty_host_link.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "idr/posix/poll_wait.h"

namespace idr::board {

namespace {

struct BaudEntry {
  uint32_t baud;
  speed_t speed;
};
// The legacy set-baud rates (DESIGN 8) and the faster ones the SAM link may use.
constexpr BaudEntry kBauds[] = {
    {9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600},
    {115200, B115200}, {230400, B230400}, {460800, B460800}, {921600, B921600},
};

}  // namespace

PtyHostLink::~PtyHostLink() {
  if (slave_ >= 0) ::close(slave_);
  if (master_ >= 0) ::close(master_);
}

Status PtyHostLink::open() {
  master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_ < 0) return Status::Io;
  if (::grantpt(master_) != 0 || ::unlockpt(master_) != 0 ||
      ::ptsname_r(master_, slave_path_, sizeof(slave_path_)) != 0)
    return Status::Io;
  const int flags = ::fcntl(master_, F_GETFL);
  if (flags < 0 || ::fcntl(master_, F_SETFL, flags | O_NONBLOCK) != 0) return Status::Io;
  slave_ = ::open(slave_path_, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave_ < 0) return Status::Io;
  termios tio{};
  if (::tcgetattr(slave_, &tio) != 0) return Status::Io;
  ::cfmakeraw(&tio);  // frames are binary: no echo, no line discipline, 8 bits
  tio.c_cflag &= ~static_cast<tcflag_t>(PARENB | CSTOPB | CSIZE | CRTSCTS);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  if (::tcsetattr(slave_, TCSANOW, &tio) != 0) return Status::Io;
  return set_baud(115200) ? Status::Ok : Status::Io;
}

bool PtyHostLink::set_baud(uint32_t baud) {
  for (const auto& e : kBauds) {
    if (e.baud != baud) continue;
    termios tio{};
    if (slave_ < 0 || ::tcgetattr(slave_, &tio) != 0) return false;
    if (::cfsetispeed(&tio, e.speed) != 0 || ::cfsetospeed(&tio, e.speed) != 0 ||
        ::tcsetattr(slave_, TCSADRAIN, &tio) != 0)
      return false;
    baud_ = baud;
    return true;
  }
  return false;
}

Status PtyHostLink::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (master_ < 0) return Status::Io;
  const int ev = posix::poll_one(master_, POLLIN, posix::wait_ms(timeout_us, kMaxRealWaitMs));
  if ((ev & POLLIN) == 0) return Status::Timeout;
  const ssize_t r = ::read(master_, buf, max);
  if (r > 0) {
    got = static_cast<size_t>(r);
    return Status::Ok;
  }
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return Status::Timeout;
  return Status::Io;
}

Status PtyHostLink::write(const uint8_t* data, size_t len) {
  if (master_ < 0) return Status::Io;
  size_t done = 0;
  // Bounded: each pass writes something or waits up to kWriteTimeoutMs, then gives up.
  for (size_t pass = 0; done < len && pass < len + 100; ++pass) {
    const ssize_t n = ::write(master_, data + done, len - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return Status::Io;
    if ((posix::poll_one(master_, POLLOUT, kWriteTimeoutMs) & POLLOUT) == 0) return Status::Io;
  }
  return done == len ? Status::Ok : Status::Io;
}

}  // namespace idr::board
