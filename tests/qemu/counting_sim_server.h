#pragma once
// The sim wire served in this process to QEMU's UART1 (the image connects out through its
// chardev socket), counting the instructions the board reports with CpuTime: what the
// Cortex-M4 image executed, exactly (-icount shift=0). For the footprint benchmark and the
// CPU calibration test. The simulator is the caller's; read its accounts through this.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "idr/posix/loopback.h"
#include "idr/proto/simwire.h"
#include "idr/sim/simulator.h"

namespace idr::qemu {

// The sim wire served to QEMU's UART1, counting the instructions the board reports.
class CountingSimServer {
 public:
  CountingSimServer(sim::Simulator& sim, unsigned short port) : sim_(sim) {
    thread_ = std::thread([this, port] { run(port); });
  }
  ~CountingSimServer() { thread_.join(); }  // ends when QEMU goes (EOF)

  uint64_t instructions() {
    std::lock_guard<std::mutex> lock(mutex_);
    return instructions_;
  }
  sim::TimeAccounts accounts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sim_.accounts();
  }

 private:
  void run(unsigned short port) {
    int fd = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((fd = posix::connect_loopback(port)) < 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (fd < 0) return;
    std::vector<uint8_t> in(simwire::kMaxMessage), out(simwire::kMaxMessage);
    for (;;) {
      if (!posix::read_exact(fd, in.data(), 2)) break;
      const size_t body = in[0] | (static_cast<size_t>(in[1]) << 8);
      if (body == 0 || body + 2 > in.size() || !posix::read_exact(fd, in.data() + 2, body)) break;
      size_t n = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        simwire::Reader r(in.data() + 2, body);
        if (r.type() == static_cast<uint8_t>(simwire::Type::CpuTime)) {
          const uint32_t count = r.u32();
          if (r.ok()) instructions_ += count;
        }
        n = sim_.handle(in.data(), body + 2, out.data(), out.size());
      }
      if (n == 0 || !posix::write_all(fd, out.data(), n)) break;
    }
    ::close(fd);
  }

  sim::Simulator& sim_;
  std::mutex mutex_;
  uint64_t instructions_ = 0;
  std::thread thread_;
};

}  // namespace idr::qemu
