#pragma once
// A child process for process-level tests: started with fork/exec, its stdout readable
// line by line with a bounded wait, always killed and reaped by the destructor (also when
// a test fails and unwinds).
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace idr::e2e {

class ChildProcess {
 public:
  // Starts argv[0] with the arguments; stdout is a pipe, stderr is inherited.
  // Throws std::runtime_error when the program cannot be started.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next stdout line (without newline). Throws when none arrives within `timeout` or
  // the process closes stdout.
  std::string read_line(std::chrono::milliseconds timeout);
  // Reads lines until one starts with `prefix`; returns the rest of that line.
  std::string wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout);

  [[nodiscard]] bool running();
  // SIGKILL + waitpid; idempotent.
  void kill();
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffered_;
};

// "127.0.0.1:<port>" -> port; throws on anything else (loopback only).
unsigned short parse_loopback_port(const std::string& address);

}  // namespace idr::e2e
