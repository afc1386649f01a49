#include "idr/sim/wire_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "idr/simwire.h"

namespace idr::sim {

namespace {

// Reads exactly n bytes; false on EOF or error.
bool read_all(int fd, uint8_t* buf, size_t n) {
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

bool write_all(int fd, const uint8_t* buf, size_t n) {
  size_t sent = 0;
  while (sent < n) {
    const ssize_t r = ::send(fd, buf + sent, n - sent, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

bool serve_connection(int fd, Simulator& sim) {
  std::vector<uint8_t> req(simwire::kMaxMessage);
  std::vector<uint8_t> resp(simwire::kMaxMessage);
  for (;;) {
    if (!read_all(fd, req.data(), 2)) return true;  // board gone between requests
    const size_t body = static_cast<size_t>(req[0]) | (static_cast<size_t>(req[1]) << 8);
    if (body + 2 > simwire::kMaxMessage) {
      // Answer with the Error the simulator gives for an oversized LEN, then give up on
      // this stream: we cannot know where the next message starts.
      const size_t n = sim.handle(req.data(), 2, resp.data(), resp.size());
      (void)write_all(fd, resp.data(), n);
      return false;
    }
    if (!read_all(fd, req.data() + 2, body)) return false;
    const size_t n = sim.handle(req.data(), body + 2, resp.data(), resp.size());
    if (!write_all(fd, resp.data(), n)) return false;
  }
}

}  // namespace idr::sim
