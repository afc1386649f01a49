// Benchmark (not a test; toolchain/bench-footprint): the Cortex-M4 image's flash and RAM
// (stack included), instructions per ECDSA P-256 signature (target self-test image), and
// the firmware instructions of one full legacy read (30 10: text + photo + fingerprint) and
// of one full signed read (READ_SIGNED, all fields, after provisioning) measured under QEMU
// (-icount shift=0, timer 0: 40 instructions a tick; the board reports them with CpuTime). The
// simulator runs in this process so every CpuTime report is counted exactly. RAM comes with
// its breakdown (the ELF's data objects) and with the high-water marks of stack and mbedTLS
// pool after each read, read back from the image's paint over QMP (qemu_reader.h).
//
//   idr-bench-footprint [--elf IMAGE] [--profile N [--exec-log FILE]] [scenario.json]
//   --profile N: instead, one signed read under QEMU's exec log and the N functions that
//   execute the most instructions in it (flat profile); --exec-log keeps that log in FILE
//   (one line per instruction, for a closer look) instead of a deleted temporary file
//   (defaults: the image of build/cortex-m4, hw-sim/scenarios/resident-fingerprint.json)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "counting_sim_server.h"
#include "idr/crypto/nonce_pool.h"
#include "idr/posix/loopback.h"
#include "idr/proto/extension.h"
#include "idr/proto/simwire.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/testing/crypto_rig.h"
#include "legacy_client.h"
#include "qemu_reader.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

struct ReadFigures {
  uint64_t instructions = 0;
  double cpu_ms = 0;
  size_t reply_bytes = 0;
  qemu::HighWater high_water;  // since reset, read right after the read
};

// Deletes the QMP socket QEMU leaves behind when it is killed.
struct QmpPath {
  std::string path = qemu::fresh_qmp_path();
  ~QmpPath() { ::unlink(path.c_str()); }
};

ReadFigures one_read(const std::string& elf, const std::string& scenario_file) {
  sim::Simulator sim(sim::load_scenario(scenario_file));
  const unsigned short host_port = qemu::free_loopback_port();
  unsigned short sim_port = qemu::free_loopback_port();
  while (sim_port == host_port) sim_port = qemu::free_loopback_port();
  const QmpPath qmp_path;
  e2e::ChildProcess qemu_process(qemu::qemu_command(elf, host_port, sim_port, qmp_path.path));
  ReadFigures f;
  {
    qemu::CountingSimServer server(sim, sim_port);
    {
      e2e::LegacyClient host(host_port, 10s);
      qemu::Qmp qmp(qmp_path.path, 10s);
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
      f.high_water = qemu::read_high_water(qmp, elf);
    }
    qemu_process.kill();  // EOF on UART1 ends the server thread
  }
  return f;
}

// Provisions the image (key generated on the target, a test CA's chain), then one signed
// read of every field; the instructions of the READ_SIGNED command alone.
// exec_log (profiling, optional): QEMU runs one instruction per block and logs every
// executed one to that file during the READ_SIGNED command only (QMP "log exec,nochain").
ReadFigures one_signed_read(const std::string& elf, const std::string& scenario_file,
                            const std::string& exec_log = "") {
  sim::Simulator sim(sim::load_scenario(scenario_file));
  const unsigned short host_port = qemu::free_loopback_port();
  unsigned short sim_port = qemu::free_loopback_port();
  while (sim_port == host_port) sim_port = qemu::free_loopback_port();
  const QmpPath qmp_path;
  std::vector<std::string> command = qemu::qemu_command(elf, host_port, sim_port, qmp_path.path);
  if (!exec_log.empty())
    for (const std::string& a : {std::string("-singlestep"), std::string("-D"), exec_log})
      command.push_back(a);
  e2e::ChildProcess qemu_process(command);
  ReadFigures f;
  {
    qemu::CountingSimServer server(sim, sim_port);
    {
      e2e::LegacyClient host(host_port, 10s);
      qemu::Qmp qmp(qmp_path.path, 10s);
      const auto ext = [&](ext::Op op, const e2e::Bytes& data) {
        return host.transact(e2e::legacy_request(ext::kCmd, static_cast<uint8_t>(op), data), 60s);
      };
      const e2e::Bytes challenge(16, 0x5A);
      const auto key = ext(ext::Op::ProvisionKey, challenge);
      if (key.size() < 10 + 65 + 64 + 1 || key[9] != 0x90)
        throw std::runtime_error("ProvisionKey failed");
      testing::TestCa ca;
      const e2e::Bytes device_cert = ca.certify(key.data() + 10, "CN=bench,O=idr");
      const e2e::Bytes ca_pub = ca.public_key();
      const e2e::Bytes ca_cert = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);
      if (ext(ext::Op::ProvisionCerts, testing::chain_cbor({device_cert, ca_cert}))[9] != 0x90)
        throw std::runtime_error("ProvisionCerts failed");
      const auto find = host.transact(e2e::legacy_request(0x20, 0x01));
      if (find.size() < 10 || find[9] != 0x9F)
        throw std::runtime_error("find failed: no card in the scenario's field?");
      e2e::Bytes request(16, 0xA5);
      request.push_back(0x0F);
      if (!exec_log.empty()) qmp.hmp("log exec,nochain");
      const uint64_t before = server.instructions();
      const auto cpu_before = server.accounts().firmware_cpu;
      const auto reply = ext(ext::Op::ReadSigned, request);
      f.instructions = server.instructions() - before;
      if (!exec_log.empty()) qmp.hmp("log none");  // closes (flushes) the log
      f.cpu_ms = static_cast<double>(server.accounts().firmware_cpu - cpu_before) / 1e6;
      f.reply_bytes = reply.size();
      if (reply.size() < 10 || reply[9] != 0x90) throw std::runtime_error("READ_SIGNED failed");
      f.high_water = qemu::read_high_water(qmp, elf);
    }
    qemu_process.kill();
  }
  return f;
}

