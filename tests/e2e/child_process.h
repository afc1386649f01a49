#pragma once
// A child process for process-level tests: started with fork/exec, its stdout readable
// line by line with a bounded wait, always killed and reaped by the destructor (also when
// a test fails and unwinds).
//
// A simulator (argv[0] named idr-sim) is watched for model errors (DESIGN 3: fatal): idr-sim
// prints "model error: MESSAGE" on stdout before the board gets its ModelError answer, so
// by the time a test saw the reader fail, the line is in the pipe. When the child is killed
// (the harness's teardown), its whole stdout is read and every such line that the test did
// not take with take_model_errors() goes to the model-error handler: in test executables it
// fails the running test case (tests/catch_main.cpp), elsewhere it ends the process.
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
  // SIGKILL + waitpid; idempotent. A simulator's unexpected model errors are reported
  // (see above).
  void kill();
  // A simulator's model-error messages seen so far (its stdout read without waiting), taken:
  // for a test that provokes one on purpose. Empty for other children.
  std::vector<std::string> take_model_errors();
  // The exit status of a child that ended by itself (exit code, or 128 + signal) once
  // running() or kill() reaped it; -1 while running or when it was killed here.
  [[nodiscard]] int exit_status() const { return exit_status_; }
  // Waits for the child to end by itself; its exit_status(). Throws after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout);
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  void drain_stdout();  // reads what stdout holds now, without waiting
  void note_line(const std::string& line);

  pid_t pid_ = -1;
  int out_ = -1;
  int exit_status_ = -1;
  bool simulator_ = false;
  std::string buffered_;
  std::vector<std::string> model_errors_;  // seen and not taken yet
};

// Who hears about a simulator's model errors nobody took (see above). The default prints
// the message and ends the process with status 3; test executables fail the test case.
using ModelErrorHandler = void (*)(const std::string& message);
// Returns the handler it replaces; null installs the default.
ModelErrorHandler set_model_error_handler(ModelErrorHandler handler);

// "127.0.0.1:<port>" -> port; throws on anything else (loopback only).
unsigned short parse_loopback_port(const std::string& address);

}  // namespace idr::e2e
