#include "idr/sim/wire_stream.h"

#include <vector>

#include "idr/posix/loopback.h"
#include "idr/proto/simwire.h"

namespace idr::sim {

using posix::read_exact;
using posix::write_all;

bool serve_connection(int fd, Simulator& sim) {
  std::vector<uint8_t> req(simwire::kMaxMessage);
  std::vector<uint8_t> resp(simwire::kMaxMessage);
  for (;;) {
    if (!read_exact(fd, req.data(), 2)) return true;  // board gone between requests
    const size_t body = static_cast<size_t>(req[0]) | (static_cast<size_t>(req[1]) << 8);
    if (body + 2 > simwire::kMaxMessage) {
      // Answer with the Error the simulator gives for an oversized LEN, then give up on
      // this stream: we cannot know where the next message starts.
      const size_t n = sim.handle(req.data(), 2, resp.data(), resp.size());
      (void)write_all(fd, resp.data(), n);
      return false;
    }
    if (!read_exact(fd, req.data() + 2, body)) return false;
    const size_t n = sim.handle(req.data(), body + 2, resp.data(), resp.size());
    if (!write_all(fd, resp.data(), n)) return false;
  }
}

}  // namespace idr::sim
