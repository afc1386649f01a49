#include "qemu_reader.h"

#include <cxxabi.h>
#include <elf.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "idr/posix/loopback.h"

namespace idr::qemu {

unsigned short free_loopback_port() {
  uint16_t port = 0;
  const int fd = posix::listen_loopback(0, port, 1);
  if (fd < 0) throw std::runtime_error("free_loopback_port: cannot bind 127.0.0.1:0");
  ::close(fd);
  return port;
}

namespace {
// DESIGN 10: the machine, the image, semihosting and deterministic time; the caller adds
// what goes on the two UARTs.
std::vector<std::string> qemu_base_command(const std::string& elf) {
  return {"/usr/bin/qemu-system-arm",
          "-M",
          "mps2-an386",
          "-nographic",
          "-monitor",
          "none",
          "-kernel",
          elf,
          "-semihosting-config",
          "enable=on,target=native",
          "-icount",
          "shift=0"};
}
}  // namespace

std::vector<std::string> qemu_command(const std::string& elf, unsigned short host_port,
                                      unsigned short sim_port, const std::string& qmp_socket) {
  const auto chardev = [](const char* id, unsigned short port) {
    return std::string("socket,id=") + id + ",host=127.0.0.1,port=" + std::to_string(port) +
           ",server=on,wait=on,nodelay=on";
  };
  std::vector<std::string> argv = qemu_base_command(elf);
  for (const std::string& a :
       {std::string("-chardev"), chardev("s0", host_port), std::string("-serial"),
        std::string("chardev:s0"), std::string("-chardev"), chardev("s1", sim_port),
        std::string("-serial"), std::string("chardev:s1")})
    argv.push_back(a);
  if (!qmp_socket.empty()) {
    argv.emplace_back("-qmp");
    argv.push_back("unix:" + qmp_socket + ",server=on,wait=off");
  }
  return argv;
}

std::string fresh_qmp_path() {
  static std::atomic<unsigned> serial{0};
  return "/tmp/idr-qmp-" + std::to_string(::getpid()) + "-" + std::to_string(serial++) + ".sock";
}

Qmp::Qmp(const std::string& socket_path, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path)
    throw std::runtime_error("QMP socket path too long: " + socket_path);
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("QMP: socket failed");
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) break;
    ::close(fd_);
    fd_ = -1;
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("QMP: cannot connect to " + socket_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  command("{\"execute\":\"qmp_capabilities\"}");  // the greeting is skipped by command()
}

Qmp::~Qmp() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Qmp::command(const std::string& json) {
  const std::string line = json + "\n";
  if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    throw std::runtime_error("QMP: write failed");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      const std::string reply = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      // Skip the greeting and asynchronous events; a command has exactly one answer.
      if (reply.find("\"return\"") != std::string::npos) return reply;
      if (reply.find("\"error\"") != std::string::npos)
        throw std::runtime_error("QMP: " + json + " failed: " + reply);
      continue;
    }
    pollfd p{fd_, POLLIN, 0};
    if (std::chrono::steady_clock::now() >= deadline || ::poll(&p, 1, 100) < 0)
      throw std::runtime_error("QMP: no answer to " + json);
    if ((p.revents & (POLLIN | POLLHUP)) == 0) continue;
    char buf[1024];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("QMP: QEMU closed the connection");
    pending_.append(buf, static_cast<size_t>(n));
  }
}

