#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "idr/posix/loopback.h"

namespace idr::e2e {

namespace {

const char kModelErrorPrefix[] = "model error: ";  // idr-sim's line (hw-sim/README.md)

void end_process_on_model_error(const std::string& message) {
  std::fprintf(stderr, "the simulator reported a model error (DESIGN 3: fatal): %s\n",
               message.c_str());
  std::_Exit(3);
}

ModelErrorHandler g_model_error_handler = end_process_on_model_error;

bool is_simulator(const std::string& path) {
  const auto slash = path.rfind('/');
  return path.substr(slash == std::string::npos ? 0 : slash + 1) == "idr-sim";
}

}  // namespace

ModelErrorHandler set_model_error_handler(ModelErrorHandler handler) {
  const ModelErrorHandler previous = g_model_error_handler;
  g_model_error_handler = handler != nullptr ? handler : end_process_on_model_error;
  return previous;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::runtime_error("ChildProcess: empty argv");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("ChildProcess: pipe failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error("ChildProcess: fork failed");
  }
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::execv(args[0], args.data());
    const char msg[] = "ChildProcess: exec failed\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  out_ = fds[0];
  simulator_ = is_simulator(argv[0]);
}

ChildProcess::~ChildProcess() {
  kill();
  if (out_ >= 0) ::close(out_);
}

void ChildProcess::kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (!simulator_) return;
  drain_stdout();  // the child is gone: this is all it ever wrote
  std::vector<std::string> unexpected;
  unexpected.swap(model_errors_);
  for (const auto& m : unexpected) g_model_error_handler(m);
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("ChildProcess: the process did not end within the time limit");
    ::usleep(10'000);  // polling an exit, not synchronising on a guess
  }
  return exit_status_;
}

std::vector<std::string> ChildProcess::take_model_errors() {
  drain_stdout();
  std::vector<std::string> taken;
  taken.swap(model_errors_);
  return taken;
}

void ChildProcess::note_line(const std::string& line) {
  if (simulator_ && line.rfind(kModelErrorPrefix, 0) == 0)
    model_errors_.push_back(line.substr(sizeof kModelErrorPrefix - 1));
}

void ChildProcess::drain_stdout() {
  if (out_ < 0) return;
  for (int i = 0; i < 4096; ++i) {  // bounded: a pipe holds at most 1 MiB here
    pollfd p{out_, POLLIN, 0};
    const int r = ::poll(&p, 1, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[512];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) break;
    buffered_.append(buf, static_cast<size_t>(n));
  }
  // Complete lines only; read_line() still gets them, the model errors are noted here.
  size_t start = 0;
  for (auto nl = buffered_.find('\n'); nl != std::string::npos; nl = buffered_.find('\n', start)) {
    note_line(buffered_.substr(start, nl - start));
    start = nl + 1;
  }
  if (simulator_) buffered_.erase(0, start);
}

std::string ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      note_line(line);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("ChildProcess: no stdout line within the time limit");
    pollfd p{out_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("ChildProcess: the process closed stdout (exited?)");
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

std::string ChildProcess::wait_for_line(const std::string& prefix,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 1000; ++i) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const std::string line = read_line(left.count() > 0 ? left : std::chrono::milliseconds(1));
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  throw std::runtime_error("ChildProcess: expected line '" + prefix + "' never came");
}

unsigned short parse_loopback_port(const std::string& address) {
  uint16_t port = 0;
  if (!posix::parse_loopback_address(address, port))
    throw std::runtime_error("not 127.0.0.1:PORT: " + address);
  if (port == 0) throw std::runtime_error("bad port in: " + address);
  return port;
}

}  // namespace idr::e2e
