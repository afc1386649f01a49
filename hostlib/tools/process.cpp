#include "process.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace idr::tool {

namespace {

bool executable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

int shell_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

std::string own_directory() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<size_t>(n));
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string find_program(const std::string& name, const std::string& first_dir) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return executable(name) ? name : std::string();
  std::string path = first_dir;
  if (const char* p = std::getenv("PATH")) path += (path.empty() ? "" : ":") + std::string(p);
  size_t start = 0;
  for (size_t guard = 0; guard <= path.size(); ++guard) {
    const size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (executable(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) throw std::runtime_error("no program to start");
  const std::string program = find_program(argv[0], options.path_prepend);
  if (program.empty()) throw std::runtime_error("cannot find the program '" + argv[0] + "'");

  // Everything the child needs is built before fork: after fork in a threaded process only
  // async-signal-safe calls are allowed (no allocation).
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [k, v] : options.env) replaced = replaced || k == key;
    if (!options.path_prepend.empty() && key == "PATH") replaced = true;
    if (!replaced) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  if (!options.path_prepend.empty()) {
    const char* old = std::getenv("PATH");
    env_strings.push_back("PATH=" + options.path_prepend + (old ? ":" + std::string(old) : ""));
  }
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int out[2] = {-1, -1};
  if (options.capture_stdout && ::pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("cannot create a pipe");
  int stderr_fd = -1;
  if (!options.stderr_file.empty()) {
    stderr_fd = ::open(options.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (stderr_fd < 0)
      throw std::runtime_error("cannot open " + options.stderr_file + ": " + std::strerror(errno));
  }
  int err[2];  // exec failure: errno written here; closed by a successful exec (CLOEXEC)
  if (::pipe2(err, O_CLOEXEC) != 0) {
    if (stderr_fd >= 0) ::close(stderr_fd);
    throw std::runtime_error("cannot create a pipe");
  }
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, options.parent_death_signal);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    // The tool may have blocked or caught signals; the child starts clean.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    if (out[1] >= 0) ::dup2(out[1], STDOUT_FILENO);
    if (stderr_fd >= 0) ::dup2(stderr_fd, STDERR_FILENO);
    ::execve(program.c_str(), args.data(), envp.data());
    const int e = errno;
    (void)!::write(err[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(err[1]);
  if (out[1] >= 0) ::close(out[1]);
  if (stderr_fd >= 0) ::close(stderr_fd);
  out_ = out[0];
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(err[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    kill();
    throw std::runtime_error("cannot start '" + program + "': " + std::strerror(exec_errno));
  }
}

ChildProcess::~ChildProcess() {
  kill();
  if (forwarder_.joinable()) forwarder_.join();  // ends at EOF: the child is gone
  if (out_ >= 0) ::close(out_);
}

std::string ChildProcess::wait_for_line(const std::string& prefix,
                                        std::chrono::milliseconds timeout) {
  if (out_ < 0) throw std::runtime_error("stdout of the child is not captured");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int guard = 0; guard < 100000; ++guard) {
    for (auto nl = buffered_.find('\n'); nl != std::string::npos; nl = buffered_.find('\n')) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;  // EINTR or time up: the loop rechecks the deadline
    char buf[512];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the program exited before printing '" + prefix + "...'");
    buffered_.append(buf, static_cast<size_t>(n));
  }
  throw std::runtime_error("no line '" + prefix + "...' within " + std::to_string(timeout.count()) +
                           " ms");
}

std::string ChildProcess::read_all(std::chrono::milliseconds timeout) {
  if (out_ < 0) throw std::runtime_error("stdout of the child is not captured");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("the program did not finish its output within " +
                               std::to_string(timeout.count()) + " ms");
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::exchange(buffered_, std::string());
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

void ChildProcess::forward_stdout(int fd, std::string watch_prefix) {
  if (out_ < 0 || forwarder_.joinable()) return;
  const std::string pending = std::move(buffered_);
  const int in = out_;
  forwarder_ = std::thread([this, in, fd, pending, watch_prefix] {
    std::string line;  // the line being watched, up to its newline
    auto copy = [&](const char* data, size_t n) {
      (void)!::write(fd, data, n);
      if (watch_prefix.empty()) return;
      for (size_t i = 0; i < n; ++i) {
        if (data[i] != '\n') {
          if (line.size() < 4096) line.push_back(data[i]);
          continue;
        }
        if (line.rfind(watch_prefix, 0) == 0) {
          std::lock_guard<std::mutex> lock(watched_mutex_);
          watched_.push_back(line.substr(watch_prefix.size()));
        }
        line.clear();
      }
    };
    if (!pending.empty()) copy(pending.data(), pending.size());
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      copy(buf, static_cast<size_t>(n));
    }
  });
}

std::vector<std::string> ChildProcess::watched_lines() {
  std::lock_guard<std::mutex> lock(watched_mutex_);
  return watched_;
}

void ChildProcess::finish_forwarding() {
  kill();
  if (forwarder_.joinable()) forwarder_.join();  // ends at EOF: the child is gone
}

pid_t ChildProcess::pid() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pid_;
}

bool ChildProcess::running() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = shell_status(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::wait() {
  const pid_t pid = this->pid();
  if (pid <= 0) return status_;
  // Wait without reaping, so the pid stays ours while signal() may still use it.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mutex_);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  status_ = r == pid ? shell_status(status) : 255;
  pid_ = -1;
  return status_;
}

void ChildProcess::signal(int sig) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pid_ > 0) ::kill(pid_, sig);
}

void ChildProcess::kill() {
  signal(SIGKILL);
  (void)wait();
}

}  // namespace idr::tool
