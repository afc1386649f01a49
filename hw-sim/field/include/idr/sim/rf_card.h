#pragma once
// What the RF field needs from a card: power and one frame in, at most one frame out.
// Implemented by the Type B card models in hw-sim/card; tests may plug in their own.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "idr/sim/clock.h"

namespace idr::sim {

struct CardAnswer {
  std::vector<uint8_t> frame;  // as the card sends it, CRC_B included
  Time processing = 0;  // card's work before it starts answering (TR0 floor applied by the field)
};

class RfCard {
 public:
  virtual ~RfCard() = default;
  // Power comes with the field while the card is in it; power_on() enters IDLE.
  virtual void power_on() = 0;
  virtual void power_off() = 0;
  // A whole reader frame (CRC_B included), Type B at 106 kbit/s. nullopt: the card stays silent.
  virtual std::optional<CardAnswer> receive(const std::vector<uint8_t>& frame) = 0;
  [[nodiscard]] virtual std::string label() const = 0;
};

}  // namespace idr::sim
