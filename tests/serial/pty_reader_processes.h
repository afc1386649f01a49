#pragma once
// idr-sim + `idr-firmware --pty` for one scenario: the reader's host link is a
// pseudo-terminal, reached as `serial:/dev/pts/N` (hostlib's serial transport). Both
// processes are killed and reaped when this object goes (also when a test fails).
#include <memory>
#include <string>

#include "child_process.h"

namespace idr::test {

struct PtyReaderProcesses {
  explicit PtyReaderProcesses(const std::string& scenario_file);

  [[nodiscard]] std::string uri() const { return "serial:" + pty_path; }

  std::unique_ptr<e2e::ChildProcess> sim;
  std::unique_ptr<e2e::ChildProcess> firmware;
  std::string pty_path;  // "/dev/pts/N" as idr-firmware announced it
};

}  // namespace idr::test
