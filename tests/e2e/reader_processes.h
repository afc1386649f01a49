#pragma once
// Starts idr-sim and idr-firmware for one test: free ports read from their stdout, both
// killed and reaped when this object goes (also when the test fails).
#include <chrono>
#include <memory>
#include <string>

#include "child_process.h"

namespace idr::e2e {

struct ReaderProcesses {
  // Starts `idr-sim --scenario FILE --listen 127.0.0.1:0`, then
  // `idr-firmware --sim 127.0.0.1:<sim port> --listen 127.0.0.1:0`.
  explicit ReaderProcesses(const std::string& scenario_file);

  std::unique_ptr<ChildProcess> sim;
  std::unique_ptr<ChildProcess> firmware;
  unsigned short sim_port = 0;
  unsigned short host_port = 0;

  static constexpr std::chrono::milliseconds kStartTimeout{15'000};
};

}  // namespace idr::e2e
