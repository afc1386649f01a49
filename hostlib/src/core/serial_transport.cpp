// serial:/dev/ttyX[?baud=N]: a UART, USB CDC or pty carrying host-link frames, raw 8N1
// (DESIGN 8: 115200 8N1 by default).
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "fd_transport.h"

namespace idr::detail {

namespace {

struct BaudEntry {
  unsigned long baud;
  speed_t speed;
};
constexpr BaudEntry kBauds[] = {
    {9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600},
    {115200, B115200}, {230400, B230400}, {460800, B460800}, {921600, B921600},
};

bool speed_for(unsigned long baud, speed_t& out) {
  for (const auto& e : kBauds) {
    if (e.baud == baud) {
      out = e.speed;
      return true;
    }
  }
  return false;
}

class SerialTransport final : public FdTransport {
 public:
  using FdTransport::FdTransport;
  void discard_input() override {
    ::tcflush(fd(), TCIFLUSH);  // what the driver holds
    FdTransport::discard_input();
  }
};

}  // namespace

Result<std::unique_ptr<Transport>> open_serial(const std::string& path_and_query) {
  std::string path = path_and_query;
  unsigned long baud = 115200;
  const size_t q = path_and_query.find('?');
  if (q != std::string::npos) {
    path = path_and_query.substr(0, q);
    const std::string query = path_and_query.substr(q + 1);
    const std::string key = "baud=";
    if (query.compare(0, key.size(), key) != 0) return Error::InvalidArgument;
    const std::string digits = query.substr(key.size());
    if (digits.empty() || digits.size() > 7 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return Error::InvalidArgument;
    baud = std::stoul(digits);
  }
  speed_t speed{};
  if (path.empty() || !speed_for(baud, speed)) return Error::InvalidArgument;

  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Error::TransportOpen;
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    ::close(fd);
    return Error::TransportOpen;  // not a terminal
  }
  ::cfmakeraw(&tio);  // no echo, no line editing, no CR/LF mapping, 8 data bits
  tio.c_cflag &= ~static_cast<tcflag_t>(PARENB | CSTOPB | CSIZE | CRTSCTS);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;  // 8N1, ignore modem lines
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  if (::cfsetispeed(&tio, speed) != 0 || ::cfsetospeed(&tio, speed) != 0 ||
      ::tcsetattr(fd, TCSANOW, &tio) != 0) {
    ::close(fd);
    return Error::TransportOpen;
  }
  ::tcflush(fd, TCIOFLUSH);
  std::unique_ptr<Transport> t = std::make_unique<SerialTransport>(
      fd, false, "serial:" + path + "?baud=" + std::to_string(baud));
  return t;
}

}  // namespace idr::detail
