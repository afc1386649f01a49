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
};

}  // namespace idr::sim
