#pragma once
// The CLRC663 front end with standby while the RF field is off (an option of the reader,
// off by default): after init() and after field_off() the chip enters standby
// (Command.Standby, data sheet 8.9.2.2 / Table 52: registers and FIFO keep their content,
// current sinks off); field_on() and transceive() wake it first (clear the bit, then read
// Command until the bit reads back clear, bounded). With standby off it only forwards.
//
// The simulator's CLRC663 model does not implement standby (hw-sim/clrc663/README.md, "Not
// modelled"): with the option on under hw-sim, the first standby is a model error, which
// ends the simulated run (DESIGN 3). Process tests use that to check the error path end to
// end (idr-firmware --front-end-standby). Firmware code: no heap, no exceptions.
#include <cstddef>
#include <cstdint>

#include "idr/drivers/clrc663.h"
#include "idr/drivers/type_b_front_end.h"
#include "idr/status.h"

namespace idr::core {

class StandbyFrontEnd final : public drivers::TypeBFrontEnd {
 public:
  StandbyFrontEnd(drivers::Clrc663& chip, bool standby_when_field_off)
      : chip_(chip), enabled_(standby_when_field_off) {}

  [[nodiscard]] Status init() override;
  [[nodiscard]] Status field_on() override;
  [[nodiscard]] Status field_off() override;
  [[nodiscard]] Status transceive(const uint8_t* tx, size_t tx_len, uint8_t* rx, size_t rx_cap,
                                  size_t& rx_len, uint32_t fwt_us) override;

  [[nodiscard]] bool in_standby() const { return standby_; }

  // Table 52: Command bit 7.
  static constexpr uint8_t kCommandStandby = 0x80;
  // Reads of Command while the start-up sequence runs (8.9.2.2 gives no duration).
  static constexpr int kWakePolls = 64;

 private:
  Status enter_standby();
  Status wake();

  drivers::Clrc663& chip_;
  bool enabled_;
  bool standby_ = false;
};

}  // namespace idr::core
