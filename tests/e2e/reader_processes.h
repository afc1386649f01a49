#pragma once
// Starts the simulator and the reader firmware for one test, both killed and reaped when
// this object goes (also when the test fails). Defined per board: reader_processes.cpp
// (host board: idr-sim and idr-firmware, free ports read from their stdout) and
// tests/qemu/qemu_reader_processes.cpp (QEMU running the Cortex-M4 image, idr-sim
// connecting to its UART1).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"

namespace idr::e2e {

struct ReaderProcesses {
  // Host board: `idr-sim --scenario FILE --listen 127.0.0.1:0`, then
  // `idr-firmware --sim 127.0.0.1:<sim port> --listen 127.0.0.1:0 [firmware_options]`.
  // Firmware options exist on the host board only (the QEMU one refuses them). A model
  // error idr-sim reports fails the test (child_process.h) unless the test takes it.
  explicit ReaderProcesses(const std::string& scenario_file,
                           const std::vector<std::string>& firmware_options = {});

  std::unique_ptr<ChildProcess> sim;
  std::unique_ptr<ChildProcess> firmware;
  unsigned short sim_port = 0;
  unsigned short host_port = 0;

  static constexpr std::chrono::milliseconds kStartTimeout{15'000};
};

}  // namespace idr::e2e
