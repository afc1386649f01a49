#pragma once
// The simulator behind the sim wire (DESIGN 3, hw-sim/README.md): owns virtual time, the
// time accounts, a seeded RNG and the board's peripherals (CLRC663 model with the RF field
// and its cards, SAM model, flash model), and answers one sim-wire request at a time.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "idr/sim/clock.h"
#include "idr/sim/peripherals.h"
#include "idr/sim/timing.h"

namespace idr::sim {

struct Scenario;  // hw-sim/scenario
class RfField;    // hw-sim/field

// One line of the simulator's event log (board Log messages, errors answered, hellos).
struct SimEvent {
  Time at = 0;
  std::string what;
};

class Simulator {
 public:
  struct Config {
    TimingParams timing{};
    uint64_t seed = 1;
  };
  // What a peripheral factory gets: the simulator's clock and accounts to schedule on.
  struct Context {
    EventQueue& queue;
    TimeAccounts& accounts;
    const TimingParams& timing;
    uint64_t seed;
  };
  using PeripheralFactory = std::function<Peripherals(const Context&)>;

  // Any peripherals (tests use fakes). Every peripheral pointer must be set.
  Simulator(Config config, const PeripheralFactory& make_peripherals);
  // The real models built from a scenario (timing, seed, cards, SAM, flash).
  explicit Simulator(const Scenario& scenario);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Answers ONE request `msg[0..len)` (LEN u16 LE | TYPE | payload) into out[0..cap);
  // returns the response size. Malformed, unknown or unsupported requests get an Error
  // response; the simulator never throws on board input. cap >= simwire::kMaxMessage.
  // The first model error (a peripheral model met behaviour it does not implement, or
  // threw) makes the simulation failed: that request and every later peripheral request
  // are answered ModelError with the model's message (hw-sim/README.md).
  size_t handle(const uint8_t* msg, size_t len, uint8_t* out, size_t cap);

  // The first model error's message; empty while the simulation is honest.
  [[nodiscard]] const std::string& model_failure() const { return failure_; }
  // Called once, with the message, when the first model error happens (before the board
  // gets its ModelError): idr-sim prints it at once.
  void on_model_error(std::function<void(const std::string&)> hook) {
    on_model_error_ = std::move(hook);
  }

  // For tests and benchmarks.
  [[nodiscard]] Time now() const { return queue_.now(); }
  [[nodiscard]] EventQueue& clock() { return queue_; }
  [[nodiscard]] const TimeAccounts& accounts() const { return accounts_; }
  [[nodiscard]] TimeAccounts& accounts() { return accounts_; }
  [[nodiscard]] const TimingParams& timing() const { return config_.timing; }
  [[nodiscard]] std::vector<std::string> model_errors() const;
  [[nodiscard]] const std::deque<SimEvent>& events() const { return events_; }
  // The RF field with the scenario's cards; null when built from fakes.
  [[nodiscard]] RfField* field() { return field_; }
  // Requests answered with Error so far (a healthy board causes none).
  [[nodiscard]] uint64_t error_responses() const { return error_responses_; }

  static constexpr size_t kMaxEvents = 10000;  // oldest dropped: a server may run for days

 private:
  size_t handle_request(const uint8_t* msg, size_t len, uint8_t* out, size_t cap);
  static bool touches_peripheral(uint8_t type);
  void fail(const std::string& what);
  size_t model_error(uint8_t* out, size_t cap, const std::string& text);
  void note(std::string what);
  Time cpu_time(uint32_t instructions) const;

  Config config_;
  EventQueue queue_;
  TimeAccounts accounts_;
  std::mt19937_64 rng_;
  Peripherals periph_;
  RfField* field_ = nullptr;  // points into periph_.owner when built from a scenario
  std::deque<SimEvent> events_;
  uint64_t error_responses_ = 0;
  std::string failure_;
  size_t model_errors_seen_ = 0;
  std::function<void(const std::string&)> on_model_error_;
};

}  // namespace idr::sim
