#include "idr/core/standby_front_end.h"

#include "idr/drivers/clrc663_registers.h"

namespace idr::core {

namespace reg = drivers::rc663::reg;

Status StandbyFrontEnd::enter_standby() {
  if (!enabled_ || standby_) return Status::Ok;
  // Idle command with the Standby bit: nothing runs while the chip sleeps.
  const Status st = chip_.write_reg(reg::kCommand, kCommandStandby);
  if (st == Status::Ok) standby_ = true;
  return st;
}

Status StandbyFrontEnd::wake() {
  if (!standby_) return Status::Ok;
  Status st = chip_.write_reg(reg::kCommand, drivers::rc663::cmd::kIdle);
  for (int i = 0; st == Status::Ok && i < kWakePolls; ++i) {
    uint8_t command = kCommandStandby;
    st = chip_.read_reg(reg::kCommand, command);
    if (st == Status::Ok && (command & kCommandStandby) == 0) {
      standby_ = false;
      return Status::Ok;
    }
  }
  return st == Status::Ok ? Status::Timeout : st;
}

Status StandbyFrontEnd::init() {
  standby_ = false;  // a soft reset leaves standby
  const Status st = chip_.init();
  if (st != Status::Ok) return st;
  return enter_standby();  // the field is off after init
}

Status StandbyFrontEnd::field_on() {
  const Status st = wake();
  return st == Status::Ok ? chip_.field_on() : st;
}

Status StandbyFrontEnd::field_off() {
  const Status st = wake();
  if (st != Status::Ok) return st;
  const Status off = chip_.field_off();
  return off == Status::Ok ? enter_standby() : off;
}

Status StandbyFrontEnd::transceive(const uint8_t* tx, size_t tx_len, uint8_t* rx, size_t rx_cap,
                                   size_t& rx_len, uint32_t fwt_us) {
  const Status st = wake();
  if (st != Status::Ok) {
    rx_len = 0;
    return st;
  }
  return chip_.transceive(tx, tx_len, rx, rx_cap, rx_len, fwt_us);
}

}  // namespace idr::core
