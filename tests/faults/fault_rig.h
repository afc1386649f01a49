#pragma once
// The fault campaign's reader (DESIGN 3, DESIGN 5): the whole firmware (ReaderApp) on the host
// board with the simulator's models in-process, and the host library (idr::Reader, provision,
// verify_record) talking to it over an in-memory host link. Everything runs in virtual time:
// a host read waits by running the firmware, a firmware wait for the host passes virtual
// time, so timeouts on both sides are the protocols' own and every run is the same.
//
// A full signed read (attempt()): the card is presented afresh, the host polls find, sends
// READ_SIGNED for every field and verifies the record; the outcome is classified against the
// personalisation of the card whose UID the record names.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "idr/board/host_board.h"
#include "idr/ca.h"
#include "idr/core/app/reader_app.h"
#include "idr/reader.h"
#include "idr/sim/model_peripherals.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/testing/temp_dir.h"
#include "idr/verify.h"

namespace idr::faults {

// How one faulted read ended (the matrix's columns).
enum class ReadOutcome {
  CleanError,    // a defined error, or a record the host does not verify
  Recovered,     // a verified record with the card's exact data despite the fault
  WrongData,     // a verified record whose fields differ from the card's: must never happen
  CounterFault,  // a signed counter not above every counter signed before: must never happen
};

struct AttemptResult {
  ReadOutcome outcome = ReadOutcome::CleanError;
  std::string detail;           // the error or the verdict, for messages
  uint64_t virtual_ns = 0;      // virtual time the host spent
  unsigned commands = 0;        // host-link requests the host sent
  bool host_timed_out = false;  // some command got no reply within the host's budget
};

// The firmware's side of the in-memory host link.
class PipeHostLink final : public hal::HostLink {
 public:
  std::deque<uint8_t> to_reader, to_host;
  std::function<void(uint32_t)> wait_us;       // passes virtual time (the board clock)
  std::function<bool()> powered;               // the MCU has power: bytes it writes go out
  std::vector<uint8_t>* record_in = nullptr;   // when set: every byte the firmware read
  std::vector<uint8_t>* record_out = nullptr;  // when set: every byte the firmware wrote
  // When set, the firmware's host link is this one instead (the USB device layer of the USB
  // faults, usb_link_faults_test.cpp); the deques are not used.
  hal::HostLink* through = nullptr;

  Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  Status write(const uint8_t* data, size_t len) override;
};

// Builds the simulator's models; the rig keeps pointers to them.
using FieldFactory = std::function<std::unique_ptr<sim::RfField>(
    const sim::Scenario&, sim::EventQueue&, sim::TimeAccounts&, const sim::TimingParams&)>;

class FaultRig {
 public:
  // `field` builds the RF field (default: the scenario's cards, sim::build_field).
  explicit FaultRig(const sim::Scenario& scenario, FieldFactory field = {});
  ~FaultRig();

  // Starts the board and the firmware; `before_boot` may prepare the flash first.
  void boot(const std::function<void(sim::FlashModel&)>& before_boot = {});
  // Provisions the reader with the rig's test CA (ca::provision_reader).
  void provision();

  // One full signed read (see the header comment) with the field's first `cards` cards
  // presented. Faults armed before it act during it.
  AttemptResult attempt(size_t cards = SIZE_MAX);
  // Presents the field's first `count` cards afresh (out of the field, back 20 ms later);
  // the others stay out.
  void present_cards(size_t count = SIZE_MAX);
  // The power came back after a cut: the flash powers on and the MCU boots from flash (RAM
  // gone: a new ReaderApp).
  void power_cycle();

  [[nodiscard]] sim::RfField& field() { return *hw_->field; }
  [[nodiscard]] sim::SamModel& sam() { return *hw_->sam; }
  [[nodiscard]] sim::FlashModel& flash() { return *hw_->flash; }
  [[nodiscard]] sim::Simulator& simulator() { return *sim_; }
  [[nodiscard]] Reader& reader() { return *reader_; }
  [[nodiscard]] uint64_t max_counter() const { return max_counter_; }
  // Every card of the field's personalisation, by UID.
  [[nodiscard]] const std::map<std::vector<uint8_t>, sim::CardImage>& cards() const {
    return cards_;
  }
  // Runs the firmware (or lets virtual time pass while it has no power) for one step.
  void step();
  // The firmware's end of the host link, and the host's reader (replaceable: the host-link
  // faults put a real transport in between, host_link_faults_test.cpp).
  [[nodiscard]] PipeHostLink& pipe() { return host_; }
  void set_reader(std::unique_ptr<Reader> reader) { reader_ = std::move(reader); }
  [[nodiscard]] uint64_t now_ns() const { return sim_->now(); }
  // Counts a host-link request sent and a host read that timed out (for AttemptResult).
  void note_command() { ++commands_; }
  void note_timeout() { timed_out_ = true; }
  [[nodiscard]] bool mcu_powered() const;

 private:
  ReadOutcome classify(const Bytes& record, const ReadNonce& nonce, std::string& detail);

  sim::Scenario scenario_;
  sim::ModelHardware* hw_ = nullptr;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<board::InProcessSimLink> link_;
  PipeHostLink host_;
  std::unique_ptr<board::HostBoard> hb_;
  std::unique_ptr<core::ReaderApp> app_;
  std::unique_ptr<Reader> reader_;
  unsigned commands_ = 0;
  bool timed_out_ = false;
  friend class SimTransport;

  testing::TempDir dir_{"idr-faults"};
  std::unique_ptr<ca::CaDirectory> ca_;
  TrustStore trust_;
  std::unique_ptr<CounterStore> counters_;
  std::map<std::vector<uint8_t>, sim::CardImage> cards_;
  uint64_t max_counter_ = 0;
  uint8_t nonce_seed_ = 0;
};

// The full name of a fault class's counts, printed by the matrix.
struct ClassTally {
  std::string name;
  unsigned points = 0;
  unsigned clean_error = 0, recovered = 0, wrong_data = 0, counter_fault = 0;
  unsigned host_timeouts = 0;
  unsigned later_reads_failed = 0;  // reads after a point, fault gone, that still failed
  uint64_t max_virtual_ms = 0;
  void add(const AttemptResult& r);
  [[nodiscard]] std::string line() const;
};

// The scenario hw-sim/scenarios/<name>.json.
[[nodiscard]] sim::Scenario scenario(const std::string& name);
// A rig booted (`before_boot` may prepare the flash first) and provisioned.
[[nodiscard]] std::unique_ptr<FaultRig> provisioned(
    const sim::Scenario& s, FieldFactory field = {},
    const std::function<void(sim::FlashModel&)>& before_boot = {});

// For a test that puts a transport of its own between the host and the firmware's host link
// (rig.pipe().through): on the way out, also when a check throws, the host's reader goes
// first while the firmware still answers, then the firmware stops using that link.
struct HostLinkDetach {
  FaultRig& rig;
  HostLinkDetach(const HostLinkDetach&) = delete;
  HostLinkDetach& operator=(const HostLinkDetach&) = delete;
  ~HostLinkDetach() {
    rig.set_reader(nullptr);
    rig.pipe().through = nullptr;
  }
};

}  // namespace idr::faults