std::vector<uint8_t> Qmp::read_memory(uint32_t address, uint32_t size) {
  char path[] = "/tmp/idr-qmp-mem-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("QMP: mkstemp failed");
  ::close(fd);
  std::vector<uint8_t> bytes;
  try {
    command("{\"execute\":\"pmemsave\",\"arguments\":{\"val\":" + std::to_string(address) +
            ",\"size\":" + std::to_string(size) + ",\"filename\":\"" + path + "\"}}");
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (...) {
    ::unlink(path);
    throw;
  }
  ::unlink(path);
  if (bytes.size() != size)
    throw std::runtime_error("QMP: pmemsave gave " + std::to_string(bytes.size()) + " of " +
                             std::to_string(size) + " bytes");
  return bytes;
}

std::string Qmp::hmp(const std::string& command_line) {
  std::string quoted;
  for (const char c : command_line) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return command("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"" +
                 quoted + "\"}}");
}

QemuReader::QemuReader(const std::string& elf, const std::string& sim_exe,
                       const std::string& scenario) {
  if (::access(elf.c_str(), R_OK) != 0)
    throw std::runtime_error(
        "no firmware image " + elf +
        ": the cortex-m4 cross build failed (cmake --build --preset cortex-m4)");
  host_port = free_loopback_port();
  sim_port = free_loopback_port();
  while (sim_port == host_port) sim_port = free_loopback_port();
  qmp_socket = fresh_qmp_path();
  qemu = std::make_unique<e2e::ChildProcess>(qemu_command(elf, host_port, sim_port, qmp_socket));
  // idr-sim retries its connection until QEMU opens UART1 (after the host client came).
  sim = std::make_unique<e2e::ChildProcess>(std::vector<std::string>{
      sim_exe, "--scenario", scenario, "--connect", "127.0.0.1:" + std::to_string(sim_port)});
}

QemuReader::~QemuReader() {
  sim.reset();
  qemu.reset();  // killed and reaped: nothing listens on the QMP socket any more
  if (!qmp_socket.empty()) ::unlink(qmp_socket.c_str());
}

SelftestRun run_selftest(const std::string& elf, std::chrono::milliseconds timeout) {
  if (::access(elf.c_str(), R_OK) != 0)
    throw std::runtime_error(
        "no self-test image " + elf +
        ": the cortex-m4 cross build failed (cmake --build --preset cortex-m4)");
  std::vector<std::string> argv = qemu_base_command(elf);
  for (const char* a : {"-serial", "null", "-serial", "null"}) argv.emplace_back(a);
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("run_selftest: pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("run_selftest: fork failed");
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);  // QEMU's semihosting console may be either
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  SelftestRun run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool open = true;
  while (open && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char buf[512];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n > 0)
        run.output.append(buf, static_cast<size_t>(n));
      else if (n == 0 || errno != EINTR)
        open = false;
    }
  }
  ::close(out[0]);
  int status = 0;
  if (open) {  // timed out: never leave QEMU behind
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    throw std::runtime_error("self-test " + elf + " did not end in time; output: " + run.output);
  }
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::map<std::string, uint64_t> selftest_figures(const std::string& output) {
  const std::string tag = "idr-crypto-selftest ";
  const size_t at = output.find(tag);
  if (at == std::string::npos) throw std::runtime_error("no self-test figures in: " + output);
  std::istringstream line(output.substr(at + tag.size(), output.find('\n', at) - at - tag.size()));
  std::map<std::string, uint64_t> figures;
  std::string pair;
  while (line >> pair) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos) throw std::runtime_error("bad self-test figure: " + pair);
    figures[pair.substr(0, eq)] = std::stoull(pair.substr(eq + 1));
  }
  return figures;
}

namespace {

struct ElfFile {
  std::vector<char> bytes;
  std::vector<Elf32_Shdr> sections;
};

ElfFile load_elf(const std::string& elf_path) {
  std::ifstream in(elf_path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open " + elf_path +
                             " (missing image: the cortex-m4 cross build failed?)");
  ElfFile f;
  f.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  Elf32_Ehdr eh{};
  if (f.bytes.size() < sizeof eh) throw std::runtime_error(elf_path + ": too short for ELF");
  std::memcpy(&eh, f.bytes.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
      eh.e_machine != EM_ARM)
    throw std::runtime_error(elf_path + ": not a 32-bit ARM ELF");
  if (eh.e_shentsize != sizeof(Elf32_Shdr) ||
      eh.e_shoff + static_cast<uint64_t>(eh.e_shnum) * sizeof(Elf32_Shdr) > f.bytes.size())
    throw std::runtime_error(elf_path + ": bad section header table");
  f.sections.resize(eh.e_shnum);
  std::memcpy(f.sections.data(), f.bytes.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf32_Shdr));
  return f;
}

// Every symbol of .symtab with its raw name.
template <typename Visit>
void for_each_symbol(const ElfFile& f, const std::string& elf_path, Visit visit) {
  for (const Elf32_Shdr& s : f.sections) {
    if (s.sh_type != SHT_SYMTAB) continue;
    if (s.sh_link >= f.sections.size() || s.sh_offset + uint64_t{s.sh_size} > f.bytes.size())
      throw std::runtime_error(elf_path + ": bad symbol table");
    const Elf32_Shdr& strtab = f.sections[s.sh_link];
    if (strtab.sh_offset + uint64_t{strtab.sh_size} > f.bytes.size())
      throw std::runtime_error(elf_path + ": bad string table");
    for (size_t at = 0; at + sizeof(Elf32_Sym) <= s.sh_size; at += sizeof(Elf32_Sym)) {
      Elf32_Sym sym{};
      std::memcpy(&sym, f.bytes.data() + s.sh_offset + at, sizeof sym);
      if (sym.st_name >= strtab.sh_size) continue;
      const char* name = f.bytes.data() + strtab.sh_offset + sym.st_name;
      visit(sym, std::string(name, ::strnlen(name, strtab.sh_size - sym.st_name)));
    }
    return;
  }
  throw std::runtime_error(elf_path + ": no symbol table");
}

