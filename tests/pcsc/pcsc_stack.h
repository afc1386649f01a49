#pragma once
// The PC/SC test stack (tests/pcsc/README.md): a private network namespace holding the real
// pcscd (vsmartcard's vpcd driver listening on its fixed port), idr-sim and
// `idr-firmware --vpcd`. vpcd listens on every interface of its namespace, and that
// namespace has only loopback, so nothing is reachable from outside; pcscd's client socket
// is a file (/run/pcscd/pcscd.comm), shared with this process. One pcscd per machine: the
// tests take the CTest resource lock `pcscd`, and PcscStack refuses to start when another
// pcscd runs. Every process is stopped by the destructor (also when a test fails).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"

namespace idr::test {

class PcscStack {
 public:
  // Starts pcscd, then idr-sim (scenario) and the firmware; returns once the reader's card
  // (its ATR) is seen through PC/SC. Throws with a clear message otherwise.
  explicit PcscStack(const std::string& scenario_file);
  // Starts pcscd only: the caller is the card side (no simulator or firmware process). It
  // connects to vpcd with connect_vpcd() (tests/faults: the in-process firmware's link).
  struct CardByCaller {};
  explicit PcscStack(CardByCaller);
  ~PcscStack();
  PcscStack(const PcscStack&) = delete;
  PcscStack& operator=(const PcscStack&) = delete;

  // Pulls the device: kills the firmware (and the simulator), closing vpcd's connection;
  // returns once pcscd shows the slot empty (bounded: 5 s).
  void pull();
  // Stops the simulator (SIGSTOP): the firmware then blocks inside whatever it does, e.g. a
  // card read, until pull() kills both. Makes "pull mid-read" deterministic.
  void freeze_simulator();
  // Plugs it back: a new simulator with `scenario_file` and a new firmware.
  void plug(const std::string& scenario_file);
  // Waits (bounded) until pcscd shows the first slot empty; false when it did not. pcscd
  // shows a card until vpcd's next presence poll (~400 ms): a later wait_for_card() then sees
  // the next insertion, not the card that was just removed.
  [[nodiscard]] bool wait_for_empty(std::chrono::milliseconds bound) const;
  // Waits (bounded) until PC/SC shows our card in the first slot; false when it did not.
  bool wait_for_card(std::chrono::milliseconds bound) const;

  // A socket connected to vpcd's port inside the namespace (vpcd takes it at its next
  // presence poll: a card inserted; closing it removes the card), or -1.
  [[nodiscard]] int connect_vpcd() const;

  // The reader name pcscd gives vpcd's first slot, and the pcsc: URI of it.
  static std::string reader_name();
  [[nodiscard]] std::string uri() const { return "pcsc:" + reader_name(); }
  // pcscd's log so far (for failure messages).
  [[nodiscard]] std::string pcscd_log() const;

  static constexpr unsigned short kVpcdPort = 0x8C7B;  // vpcd's default, private namespace
  static constexpr std::chrono::milliseconds kStartTimeout{15'000};

 private:
  void start_pcscd();
  [[nodiscard]] std::vector<std::string> in_namespace(std::vector<std::string> argv) const;
  void stop_pcscd();
  void stop_all();
  void kill_reader();

  std::string dir_;  // private config dir + pcscd log
  std::unique_ptr<e2e::ChildProcess> netns_;
  std::unique_ptr<e2e::ChildProcess> pcscd_;
  std::unique_ptr<e2e::ChildProcess> sim_;
  std::unique_ptr<e2e::ChildProcess> firmware_;
};

}  // namespace idr::test
