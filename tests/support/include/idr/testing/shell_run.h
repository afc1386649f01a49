#pragma once
// Runs a shell command line for process-level tests: its stdout and exit status, bounded
// by timeout(1) (a hung child ends the run with status 124 instead of hanging the test).
// The child inherits this process's environment (e.g. umockdev's preload and testbed).
#include <sys/wait.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace idr::testing {

struct ShellRun {
  std::string out;  // stdout; stderr goes to the test log
  int status = -1;  // exit status; -1 when killed by a signal
};

inline ShellRun shell_run(const std::string& command_line, int bound_seconds = 60) {
  FILE* p = ::popen(("timeout " + std::to_string(bound_seconds) + " " + command_line).c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run: " + command_line);
  ShellRun run;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) run.out.append(buf, n);
  const int status = ::pclose(p);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace idr::testing
