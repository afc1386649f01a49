#include "qemu_reader.h"

#include <elf.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

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
                                      unsigned short sim_port) {
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
  return argv;
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
  qemu = std::make_unique<e2e::ChildProcess>(qemu_command(elf, host_port, sim_port));
  // idr-sim retries its connection until QEMU opens UART1 (after the host client came).
  sim = std::make_unique<e2e::ChildProcess>(std::vector<std::string>{
      sim_exe, "--scenario", scenario, "--connect", "127.0.0.1:" + std::to_string(sim_port)});
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

ImageSizes read_image_sizes(const std::string& elf_path, uint32_t ram_base) {
  std::ifstream in(elf_path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open " + elf_path +
                             " (missing image: the cortex-m4 cross build failed?)");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  Elf32_Ehdr eh{};
  if (bytes.size() < sizeof eh) throw std::runtime_error(elf_path + ": too short for ELF");
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
      eh.e_machine != EM_ARM)
    throw std::runtime_error(elf_path + ": not a 32-bit ARM ELF");
  if (eh.e_shentsize != sizeof(Elf32_Shdr) ||
      eh.e_shoff + static_cast<uint64_t>(eh.e_shnum) * sizeof(Elf32_Shdr) > bytes.size())
    throw std::runtime_error(elf_path + ": bad section header table");
  std::vector<Elf32_Shdr> sections(eh.e_shnum);
  std::memcpy(sections.data(), bytes.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf32_Shdr));
  const Elf32_Shdr& names = sections.at(eh.e_shstrndx);

  ImageSizes sizes;
  for (const Elf32_Shdr& s : sections) {
    if ((s.sh_flags & SHF_ALLOC) == 0) continue;
    // Loaded from the image: everything with contents, including .data's initial values.
    if (s.sh_type != SHT_NOBITS) sizes.flash += s.sh_size;
    if (s.sh_addr >= ram_base) sizes.ram += s.sh_size;
    if (s.sh_name < names.sh_size &&
        std::strcmp(bytes.data() + names.sh_offset + s.sh_name, ".stack") == 0)
      sizes.stack = s.sh_size;
  }
  return sizes;
}

}  // namespace idr::qemu