void print_high_water(const qemu::HighWater& hw) {
  std::printf(
      "         high-water since reset: stack %llu B of %llu reserved, mbedTLS pool %llu B of "
      "%llu\n",
      static_cast<unsigned long long>(hw.stack_peak),
      static_cast<unsigned long long>(hw.stack_reserve),
      static_cast<unsigned long long>(hw.pool_peak), static_cast<unsigned long long>(hw.pool_size));
}

// Every data object in RAM, largest first; the small ones summed.
void print_ram_breakdown(const std::string& elf, const qemu::ImageSizes& sizes) {
  std::vector<qemu::ElfObject> objects = qemu::read_objects(elf);
  objects.erase(std::remove_if(objects.begin(), objects.end(),
                               [](const qemu::ElfObject& o) { return o.address < 0x20000000u; }),
                objects.end());
  std::sort(objects.begin(), objects.end(),
            [](const qemu::ElfObject& a, const qemu::ElfObject& b) { return a.size > b.size; });
  std::printf("  RAM breakdown: .stack %llu B; data objects (.data + .bss):\n",
              static_cast<unsigned long long>(sizes.stack));
  uint64_t small = 0, small_count = 0;
  for (const qemu::ElfObject& o : objects) {
    if (o.size >= 64) {
      std::printf("    %7u B  %s\n", o.size, o.name.c_str());
    } else {
      small += o.size;
      ++small_count;
    }
  }
  std::printf("    %7llu B  %llu objects under 64 B\n", static_cast<unsigned long long>(small),
              static_cast<unsigned long long>(small_count));
}

