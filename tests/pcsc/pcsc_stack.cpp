#include "pcsc_stack.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <winscard.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "idr/posix/loopback.h"
#include "idr/proto/pcsc_envelope.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace idr::test {

namespace {

constexpr const char* kSocket = "/run/pcscd/pcscd.comm";
constexpr const char* kPidFile = "/run/pcscd/pcscd.pid";
constexpr const char* kDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

// A live (not zombie) process named pcscd, or 0.
long running_pcscd() {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string pid, comm, state;
    if (!(stat >> pid >> comm >> state)) continue;
    if (comm == "(pcscd)" && state != "Z") return std::stol(pid);
  }
  return 0;
}

bool pcscd_answers() {
  SCARDCONTEXT c = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) != SCARD_S_SUCCESS)
    return false;
  (void)SCardReleaseContext(c);
  return true;
}

// Polls `reader` (SCardGetStatusChange) until `reached(state)` holds or `bound` passes; an
// error other than a timeout (the reader not there yet) is asked again after 100 ms.
template <typename Reached>
bool wait_for_state(const std::string& reader, std::chrono::milliseconds bound, Reached reached) {
  SCARDCONTEXT c = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) != SCARD_S_SUCCESS)
    return false;
  SCARD_READERSTATE state{};
  state.szReader = reader.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  const auto deadline = Clock::now() + bound;
  bool done = false;
  while (!done && Clock::now() < deadline) {
    const LONG rv = SCardGetStatusChange(c, 200, &state, 1);
    if (rv == SCARD_S_SUCCESS) {
      done = reached(state);
      state.dwCurrentState = state.dwEventState & ~SCARD_STATE_CHANGED;
    } else if (rv != SCARD_E_TIMEOUT) {
      std::this_thread::sleep_for(100ms);
      state.dwCurrentState = SCARD_STATE_UNAWARE;
    }
  }
  (void)SCardReleaseContext(c);
  return done;
}

}  // namespace

std::string PcscStack::reader_name() {
  return "idr test reader 00 00";  // FRIENDLYNAME + pcscd's " <reader> <slot>"
}

std::vector<std::string> PcscStack::in_namespace(std::vector<std::string> argv) const {
  std::vector<std::string> out{"/usr/bin/nsenter",
                               "--net=/proc/" + std::to_string(netns_->pid()) + "/ns/net", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void PcscStack::start_pcscd() {
  if (const long other = running_pcscd())
    throw std::runtime_error("another pcscd runs (pid " + std::to_string(other) +
                             "): one pcscd per machine, stop it first");
  // A socket left by a pcscd that died stops a new one from starting; nobody owns it now.
  if (fs::exists(kSocket)) {
    fs::remove(kSocket);
    fs::remove(kPidFile);
  }
  char tmpl[] = "/tmp/idr-pcsc-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  fs::create_directory(dir_ + "/conf");
  std::ofstream(dir_ + "/conf/idr")
      << "FRIENDLYNAME \"idr test reader\"\n"
      << "DEVICENAME /dev/null:0x" << std::hex << kVpcdPort << "\n"  // vpcd listens
      << "LIBPATH " << kDriver << "\n";

  netns_ = std::make_unique<e2e::ChildProcess>(
      std::vector<std::string>{"/usr/bin/unshare", "--net", "--", "/bin/sh", "-c",
                               "ip link set lo up && echo ready && exec sleep 3600"});
  netns_->wait_for_line("ready", kStartTimeout);
  pcscd_ = std::make_unique<e2e::ChildProcess>(in_namespace(
      {"sh", "-c", "exec pcscd -f -c '" + dir_ + "/conf' > '" + dir_ + "/pcscd.log' 2>&1"}));
  const auto deadline = Clock::now() + kStartTimeout;
  while (!pcscd_answers()) {
    if (Clock::now() > deadline || !pcscd_->running())
      throw std::runtime_error("pcscd did not start: " + pcscd_log());
    std::this_thread::sleep_for(50ms);
  }
}

PcscStack::PcscStack(const std::string& scenario_file) {
  try {
    start_pcscd();
    plug(scenario_file);
    if (!wait_for_card(kStartTimeout))
      throw std::runtime_error("the reader's card did not appear in PC/SC: " + pcscd_log());
  } catch (...) {
    stop_all();  // the destructor does not run for a constructor that throws
    throw;
  }
}

PcscStack::PcscStack(CardByCaller) {
  try {
    start_pcscd();
  } catch (...) {
    stop_all();
    throw;
  }
}

int PcscStack::connect_vpcd() const {
  // setns affects the calling thread only: a short-lived thread enters the namespace, and
  // the socket it makes stays in it.
  const std::string ns = "/proc/" + std::to_string(netns_->pid()) + "/ns/net";
  int fd = -1;
  std::thread([&] {
    const int nsfd = ::open(ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) return;
    if (::setns(nsfd, CLONE_NEWNET) == 0) fd = posix::connect_loopback(kVpcdPort);
    ::close(nsfd);
  }).join();
  return fd;
}

PcscStack::~PcscStack() {
  stop_all();
}

void PcscStack::stop_all() {
  kill_reader();
  stop_pcscd();
  netns_.reset();
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    dir_.clear();
  }
}

void PcscStack::stop_pcscd() {
  if (!pcscd_) return;
  // SIGTERM lets pcscd remove its socket; SIGKILL (by reset) only if it does not stop.
  ::kill(pcscd_->pid(), SIGTERM);
  const auto deadline = Clock::now() + 5s;
  while (pcscd_->running() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  pcscd_.reset();
  if (fs::exists(kSocket) && running_pcscd() == 0) {
    fs::remove(kSocket);
    fs::remove(kPidFile);
  }
}

void PcscStack::kill_reader() {
  firmware_.reset();  // ChildProcess: SIGKILL + reap
  sim_.reset();
}

void PcscStack::pull() {
  kill_reader();
  (void)wait_for_empty(5s);
}

bool PcscStack::wait_for_empty(std::chrono::milliseconds bound) const {
  return wait_for_state(reader_name(), bound, [](const SCARD_READERSTATE& state) {
    return (state.dwEventState & SCARD_STATE_EMPTY) != 0;
  });
}

void PcscStack::freeze_simulator() {
  if (sim_) ::kill(sim_->pid(), SIGSTOP);
}

void PcscStack::plug(const std::string& scenario_file) {
  kill_reader();
  sim_ = std::make_unique<e2e::ChildProcess>(
      in_namespace({IDR_SIM_EXE, "--scenario", scenario_file, "--listen", "127.0.0.1:0"}));
  const unsigned short sim_port =
      e2e::parse_loopback_port(sim_->wait_for_line("listening on ", kStartTimeout));
  firmware_ = std::make_unique<e2e::ChildProcess>(
      in_namespace({IDR_FIRMWARE_EXE, "--sim", "127.0.0.1:" + std::to_string(sim_port), "--vpcd",
                    "127.0.0.1:" + std::to_string(kVpcdPort)}));
  firmware_->wait_for_line("vpcd card for ", kStartTimeout);
}

bool PcscStack::wait_for_card(std::chrono::milliseconds bound) const {
  return wait_for_state(reader_name(), bound, [](const SCARD_READERSTATE& state) {
    return (state.dwEventState & SCARD_STATE_PRESENT) != 0 &&
           state.cbAtr == proto::pcsc::kAtrSize &&
           std::memcmp(state.rgbAtr, proto::pcsc::kAtr.bytes, state.cbAtr) == 0;
  });
}

std::string PcscStack::pcscd_log() const {
  std::ifstream in(dir_ + "/pcscd.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace idr::test
