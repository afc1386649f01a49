#pragma once
// The reader firmware image under QEMU (mps2-an386) against idr-sim, for tests and
// benchmarks (DESIGN 10). One place builds the QEMU command line.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"

namespace idr::qemu {

// A loopback port that was free a moment ago (bound to port 0, then closed).
unsigned short free_loopback_port();

// qemu-system-arm for mps2-an386 with -icount shift=0 and semihosting; UART0 (first
// -serial) a socket server on host_port, UART1 a socket server on sim_port, both wait=on
// (nodelay=on: the UART sends byte by byte, Nagle would hold each request ~40 ms):
// QEMU starts the CPU only once both have a client, so no byte is lost.
// qmp_socket (optional): a QMP server on that Unix socket path (Qmp below), not waited for.
std::vector<std::string> qemu_command(const std::string& elf, unsigned short host_port,
                                      unsigned short sim_port, const std::string& qmp_socket = "");

// A Unix socket path for a QMP server, unique to this process and call (under /tmp).
std::string fresh_qmp_path();

// QEMU's machine protocol on a Unix socket: reads guest memory while the image runs
// (pmemsave into a temporary file). Throws on any failure.
class Qmp {
 public:
  // Connects (retrying until `timeout`: QEMU creates the socket as it starts).
  Qmp(const std::string& socket_path, std::chrono::milliseconds timeout);
  ~Qmp();
  Qmp(const Qmp&) = delete;
  Qmp& operator=(const Qmp&) = delete;
  std::vector<uint8_t> read_memory(uint32_t address, uint32_t size);
  // One human-monitor command (e.g. "log exec,nochain"); its output text.
  std::string hmp(const std::string& command_line);

 private:
  std::string command(const std::string& json);  // the "return" line, or throws
  int fd_ = -1;
  std::string pending_;
};

// QEMU running the image plus `idr-sim --connect` to its UART1. The host link is UART0 on
// host_port: connect a client there (QEMU opens UART1 only after UART0 has its client).
// Both processes are killed and reaped when this goes, also when a test fails.
struct QemuReader {
  QemuReader(const std::string& elf, const std::string& sim_exe, const std::string& scenario);
  ~QemuReader();
  QemuReader(const QemuReader&) = delete;
  QemuReader& operator=(const QemuReader&) = delete;

  std::unique_ptr<e2e::ChildProcess> qemu;
  std::unique_ptr<e2e::ChildProcess> sim;
  unsigned short host_port = 0;
  unsigned short sim_port = 0;
  std::string qmp_socket;  // QEMU's QMP server (Qmp), e.g. for read_high_water
};

// A test image that runs without hw-sim or host (UARTs unconnected) and ends with a
// semihosting exit status: its exit status and what it printed (semihosting console).
struct SelftestRun {
  int exit_code = -1;
  std::string output;
};
// Kills QEMU and throws when it has not ended within `timeout`.
SelftestRun run_selftest(const std::string& elf, std::chrono::milliseconds timeout);
// The " name=value" pairs of the line starting "idr-crypto-selftest" (crypto_selftest.cpp);
// throws when there is none.
std::map<std::string, uint64_t> selftest_figures(const std::string& output);

// Sizes of the image from its ELF section headers: flash = every section loaded from the
// image (code, constants, the initial values of .data); RAM = every allocated section in
// the RAM region (data, bss, the stack section).
// The firmware's budget (firmware/boards/mps2-an386/linker.ld regions, DESIGN 9 footprint).
inline constexpr uint64_t kFlashBudget = 96 * 1024;
inline constexpr uint64_t kRamBudget = 24 * 1024;

struct ImageSizes {
  uint64_t flash = 0;
  uint64_t ram = 0;
  uint64_t stack = 0;  // the .stack section alone
};
ImageSizes read_image_sizes(const std::string& elf_path, uint32_t ram_base = 0x20000000u);

// Data objects of the ELF's symbol table (STT_OBJECT, size > 0), names demangled.
struct ElfObject {
  std::string name;
  uint32_t address = 0;
  uint32_t size = 0;
};
std::vector<ElfObject> read_objects(const std::string& elf_path);
// Functions of the ELF's symbol table (STT_FUNC, size > 0; the Thumb bit cleared from the
// address), names demangled, sorted by address.
std::vector<ElfObject> read_functions(const std::string& elf_path);
// Address of a symbol of any type (linker symbols included); throws when there is none.
uint32_t symbol_address(const std::string& elf_path, const std::string& name);

// High-water marks of the image, read back from its paint (firmware/boards/mps2-an386
// paint.h) while it runs under QEMU: the deepest the stack went since reset and the
// highest pool byte mbedTLS touched (first-fit fragmentation included).
inline constexpr uint32_t kPaintWord = 0xC5A5E1D7u;  // = idr::mps2::kPaintWord
struct HighWater {
  uint64_t stack_reserve = 0;  // __stack_top - __stack_limit
  uint64_t stack_peak = 0;     // bytes below __stack_top no longer painted
  uint64_t pool_size = 0;      // idr_mbedtls_pool
  uint64_t pool_peak = 0;      // bytes from the pool's start to its last unpainted word
};
HighWater read_high_water(Qmp& qmp, const std::string& elf_path);

}  // namespace idr::qemu