// The exec log of one_signed_read (one line per instruction: "Trace 0: HOST [CS_BASE/PC/
// FLAGS/CFLAGS] SYMBOL") as a flat profile: instructions per function of the image, the
// top `count` printed. The board's waits (from the end of MeasuredCpu::begin_wait to the
// start of MeasuredCpu::end_wait: WFI for a simulator or host byte) are logged too but left
// out of its measured count, so they are counted apart here.
void print_profile(const std::string& elf, const std::string& exec_log, size_t count,
                   uint64_t measured) {
  const std::vector<qemu::ElfObject> functions = qemu::read_functions(elf);
  const auto index_of = [&](uint32_t pc) {
    auto it = std::upper_bound(functions.begin(), functions.end(), pc,
                               [](uint32_t a, const qemu::ElfObject& f) { return a < f.address; });
    if (it != functions.begin() && pc < std::prev(it)->address + std::prev(it)->size)
      return static_cast<size_t>(std::prev(it) - functions.begin());
    return functions.size();  // outside every function
  };
  const auto named = [&](const char* name) {
    for (size_t i = 0; i < functions.size(); ++i)
      if (functions[i].name == name) return i;
    throw std::runtime_error(std::string("no function ") + name + " in " + elf);
  };
  const size_t begin_wait = named("idr::mps2::MeasuredCpu::begin_wait()");
  const size_t end_wait = named("idr::mps2::MeasuredCpu::end_wait()");
  std::vector<uint64_t> hits(functions.size() + 1, 0);
  std::vector<uint64_t> entries(functions.size() + 1, 0);  // first instruction executed
  std::FILE* in = std::fopen(exec_log.c_str(), "r");
  if (in == nullptr) throw std::runtime_error("cannot open " + exec_log);
  uint64_t total = 0, waiting = 0;
  bool in_begin_wait = false, in_wait = false;
  char line[512];
  while (std::fgets(line, sizeof line, in) != nullptr) {
    const char* open = std::strchr(line, '[');
    const char* slash = open != nullptr ? std::strchr(open, '/') : nullptr;
    if (std::strncmp(line, "Trace ", 6) != 0 || slash == nullptr) continue;
    const uint32_t pc = static_cast<uint32_t>(std::strtoul(slash + 1, nullptr, 16));
    const size_t f = index_of(pc);
    if (f == end_wait) in_wait = false;
    if (in_begin_wait && f != begin_wait) in_wait = true;
    in_begin_wait = f == begin_wait;
    if (in_wait) {
      ++waiting;
    } else {
      ++hits[f];
      ++total;
      if (f < functions.size() && pc == functions[f].address) ++entries[f];
    }
  }
  std::fclose(in);
  std::vector<size_t> order(hits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return hits[a] > hits[b]; });
  std::printf(
      "Flat profile of one READ_SIGNED: %llu instructions outside waits (the board measured "
      "%llu), %llu more in waits; instructions, share, calls, function:\n",
      static_cast<unsigned long long>(total), static_cast<unsigned long long>(measured),
      static_cast<unsigned long long>(waiting));
  for (size_t i = 0; i < count && i < order.size() && hits[order[i]] > 0; ++i) {
    const size_t f = order[i];
    std::printf("  %9llu  %5.1f %%  %7llu  %s\n", static_cast<unsigned long long>(hits[f]),
                total > 0 ? 100.0 * static_cast<double>(hits[f]) / static_cast<double>(total) : 0,
                static_cast<unsigned long long>(entries[f]),
                f < functions.size() ? functions[f].name.c_str() : "(outside any function)");
  }
}

}  // namespace

const char kUsage[] =
    "usage: idr-bench-footprint [--elf IMAGE] [--profile N [--exec-log FILE]] [SCENARIO.json]\n"
    "  flash, RAM and its breakdown, stack and mbedTLS pool high-water marks, instructions per\n"
    "  ECDSA operation and per full read (30 10) and full signed read, under QEMU\n"
    "  --elf IMAGE      the Cortex-M4 image (default: the one this build "
    "made, " IDR_QEMU_FIRMWARE_ELF
    ")\n"
    "  --profile N      instead: one signed read under QEMU's exec log, the N functions that\n"
    "                   execute the most instructions in it\n"
    "  --exec-log FILE  with --profile: keep the exec log in FILE (one line per instruction)\n"
    "  SCENARIO.json    default: hw-sim/scenarios/resident-fingerprint.json of the source tree\n";

