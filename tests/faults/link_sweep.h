#pragma once
// One host-link fault class swept over its points (DESIGN 4): per point a new connection with
// the fault armed and one full signed read (its outcome tallied), then a connection without
// fault on which the reader must read the card again within 3 reads. Shared by the byte
// transports (host_link_faults_test.cpp) and USB (usb_link_faults_test.cpp).
#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <string>

#include "fault_rig.h"

namespace idr::faults {

// Runs `op` on a helper thread while this thread runs the firmware, for the host's blocking
// calls that need the device to answer (usb:, pcsc:): a transfer or a transmit completes only
// while the in-process firmware runs.
template <typename Op>
auto with_firmware(FaultRig& rig, Op op) -> decltype(op()) {
  auto done = std::async(std::launch::async, std::move(op));
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) rig.step();
  return done.get();
}

// IDR_FAULTS_FULL=1 (toolchain/fuzz --faults): every point; else the suite's sample.
[[nodiscard]] bool full_sweep();

struct LinkFaultClass {
  std::string name;  // "tcp byte loss": the tally's line
  size_t points = 0;
  std::function<std::string(size_t)> where;  // point i, for messages
  // A new connection for the host with point i's fault armed; returns whether it fired.
  std::function<std::function<bool()>(size_t)> arm;
  std::function<void()> reconnect;  // a new connection without fault
};

// Runs the class on `rig` (provisioned), prints its tally (WARN) and checks: every point's
// fault fired, no wrong data signed, no counter lost or repeated (also in the reads after),
// each read within the host's budget for the commands it sent, the card read again after.
void sweep(FaultRig& rig, const LinkFaultClass& c);

}  // namespace idr::faults
