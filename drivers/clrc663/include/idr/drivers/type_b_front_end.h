#pragma once
// What the reader application needs from an ISO/IEC 14443 Type B reader front end. The
// CLRC663 driver implements it; tests put a fake RF field with fake cards behind it.
#include <cstddef>
#include <cstdint>

#include "idr/status.h"

namespace idr::drivers {

class TypeBFrontEnd {
 public:
  // Resets the chip and loads the ISO 14443 B 106 kbit/s protocol; the field stays off.
  [[nodiscard]] virtual Status init() = 0;
  [[nodiscard]] virtual Status field_on() = 0;
  [[nodiscard]] virtual Status field_off() = 0;
  // Sends tx (CRC_B appended by the front end) and receives one frame (CRC_B checked and
  // stripped). fwt_us is the frame waiting time counted from the end of the transmission.
  // Timeout: no answer; Integrity / Protocol / Collision / Overflow: a garbled answer.
  [[nodiscard]] virtual Status transceive(const uint8_t* tx, size_t tx_len, uint8_t* rx,
                                          size_t rx_cap, size_t& rx_len, uint32_t fwt_us) = 0;

 protected:
  ~TypeBFrontEnd() = default;
};

}  // namespace idr::drivers
