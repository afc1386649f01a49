#pragma once
// ISO/IEC 14443-3 clause 7 Type B PICC: states, REQB/WUPB with slots, Slot-MARKER, ATTRIB,
// HLTB. What happens after ATTRIB (ACTIVE) is the subclass's business (on_active_frame).
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "idr/sim/rf_card.h"
#include "idr/sim/timing.h"

namespace idr::sim {

enum class TypeBState : uint8_t { PowerOff, Idle, ReadyRequested, ReadyDeclared, Active, Halt };
[[nodiscard]] const char* to_string(TypeBState s);

class TypeBCard : public RfCard {
 public:
  TypeBCard(std::string label, const TimingParams& timing, uint64_t seed);

  void power_on() override;
  void power_off() override;
  std::optional<CardAnswer> receive(const std::vector<uint8_t>& frame) override;
  [[nodiscard]] std::string label() const override { return label_; }

  [[nodiscard]] TypeBState state() const { return state_; }
  // The slot R chosen at the last REQB/WUPB (1..N), for tests.
  [[nodiscard]] unsigned chosen_slot() const { return slot_; }

 protected:
  // ATQB fields (ISO/IEC 14443-3 7.9).
  [[nodiscard]] virtual std::array<uint8_t, 4> pupi() const = 0;
  [[nodiscard]] virtual std::array<uint8_t, 4> application_data() const = 0;
  [[nodiscard]] virtual std::array<uint8_t, 3> protocol_info() const = 0;
  // The card's AFI; 00 means it answers only REQB/WUPB with AFI 00.
  [[nodiscard]] virtual uint8_t afi() const { return 0x00; }
  // Frame payload (CRC removed) in ACTIVE state. Sets `processing` for the answer.
  virtual std::optional<std::vector<uint8_t>> on_active_frame(const std::vector<uint8_t>& payload,
                                                              Time& processing) = 0;
  // Called when the card powers up or down (reset the application).
  virtual void on_reset() {}

  // card_turnaround + card_per_response_byte * bytes (DESIGN 9); CRC_B not counted.
  [[nodiscard]] Time answer_time(size_t response_bytes) const;
  [[nodiscard]] const TimingParams& timing() const { return timing_; }
  std::mt19937_64& rng() { return rng_; }
  void set_state(TypeBState s) { state_ = s; }

 private:
  std::optional<std::vector<uint8_t>> on_reqb(const std::vector<uint8_t>& p);
  std::optional<std::vector<uint8_t>> atqb() const;
  [[nodiscard]] bool afi_matches(uint8_t requested) const;

  std::string label_;
  TimingParams timing_;
  std::mt19937_64 rng_;
  TypeBState state_ = TypeBState::PowerOff;
  unsigned slot_ = 0;
};

}  // namespace idr::sim