std::string demangle(const std::string& name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (d == nullptr) return name;
  std::string out(d);
  std::free(d);
  return out;
}

}  // namespace

ImageSizes read_image_sizes(const std::string& elf_path, uint32_t ram_base) {
  const ElfFile f = load_elf(elf_path);
  Elf32_Ehdr eh{};
  std::memcpy(&eh, f.bytes.data(), sizeof eh);
  const Elf32_Shdr& names = f.sections.at(eh.e_shstrndx);
  ImageSizes sizes;
  for (const Elf32_Shdr& s : f.sections) {
    if ((s.sh_flags & SHF_ALLOC) == 0) continue;
    // Loaded from the image: everything with contents, including .data's initial values.
    if (s.sh_type != SHT_NOBITS) sizes.flash += s.sh_size;
    if (s.sh_addr >= ram_base) sizes.ram += s.sh_size;
    if (s.sh_name < names.sh_size &&
        std::strcmp(f.bytes.data() + names.sh_offset + s.sh_name, ".stack") == 0)
      sizes.stack = s.sh_size;
  }
  return sizes;
}

std::vector<ElfObject> read_objects(const std::string& elf_path) {
  const ElfFile f = load_elf(elf_path);
  std::vector<ElfObject> objects;
  for_each_symbol(f, elf_path, [&](const Elf32_Sym& sym, const std::string& name) {
    if (ELF32_ST_TYPE(sym.st_info) == STT_OBJECT && sym.st_size > 0)
      objects.push_back(ElfObject{demangle(name), sym.st_value, sym.st_size});
  });
  return objects;
}

std::vector<ElfObject> read_functions(const std::string& elf_path) {
  const ElfFile f = load_elf(elf_path);
  std::vector<ElfObject> functions;
  for_each_symbol(f, elf_path, [&](const Elf32_Sym& sym, const std::string& name) {
    if (ELF32_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_size > 0)
      functions.push_back(ElfObject{demangle(name), sym.st_value & ~1u, sym.st_size});
  });
  std::sort(functions.begin(), functions.end(),
            [](const ElfObject& a, const ElfObject& b) { return a.address < b.address; });
  return functions;
}

uint32_t symbol_address(const std::string& elf_path, const std::string& name) {
  const ElfFile f = load_elf(elf_path);
  bool found = false;
  uint32_t address = 0;
  for_each_symbol(f, elf_path, [&](const Elf32_Sym& sym, const std::string& n) {
    if (!found && n == name) {
      found = true;
      address = sym.st_value;
    }
  });
  if (!found) throw std::runtime_error(elf_path + ": no symbol " + name);
  return address;
}

namespace {
// Words of `mem` (little endian, as the Cortex-M4 stores them).
uint32_t word_at(const std::vector<uint8_t>& mem, size_t i) {
  return static_cast<uint32_t>(mem[i]) | static_cast<uint32_t>(mem[i + 1]) << 8 |
         static_cast<uint32_t>(mem[i + 2]) << 16 | static_cast<uint32_t>(mem[i + 3]) << 24;
}
}  // namespace

HighWater read_high_water(Qmp& qmp, const std::string& elf_path) {
  HighWater hw;
  const uint32_t limit = symbol_address(elf_path, "__stack_limit");
  const uint32_t top = symbol_address(elf_path, "__stack_top");
  if (top <= limit || (top - limit) % 4 != 0) throw std::runtime_error("bad stack symbols");
  hw.stack_reserve = top - limit;
  const std::vector<uint8_t> stack = qmp.read_memory(limit, top - limit);
  // The stack grows down from __stack_top: count the painted words from the limit up.
  size_t painted = 0;
  while (painted + 4 <= stack.size() && word_at(stack, painted) == kPaintWord) painted += 4;
  if (painted == 0)
    throw std::runtime_error(
        "stack paint not found at __stack_limit: the stack overflowed, or "
        "the image does not paint (paint.h)");
  hw.stack_peak = hw.stack_reserve - painted;

  uint32_t pool = 0;
  for (const ElfObject& o : read_objects(elf_path))
    if (o.name == "idr_mbedtls_pool") {
      pool = o.address;
      hw.pool_size = o.size;
    }
  if (hw.pool_size == 0) throw std::runtime_error(elf_path + ": no idr_mbedtls_pool");
  const std::vector<uint8_t> mem = qmp.read_memory(pool, static_cast<uint32_t>(hw.pool_size));
  // The pool fills from its start (first fit): find the last word that is not paint.
  size_t end = mem.size() & ~size_t{3};
  while (end >= 4 && word_at(mem, end - 4) == kPaintWord) end -= 4;
  if (end == mem.size()) throw std::runtime_error("no paint left in the mbedTLS pool: it is full");
  hw.pool_peak = end;
  return hw;
}

}  // namespace idr::qemu
