#include "idr/posix/poll_wait.h"

#include <poll.h>

#include <cerrno>

namespace idr::posix {

int wait_ms(uint32_t timeout_us, int max_ms) {
  const uint64_t ms = (static_cast<uint64_t>(timeout_us) + 999) / 1000;
  return ms < static_cast<uint64_t>(max_ms) ? static_cast<int>(ms) : max_ms;
}

int poll_one(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  for (int tries = 0; tries < 100; ++tries) {  // bounded: only EINTR repeats
    const int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0 ? p.revents : 0;
  }
  return 0;
}

bool readable(int fd, int ms) {
  return poll_one(fd, POLLIN, ms) != 0;
}

}  // namespace idr::posix
