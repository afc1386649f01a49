#pragma once
// The RF field with any number of Type B cards (DESIGN 3): presence timelines, field power,
// seeded bit errors and frame loss, collisions computed from what the cards really answer.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "idr/sim/air.h"
#include "idr/sim/clock.h"
#include "idr/sim/rf_card.h"
#include "idr/sim/timing.h"

namespace idr::sim {

// The card is in the field during [arrive, remove); no remove = stays.
struct PresenceInterval {
  Time arrive = 0;
  std::optional<Time> remove;
};

// Per link (card <-> reader). bit_error_rate: each bit of the command as the card hears it
// and of the card's answer flips with this probability. frame_loss_rate: the card misses a
// whole command (no answer, no state change).
struct LinkFaults {
  double bit_error_rate = 0.0;
  double frame_loss_rate = 0.0;
};

// One deterministic fault on one reader frame, for the fault campaign (tests/faults). Frames
// are numbered from 1: every Type B 106 kbit/s frame the reader puts on the air while the
// field is on (frames_on_air()).
enum class FrameFaultKind : uint8_t {
  // The card leaves the field (tearing). Command: every card in the field leaves halfway
  // through the reader's frame and never hears it. Answer: every card that answers leaves
  // halfway through its answer (the reader gets a cut frame without EOF, ISO/IEC 14443-3
  // 7.1); a card that does not answer leaves when the frame ends. They stay away until
  // card_arrives().
  Tear,
  // One bit of the frame flips (bit modulo the frame's bits, CRC_B included): as every card
  // hears the command, or in every card's answer.
  BitError,
  // One of the frame's 16 CRC_B bits flips (bit modulo 16): the receiver's CRC check fails
  // (ISO/IEC 14443-3 7.2; a card ignores such a command, 7.5).
  CrcError,
};
enum class FrameDirection : uint8_t { Command, Answer };
struct FrameFault {
  uint64_t frame = 0;
  FrameFaultKind kind = FrameFaultKind::BitError;
  FrameDirection direction = FrameDirection::Answer;
  uint32_t bit = 0;
};

class RfField : public Air {
 public:
  RfField(EventQueue& queue, TimeAccounts& accounts, const TimingParams& timing, uint64_t seed);

  // Adds a card; default timeline: present from t = 0 on. Returns the card's index.
  size_t add_card(std::shared_ptr<RfCard> card,
                  std::vector<PresenceInterval> timeline = {PresenceInterval{}},
                  LinkFaults faults = {});
  void set_timeline(size_t card, std::vector<PresenceInterval> timeline);
  // Timeline edits: the card enters at `at` (stays until a later removal) / leaves at `at`.
  void card_arrives(size_t card, Time at);
  void card_leaves(size_t card, Time at);
  void set_card_faults(size_t card, LinkFaults faults);
  void set_field_faults(LinkFaults faults) { field_faults_ = faults; }
  // Arms a fault on frame `fault.frame` (numbered like frames_on_air()). A fault that has
  // nothing to act on (an answer fault on a frame no card answers) does not fire.
  void add_frame_fault(const FrameFault& fault) { frame_faults_.push_back(fault); }

  [[nodiscard]] size_t card_count() const { return cards_.size(); }
  [[nodiscard]] RfCard& card(size_t index);
  [[nodiscard]] bool card_present(size_t index, Time at) const;
  [[nodiscard]] bool field_on() const { return field_on_; }

  // Air
  void set_field(bool on) override;
  std::optional<AirReply> transmit(const AirFrame& frame) override;

  // Counters for tests and benchmarks.
  [[nodiscard]] uint64_t frames_received() const { return frames_received_; }
  [[nodiscard]] uint64_t collisions() const { return collisions_; }
  // Reader frames on the air that cards could hear (Type B, 106 kbit/s, field on).
  [[nodiscard]] uint64_t frames_on_air() const { return frames_on_air_; }
  // Frame faults that took effect.
  [[nodiscard]] uint64_t frame_faults_fired() const { return frame_faults_fired_; }

 private:
  struct Slot {
    std::shared_ptr<RfCard> card;
    std::vector<PresenceInterval> timeline;
    LinkFaults faults;
    std::optional<Time> powered_since;  // when the card last powered up, if powered
  };
  const PresenceInterval* interval_at(const Slot& s, Time t) const;
  void sync_power(Slot& s, Time t);
  void apply_bit_errors(std::vector<uint8_t>& bytes, double rate);
  // Applies the bit or CRC faults of `faults` for `direction` to bytes; true if any acted.
  static bool apply_frame_faults(std::vector<uint8_t>& bytes, const std::vector<FrameFault>& faults,
                                 FrameDirection direction);
  [[nodiscard]] double combined(double card_rate, double field_rate) const;

  EventQueue& queue_;
  TimeAccounts& accounts_;
  TimingParams timing_;
  std::mt19937_64 rng_;
  std::vector<Slot> cards_;
  LinkFaults field_faults_{};
  bool field_on_ = false;
  Time field_on_since_ = 0;
  uint64_t frames_received_ = 0;
  uint64_t collisions_ = 0;
  std::vector<FrameFault> frame_faults_;
  uint64_t frames_on_air_ = 0;
  uint64_t frame_faults_fired_ = 0;
};

}  // namespace idr::sim
