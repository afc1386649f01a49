// Benchmark (not a test; toolchain/bench-footprint): the Cortex-M4 image's flash and RAM
// (stack included), and the firmware instructions of one full legacy read (30 10: text +
// photo + fingerprint) measured under QEMU (-icount shift=0, timer 0: 40 instructions a
// tick; the board reports them with CpuTime). The simulator runs in this process so every
// CpuTime report is counted exactly.
//
//   idr-bench-footprint [--elf IMAGE] [scenario.json]
//   (defaults: the image of build/cortex-m4, hw-sim/scenarios/resident-fingerprint.json)
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "idr/posix/loopback.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/simwire.h"
#include "legacy_client.h"
#include "qemu_reader.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

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
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while ((fd = posix::connect_loopback(port)) < 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
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

struct ReadFigures {
  uint64_t instructions = 0;
  double cpu_ms = 0;
  size_t reply_bytes = 0;
};

ReadFigures one_read(const std::string& elf, const std::string& scenario_file) {
  sim::Simulator sim(sim::load_scenario(scenario_file));
  const unsigned short host_port = qemu::free_loopback_port();
  unsigned short sim_port = qemu::free_loopback_port();
  while (sim_port == host_port) sim_port = qemu::free_loopback_port();
  e2e::ChildProcess qemu_process(qemu::qemu_command(elf, host_port, sim_port));
  ReadFigures f;
  {
    CountingSimServer server(sim, sim_port);
    {
      e2e::LegacyClient host(host_port, 10s);
      const auto find = host.transact(e2e::legacy_request(0x20, 0x01));
      const auto select = host.transact(e2e::legacy_request(0x20, 0x02));
      if (find.size() < 10 || find[9] != 0x9F || select.size() < 10 || select[9] != 0x90)
        throw std::runtime_error("find/select failed: no card in the scenario's field?");
      const uint64_t before = server.instructions();
      const auto cpu_before = server.accounts().firmware_cpu;
      const auto reply = host.transact(e2e::legacy_request(0x30, 0x10), 60s);
      f.instructions = server.instructions() - before;
      f.cpu_ms = static_cast<double>(server.accounts().firmware_cpu - cpu_before) / 1e6;
      f.reply_bytes = reply.size();
    }
    qemu_process.kill();  // EOF on UART1 ends the server thread
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::string elf = IDR_QEMU_FIRMWARE_ELF;
  std::string scenario =
      std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/resident-fingerprint.json";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--elf" && i + 1 < argc)
      elf = argv[++i];
    else
      scenario = a;
  }
  try {
    const qemu::ImageSizes sizes = qemu::read_image_sizes(elf);
    std::printf("Cortex-M4 image (mps2-an386): %s\n", elf.c_str());
    std::printf("  flash  %7llu B of 262144 (%.1f %%)\n",
                static_cast<unsigned long long>(sizes.flash),
                100.0 * static_cast<double>(sizes.flash) / 262144.0);
    std::printf("  RAM    %7llu B of  65536 (%.1f %%), stack %llu B included\n",
                static_cast<unsigned long long>(sizes.ram),
                100.0 * static_cast<double>(sizes.ram) / 65536.0,
                static_cast<unsigned long long>(sizes.stack));
    std::printf("Full read 30 10 under QEMU (-icount shift=0), scenario %s:\n", scenario.c_str());
    for (int run = 1; run <= 3; ++run) {
      const ReadFigures f = one_read(elf, scenario);
      std::printf(
          "  run %d: %llu instructions (firmware CPU %.3f ms of virtual time), reply %zu B\n", run,
          static_cast<unsigned long long>(f.instructions), f.cpu_ms, f.reply_bytes);
    }
    std::printf(
        "  (idle host-link polls between the command's bytes count too: runs differ a little)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "idr-bench-footprint: %s\n", e.what());
    return 1;
  }
  return 0;
}
