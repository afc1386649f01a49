#pragma once
// Child processes for `idr sim` (and the cli tests): fork/exec with an exec error reported
// back to the parent, stdout optionally piped and read line by line with a bounded wait,
// the child killed (SIGKILL) and reaped when the object goes, and killed by the kernel
// when this process dies first (PR_SET_PDEATHSIG), so no simulator is left behind.
// Modelled on tests/e2e/child_process.* (test support), with what a tool needs on top:
// environment, PATH lookup, exit status, signal forwarding.
#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace idr::tool {

struct SpawnOptions {
  bool capture_stdout = false;  // else inherited
  // When not empty: the child's stderr goes to this file (created or truncated); else
  // inherited.
  std::string stderr_file;
  // Added to (or replacing in) this process's environment for the child.
  std::vector<std::pair<std::string, std::string>> env;
  // Directory put first on the child's PATH (and used to find argv[0]); empty: none.
  std::string path_prepend;
  int parent_death_signal = 9;  // SIGKILL
};

class ChildProcess {
 public:
  // argv[0] is a path, or a name looked up on PATH. Throws std::runtime_error with the
  // reason when it cannot be started (not found, not executable).
  ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Captured stdout: reads lines until one starts with `prefix`, returns the rest of it.
  // Throws when none comes within `timeout` or stdout closes (the child exited).
  std::string wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout);
  // Captured stdout: everything up to EOF (the child closed it, normally by exiting).
  // Throws when EOF does not come within `timeout`.
  std::string read_all(std::chrono::milliseconds timeout);
  // Captured stdout: from now on copy it to `fd` on a thread, so the child never blocks on
  // a full pipe. Lines starting with `watch_prefix` (when not empty) are also kept (rest of
  // the line): watched_lines() after the child is gone (kill()) has every one it wrote.
  void forward_stdout(int fd, std::string watch_prefix = {});
  [[nodiscard]] std::vector<std::string> watched_lines();
  // Kills the child and waits until the forwarder has copied everything it wrote.
  void finish_forwarding();

  // True while the child has not exited (reaps it when it has).
  [[nodiscard]] bool running();
  // Waits for the exit; returns the shell's view of the status: the exit code, or 128 + the
  // signal that ended it.
  int wait();
  void signal(int sig);
  // SIGKILL + reap; idempotent.
  void kill();
  [[nodiscard]] pid_t pid() const;
  [[nodiscard]] int exit_status() const { return status_; }

 private:
  // Guards pid_ so signal() from another thread never hits a reaped (reusable) pid.
  mutable std::mutex mutex_;
  pid_t pid_ = -1;
  int out_ = -1;
  int status_ = -1;
  std::string buffered_;
  std::thread forwarder_;
  std::mutex watched_mutex_;
  std::vector<std::string> watched_;
};

// `name` if it contains a '/', else the first executable `dir/name` on PATH (after
// `first_dir` when given); empty when none.
[[nodiscard]] std::string find_program(const std::string& name, const std::string& first_dir = {});
// The directory of this process's executable (/proc/self/exe); empty when unknown.
[[nodiscard]] std::string own_directory();

}  // namespace idr::tool