int main(int argc, char** argv) {
  std::string elf = IDR_QEMU_FIRMWARE_ELF;
  std::string scenario =
      std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/resident-fingerprint.json";
  size_t profile = 0;
  std::string exec_log;
  bool have_scenario = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return std::fputs(kUsage, stdout), 0;
    if ((a == "--elf" || a == "--exec-log" || a == "--profile") && i + 1 >= argc) {
      std::fprintf(stderr, "idr-bench-footprint: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    if (a == "--elf")
      elf = argv[++i];
    else if (a == "--exec-log" && i + 1 < argc)
      exec_log = argv[++i];
    else if (a == "--profile" && i + 1 < argc) {
      char* end = nullptr;
      profile = std::strtoul(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || profile == 0) {
        std::fprintf(stderr, "idr-bench-footprint: --profile takes a positive count\n");
        return 2;
      }
    } else if (a.rfind("-", 0) == 0 || have_scenario) {
      std::fprintf(stderr, "idr-bench-footprint: unexpected argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      scenario = a;
      have_scenario = true;
    }
  }
  if (!exec_log.empty() && profile == 0) {
    std::fprintf(stderr, "idr-bench-footprint: --exec-log needs --profile\n%s", kUsage);
    return 2;
  }
  try {
    if (profile > 0) {
      if (!exec_log.empty()) {
        const ReadFigures f = one_signed_read(elf, scenario, exec_log);
        print_profile(elf, exec_log, profile, f.instructions);
        return 0;
      }
      char path[] = "/tmp/idr-exec-log-XXXXXX";
      const int fd = ::mkstemp(path);
      if (fd < 0) throw std::runtime_error("mkstemp failed");
      ::close(fd);
      try {
        const ReadFigures f = one_signed_read(elf, scenario, path);
        print_profile(elf, path, profile, f.instructions);
      } catch (...) {
        ::unlink(path);
        throw;
      }
      ::unlink(path);
      return 0;
    }
    const qemu::ImageSizes sizes = qemu::read_image_sizes(elf);
    std::printf("Cortex-M4 image (mps2-an386): %s\n", elf.c_str());
    std::printf("  flash  %7llu B of the %llu B budget (%.1f %%)\n",
                static_cast<unsigned long long>(sizes.flash),
                static_cast<unsigned long long>(qemu::kFlashBudget),
                100.0 * static_cast<double>(sizes.flash) / static_cast<double>(qemu::kFlashBudget));
    std::printf("  RAM    %7llu B of the %llu B budget (%.1f %%), stack %llu B included\n",
                static_cast<unsigned long long>(sizes.ram),
                static_cast<unsigned long long>(qemu::kRamBudget),
                100.0 * static_cast<double>(sizes.ram) / static_cast<double>(qemu::kRamBudget),
                static_cast<unsigned long long>(sizes.stack));
    print_ram_breakdown(elf, sizes);
    const qemu::SelftestRun selftest = qemu::run_selftest(IDR_QEMU_SELFTEST_ELF, 60s);
    const auto fig = qemu::selftest_figures(selftest.output);
    if (selftest.exit_code != 0)
      throw std::runtime_error("crypto self-test failed: " + selftest.output);
    const auto fig_of = [&](const char* name) {
      return static_cast<unsigned long long>(fig.at(name));
    };
    std::printf("ECDSA P-256 on the target (mbedTLS 2.28 from Debian's source, window 4), %s:\n",
                IDR_QEMU_SELFTEST_ELF);
    std::printf("  sign      %llu instructions the first time, %llu the next\n",
                fig_of("sign_first"), fig_of("sign_next"));
    std::printf("  verify    %llu instructions, key generation %llu\n", fig_of("verify"),
                fig_of("keygen"));
    std::printf(
        "  precomputed nonce pair (idle work) %llu instructions; a signature from it (online) "
        "%llu; pool %zu pairs of %zu B\n",
        fig_of("nonce"), fig_of("sign_precomputed"), crypto::NoncePool::kCapacity,
        sizeof(crypto::NoncePair));
    std::printf("  SHA-256   %llu instructions for 4 KiB (65 blocks); CBOR %llu for %llu bytes\n",
                fig_of("sha256_4k"), fig_of("cbor"), fig_of("cbor_bytes"));
    std::printf(
        "  mbedTLS pool %llu B: smallest working %llu B, high-water mark %llu B in %llu blocks\n",
        fig_of("pool_size"), fig_of("pool_min"), fig_of("pool_peak"), fig_of("pool_blocks"));
    std::printf("Full read 30 10 under QEMU (-icount shift=0), scenario %s:\n", scenario.c_str());
    for (int run = 1; run <= 3; ++run) {
      const ReadFigures f = one_read(elf, scenario);
      std::printf(
          "  run %d: %llu instructions (firmware CPU %.3f ms of virtual time), reply %zu B\n", run,
          static_cast<unsigned long long>(f.instructions), f.cpu_ms, f.reply_bytes);
      print_high_water(f.high_water);
    }
    std::printf("Full signed read (READ_SIGNED, every field) under QEMU, same scenario:\n");
    for (int run = 1; run <= 2; ++run) {
      const ReadFigures f = one_signed_read(elf, scenario);
      std::printf(
          "  run %d: %llu instructions (firmware CPU %.3f ms of virtual time), reply %zu B\n", run,
          static_cast<unsigned long long>(f.instructions), f.cpu_ms, f.reply_bytes);
      print_high_water(f.high_water);
    }
    std::printf(
        "  (idle host-link polls between the command's bytes count too: runs differ a little)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "idr-bench-footprint: %s\n", e.what());
    return 1;
  }
  return 0;
}
