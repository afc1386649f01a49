#pragma once
// The SAM model (DESIGN 3, 6): speaks the SAM link of sam_link.h over a simulated UART with
// byte timing in virtual time, and runs the SAM side of the open stand-in security.
//
// Timing: bytes the board writes leave one after the other at the board's baud rate
// (10 bits a byte, 8N1) and reach the SAM when their stop bit ends. When a frame is
// complete the SAM works sam_per_operation + sam_per_byte * (request DATA + reply DATA
// bytes), then sends its reply at its own baud rate. Each reply byte becomes readable by the
// board when its stop bit ends; an event is scheduled at that moment so EventQueue::run_until
// stops there. A byte sent at one baud rate and received at another arrives garbled.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "idr/proto/card_layout.h"
#include "idr/proto/sam_link.h"
#include "idr/sim/clock.h"
#include "idr/sim/standin_security.h"
#include "idr/sim/timing.h"

namespace idr::sim {

// One deterministic fault on the SAM's answer to one request frame, for the fault campaign
// (tests/faults). Frames are numbered from 1 in the order the SAM receives them complete
// (frames_handled()).
enum class SamFaultKind : uint8_t {
  NoReply,    // the SAM does the work but its reply never reaches the board (lost on the line)
  LateReply,  // the reply leaves kLateReply after it was ready: past the board's timeout
  Garbage,    // line noise before the reply: a false SOF with a LEN and a wrong CHK
  Garbled,    // every byte of the reply garbled (as a baud-rate mismatch garbles it)
  WrongMac,   // UNWRAP only: the card answer's session MAC does not verify (status 0x33)
};
struct SamFault {
  uint64_t frame = 0;
  SamFaultKind kind = SamFaultKind::NoReply;
};

struct SamConfig {
  std::array<uint8_t, 16> id{};  // GET_ID answer: u16 LE, u16 LE, u32 LE x 3 (DESIGN 8)
  standin::Keys keys = standin::default_keys();
};

class SamModel {
 public:
  SamModel(EventQueue& queue, TimeAccounts& accounts, const TimingParams& timing, SamConfig config,
           uint64_t seed);
  SamModel(const SamModel&) = delete;
  SamModel& operator=(const SamModel&) = delete;

  // The board's side of the UART.
  void board_write(const uint8_t* data, size_t len);
  void board_write(const std::vector<uint8_t>& bytes) { board_write(bytes.data(), bytes.size()); }
  // Takes up to max bytes that have arrived by now.
  size_t board_read(uint8_t* out, size_t max);
  std::vector<uint8_t> board_read(size_t max);
  [[nodiscard]] size_t board_available() const { return rx_.size(); }
  // When the next byte not yet arrived will arrive at the board (nullopt: none under way).
  [[nodiscard]] std::optional<Time> next_byte_time() const;
  void set_board_baud(uint32_t baud);
  // Drops what has arrived and was not read (bytes still on the line arrive later).
  void board_flush() { rx_.clear(); }

  [[nodiscard]] uint32_t board_baud() const { return board_baud_; }
  [[nodiscard]] uint32_t sam_baud() const { return sam_baud_; }
  [[nodiscard]] uint64_t frames_handled() const { return frames_handled_; }
  // The command byte of every frame received so far, in order (fault campaign: which frames
  // are UNWRAPs).
  [[nodiscard]] const std::vector<uint8_t>& frame_commands() const { return frame_commands_; }
  // Arms a fault. A WrongMac fault on a frame that is not an UNWRAP is a model error (the
  // model throws).
  void add_fault(const SamFault& fault) { faults_.push_back(fault); }
  [[nodiscard]] uint64_t faults_fired() const { return faults_fired_; }
  [[nodiscard]] bool authenticated() const { return phase_ == Phase::Authenticated; }

  // No byte under way in either direction and no frame being processed (tests, benchmarks).
  [[nodiscard]] bool idle() const { return outstanding_ == 0; }

  // A partial frame older than this (no byte for this long) is dropped by the receiver.
  static constexpr Time kInterByteTimeout = 20 * kMs;
  // How late a LateReply fault's reply leaves.
  static constexpr Time kLateReply = 1000 * kMs;

 private:
  enum class Phase : uint8_t {
    None,
    SentInternalAuth,
    SentGetChallenge,
    SentExternalAuth,
    Authenticated
  };
  struct Reply {
    sam::Reply status = sam::Reply::Ok;
    std::vector<uint8_t> data;
  };

  void sam_receive(uint8_t byte, uint32_t sent_baud, Time at);
  void frame_complete(const std::vector<uint8_t>& frame, Time at);
  void send_reply(const Reply& r, size_t request_data, Time ready, std::optional<uint32_t> new_baud,
                  std::optional<SamFaultKind> fault = {});
  [[nodiscard]] std::optional<SamFaultKind> fault_for(uint64_t frame) const;
  Reply handle(uint8_t cmd, const std::vector<uint8_t>& data, std::optional<uint32_t>& new_baud);
  Reply auth_start(const std::vector<uint8_t>& data);
  Reply auth_next(const std::vector<uint8_t>& data);
  Reply unwrap(const std::vector<uint8_t>& data);
  void drop_session();
  // Schedules fn on the queue; it does not run if this model is gone by then.
  void at(Time t, std::function<void()> fn);
  uint8_t garble(uint8_t b) {
    return static_cast<uint8_t>(b ^ static_cast<uint8_t>(1 + rng_() % 255));
  }
  [[nodiscard]] static Time byte_time(uint32_t baud) { return bit_time(10, baud); }

  EventQueue& queue_;
  TimeAccounts& accounts_;
  TimingParams timing_;
  SamConfig config_;
  std::mt19937_64 rng_;

  uint32_t board_baud_;
  uint32_t sam_baud_;       // the SAM receiver's rate
  uint32_t tx_baud_;        // the rate of the SAM's next transmission (SET_BAUD switches it first)
  Time board_tx_free_ = 0;  // when the board's TX line is free again
  Time sam_tx_free_ = 0;
  Time sam_busy_until_ = 0;
  std::deque<uint8_t> rx_;                                 // arrived at the board, not read
  std::deque<Time> in_flight_to_board_;                    // arrival times of reply bytes under way
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // events hold a weak_ptr to it
  uint64_t outstanding_ = 0;
  std::vector<uint8_t> frame_;  // SAM receiver buffer
  Time last_rx_ = 0;
  uint64_t frames_handled_ = 0;
  std::vector<uint8_t> frame_commands_;
  std::vector<SamFault> faults_;
  uint64_t faults_fired_ = 0;

  // Stand-in security session.
  Phase phase_ = Phase::None;
  standin::Key kc_{};
  standin::Block rnd_s_{};
  std::array<uint8_t, 8> rnd_c_{};
  standin::SessionKeys session_{};
  std::array<uint8_t, card::kBaseSize> base_{};
  std::array<bool, card::kBaseSize> base_seen_{};
  std::array<uint8_t, card::kFingerprintSize> fp_{};
  std::array<bool, card::kFingerprintSize> fp_seen_{};
};

}  // namespace idr::sim
