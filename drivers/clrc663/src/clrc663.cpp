#include "idr/drivers/clrc663.h"

namespace idr::drivers {

namespace {
constexpr uint32_t kUsPerSecond = 1'000'000;
constexpr uint32_t kTimerSpan = 0x10000;  // a 16-bit timer counts reload + 1 <= 65536 clocks
// Polling a command to completion (SoftReset, LoadProtocol): the data sheet gives no
// duration; Command returns to Idle when it is done (Table 49, "dy"). Poll it a bounded
// number of times (at most 10 ms in all).
constexpr int kCommandPolls = 1000;
constexpr uint32_t kCommandPollDelayUs = 10;
// Margin on top of TX air time + FWT + RX air time before giving up on the IRQ pin.
constexpr uint32_t kIrqMarginUs = 2000;
// Type B framing overhead in characters: SOF (<= 11 + 3 etu) and EOF (<= 11 etu) round up to
// 3 characters of 10 etu (ISO/IEC 14443-3 7.1.4, 7.1.5); plus 2 CRC_B bytes.
constexpr size_t kFrameOverheadChars = 3 + 2;
// Errors that end a reception at once; the others (IntegErr, CollDet) let it continue
// (data sheet Table 72).
constexpr uint8_t kFinalErrors =
    rc663::err::kFifoOvl | rc663::err::kProtErr | rc663::err::kNoDataErr | rc663::err::kFifoWrErr;
constexpr int kMaxIrqWaits = 3;
constexpr uint32_t kEtuNs = 9439;  // one etu at 106 kbit/s: 128 / fc (ISO/IEC 14443-3 7.1)
}  // namespace

FwtTimerSetup fwt_timer_setup(uint32_t fwt_us) {
  FwtTimerSetup s;
  uint64_t ticks =
      (static_cast<uint64_t>(fwt_us) * rc663::kTimerClockHz + kUsPerSecond - 1) / kUsPerSecond;
  if (ticks == 0) ticks = 1;
  if (ticks <= kTimerSpan) {
    s.t0_reload = static_cast<uint16_t>(ticks - 1);
    return s;
  }
  // Too long for one timer: Timer0 divides by `prescale`, Timer1 counts its underflows.
  const uint64_t prescale = (ticks + kTimerSpan - 1) / kTimerSpan;
  const uint64_t count = (ticks + prescale - 1) / prescale;
  s.cascaded = true;
  s.t0_reload = static_cast<uint16_t>(prescale - 1);
  s.t1_reload = static_cast<uint16_t>(count - 1);
  return s;
}

Clrc663::Clrc663(hal::Spi& spi, hal::IrqLine& irq, hal::Clock& clock)
    : spi_(spi), irq_(irq), clock_(clock) {}

Status Clrc663::write_reg(uint8_t reg, uint8_t value) {
  const uint8_t tx[2] = {rc663::spi_write_address(reg), value};
  uint8_t rx[2] = {};
  return spi_.transfer(tx, rx, sizeof tx);
}

Status Clrc663::write_regs(uint8_t reg, const uint8_t* values, size_t len) {
  if (values == nullptr || len == 0 || len > rc663::kFifoSize || reg == rc663::reg::kFifoData)
    return Status::InvalidArgument;
  spi_tx_[0] = rc663::spi_write_address(reg);
  for (size_t i = 0; i < len; ++i) spi_tx_[1 + i] = values[i];
  return spi_.transfer(spi_tx_, spi_rx_, len + 1);
}

Status Clrc663::read_reg(uint8_t reg, uint8_t& value) {
  // Data sheet Table 17: address byte, then 00h while the data comes back on MISO.
  const uint8_t tx[2] = {rc663::spi_read_address(reg), 0x00};
  uint8_t rx[2] = {};
  const Status st = spi_.transfer(tx, rx, sizeof tx);
  if (st != Status::Ok) return st;
  value = rx[1];
  return Status::Ok;
}

Status Clrc663::write_fifo(const uint8_t* data, size_t len) {
  if (len == 0) return Status::Ok;
  if (data == nullptr || len > rc663::kFifoSize) return Status::InvalidArgument;
  // Data sheet 8.4.2.4: one address byte then the data; FIFOData does not auto-increment.
  spi_tx_[0] = rc663::spi_write_address(rc663::reg::kFifoData);
  for (size_t i = 0; i < len; ++i) spi_tx_[1 + i] = data[i];
  return spi_.transfer(spi_tx_, spi_rx_, len + 1);
}

Status Clrc663::read_fifo(uint8_t* data, size_t len) {
  if (len == 0) return Status::Ok;
  if (data == nullptr || len > rc663::kFifoSize) return Status::InvalidArgument;
  // Data sheet Table 17 / AN12657 Table 16: the FIFO address once per byte, then 00h;
  // byte i of the FIFO comes back while byte i + 1 is sent.
  for (size_t i = 0; i < len; ++i) spi_tx_[i] = rc663::spi_read_address(rc663::reg::kFifoData);
  spi_tx_[len] = 0x00;
  const Status st = spi_.transfer(spi_tx_, spi_rx_, len + 1);
  if (st != Status::Ok) return st;
  for (size_t i = 0; i < len; ++i) data[i] = spi_rx_[1 + i];
  return Status::Ok;
}

Status Clrc663::fifo_length(size_t& len) {
  // 255-byte FIFO mode: FIFOLength alone holds the count (Table 60).
  uint8_t v = 0;
  const Status st = read_reg(rc663::reg::kFifoLength, v);
  len = v;
  return st;
}

Status Clrc663::flush_fifo() {
  // A flush resets the FIFO pointers only (8.5.3); FIFOOvl has no clearing event in Table 72,
  // so Error is cleared by writing it (Table 49: "dy" bits are written by the host too).
  Status st = write_reg(rc663::reg::kFifoControl, rc663::kFifoControlFlush255);
  if (st == Status::Ok) st = write_reg(rc663::reg::kError, 0x00);
  return st;
}

Status Clrc663::wait_command_idle() {
  for (int i = 0; i < kCommandPolls; ++i) {
    uint8_t c = 0;
    const Status st = read_reg(rc663::reg::kCommand, c);
    if (st != Status::Ok) return st;
    if ((c & rc663::cmd::kMask) == rc663::cmd::kIdle) return Status::Ok;
    clock_.delay_us(kCommandPollDelayUs);
  }
  return Status::Timeout;
}

Status Clrc663::soft_reset() {
  // 8.10.3.17; then read Command until it answers Idle (8.9.2.2 gives the same rule after the
  // start-up sequence: read address 00h until the device returns its content).
  Status st = write_reg(rc663::reg::kCommand, rc663::cmd::kSoftReset);
  if (st != Status::Ok) return st;
  st = wait_command_idle();
  if (st != Status::Ok) return st;
  tx_crc_ = true;
  rx_crc_ = true;
  return Status::Ok;
}

Status Clrc663::check_version(uint8_t& version) {
  const Status st = read_reg(rc663::reg::kVersion, version);
  if (st != Status::Ok) return st;
  return (version & rc663::kVersionMask) == rc663::kVersionClrc663 ? Status::Ok
                                                                   : Status::Unsupported;
}

Status Clrc663::load_protocol(uint8_t rx_protocol, uint8_t tx_protocol) {
  // AN12657 4.1.1 lines 1-5: Idle, flush, protocol numbers into the FIFO, LoadProtocol,
  // flush again.
  Status st = write_reg(rc663::reg::kCommand, rc663::cmd::kIdle);
  if (st == Status::Ok) st = flush_fifo();
  const uint8_t params[2] = {rx_protocol, tx_protocol};
  if (st == Status::Ok) st = write_fifo(params, sizeof params);
  if (st == Status::Ok) st = write_reg(rc663::reg::kCommand, rc663::cmd::kLoadProtocol);
  if (st == Status::Ok) st = wait_command_idle();
  if (st == Status::Ok) st = flush_fifo();
  return st;
}

Status Clrc663::configure_type_b_106() {
  Status st = load_protocol(rc663::kProtocolTypeB106, rc663::kProtocolTypeB106);
  if (st == Status::Ok)
    st = write_regs(rc663::kAnalogFirst, rc663::kTypeB106Analog, sizeof rc663::kTypeB106Analog);
  return st;
}

Status Clrc663::init() {
  Status st = soft_reset();
  if (st != Status::Ok) return st;
  uint8_t version = 0;
  st = check_version(version);
  if (st != Status::Ok) return st;
  return configure_type_b_106();
}

Status Clrc663::field_on() {
  uint8_t v = 0;
  const Status st = read_reg(rc663::reg::kDrvMode, v);
  if (st != Status::Ok) return st;
  return write_reg(rc663::reg::kDrvMode, static_cast<uint8_t>(v | rc663::kDrvModeTxEn));
}

Status Clrc663::field_off() {
  uint8_t v = 0;
  const Status st = read_reg(rc663::reg::kDrvMode, v);
  if (st != Status::Ok) return st;
  return write_reg(rc663::reg::kDrvMode, static_cast<uint8_t>(v & ~rc663::kDrvModeTxEn));
}

uint32_t Clrc663::irq_wait_budget_us(size_t tx_len, size_t rx_cap, uint32_t fwt_us) const {
  const uint64_t chars = tx_len + rx_cap + 2 * kFrameOverheadChars;
  const uint64_t air_us = chars * 10 * kEtuNs / 1000;
  const uint64_t total = air_us + fwt_us + kIrqMarginUs;
  return total > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(total);
}

Status Clrc663::start_transceive(const uint8_t* tx, size_t tx_len, uint32_t fwt_us,
                                 uint8_t& timer_irq_bit) {
  using namespace rc663;
  Status st = write_reg(reg::kCommand, cmd::kIdle);
  if (st == Status::Ok) st = flush_fifo();
  if (st == Status::Ok) st = write_reg(reg::kIrq0, kIrqClearAll);
  if (st == Status::Ok) st = write_reg(reg::kIrq1, kIrqClearAll);
  if (st == Status::Ok) st = write_reg(reg::kTxCrcPreset, tx_crc_ ? kCrcBOn : kCrcBOff);
  if (st == Status::Ok) st = write_reg(reg::kRxCrcCon, rx_crc_ ? kCrcBOn : kCrcBOff);

  // Frame waiting time: the timer starts at the end of TX and stops when the card's answer
  // begins (TxStopRx), so its IRQ means "no answer within FWT".
  const FwtTimerSetup t = fwt_timer_setup(fwt_us);
  const uint8_t t0 = static_cast<uint8_t>(tctl::kStopRx | tctl::kStartAtTxEnd | tctl::kClk211k |
                                          (t.cascaded ? tctl::kAutoRestart : 0));
  if (st == Status::Ok) st = write_reg(reg::kT0Control, t0);
  if (st == Status::Ok) st = write_reg(reg::kT0ReloadHi, static_cast<uint8_t>(t.t0_reload >> 8));
  if (st == Status::Ok) st = write_reg(reg::kT0ReloadLo, static_cast<uint8_t>(t.t0_reload));
  timer_irq_bit = irq1::kTimer0;
  if (t.cascaded) {
    const uint8_t t1 =
        static_cast<uint8_t>(tctl::kStopRx | tctl::kStartAtTxEnd | tctl::kT1ClkT0Underflow);
    if (st == Status::Ok) st = write_reg(reg::kT1Control, t1);
    if (st == Status::Ok) st = write_reg(reg::kT1ReloadHi, static_cast<uint8_t>(t.t1_reload >> 8));
    if (st == Status::Ok) st = write_reg(reg::kT1ReloadLo, static_cast<uint8_t>(t.t1_reload));
    timer_irq_bit = irq1::kTimer1;
  }

  if (st == Status::Ok)
    st = write_reg(reg::kIrq0En, kIrq0EnPinActiveHigh | irq0::kIdle | irq0::kRx | irq0::kErr);
  if (st == Status::Ok)
    st = write_reg(reg::kIrq1En,
                   static_cast<uint8_t>(irq1en::kPushPull | irq1en::kPinEn | timer_irq_bit));
  // AN12657 3: arguments into the FIFO first, then start the command.
  if (st == Status::Ok) st = write_fifo(tx, tx_len);
  if (st == Status::Ok) st = write_reg(reg::kCommand, cmd::kTransceive);
  return st;
}

Status Clrc663::wait_transceive_end(uint32_t wait_us, uint8_t timer_irq_bit, uint8_t& irq0_value,
                                    uint8_t& irq1_value) {
  using namespace rc663;
  const uint64_t deadline = clock_.now_us() + wait_us;
  irq0_value = 0;
  irq1_value = 0;
  for (int i = 0; i < kMaxIrqWaits; ++i) {
    const uint64_t now = clock_.now_us();
    const uint32_t left = now >= deadline ? 0 : static_cast<uint32_t>(deadline - now);
    const Status pin = irq_.wait_asserted(left);
    if (pin != Status::Ok && pin != Status::Timeout) return pin;
    Status st = read_reg(reg::kIrq0, irq0_value);
    if (st == Status::Ok) st = read_reg(reg::kIrq1, irq1_value);
    if (st != Status::Ok) return st;
    if ((irq0_value & (irq0::kRx | irq0::kIdle)) != 0 || (irq1_value & timer_irq_bit) != 0)
      return Status::Ok;
    if (pin == Status::Timeout) return Status::Ok;  // caller sees no Rx and reports Timeout
    if ((irq0_value & irq0::kErr) != 0) {
      uint8_t e = 0;
      st = read_reg(reg::kError, e);
      if (st != Status::Ok) return st;
      if ((e & kFinalErrors) != 0) return Status::Ok;
      // IntegErr/CollDet: the reception goes on (Table 72); wait for its end without ErrIRQ.
      st = write_reg(reg::kIrq0En, kIrq0EnPinActiveHigh | irq0::kIdle | irq0::kRx);
      if (st == Status::Ok) st = write_reg(reg::kIrq0, irq0::kErr);
      if (st != Status::Ok) return st;
    }
  }
  return Status::Ok;
}

Status Clrc663::stop_command_and_timers() {
  Status st = write_reg(rc663::reg::kCommand, rc663::cmd::kIdle);
  if (st == Status::Ok) st = write_reg(rc663::reg::kTControl, rc663::kTControlStopT0T1);
  return st;
}

Status Clrc663::transceive(const uint8_t* tx, size_t tx_len, uint8_t* rx, size_t rx_cap,
                           size_t& rx_len, uint32_t fwt_us) {
  using namespace rc663;
  rx_len = 0;
  if (tx == nullptr || tx_len == 0 || tx_len > kFifoSize || (rx == nullptr && rx_cap != 0))
    return Status::InvalidArgument;

  uint8_t timer_irq_bit = irq1::kTimer0;
  Status st = start_transceive(tx, tx_len, fwt_us, timer_irq_bit);
  if (st != Status::Ok) return st;

  uint8_t irq0v = 0;
  uint8_t irq1v = 0;
  st = wait_transceive_end(irq_wait_budget_us(tx_len, rx_cap, fwt_us), timer_irq_bit, irq0v, irq1v);
  uint8_t errors = 0;
  if (st == Status::Ok) st = read_reg(reg::kError, errors);
  const Status stop = stop_command_and_timers();
  if (st != Status::Ok) return st;
  if (stop != Status::Ok) return stop;

  const bool received = (irq0v & irq0::kRx) != 0;
  if (!received && (irq0v & irq0::kErr) == 0) return Status::Timeout;
  if ((errors & err::kFifoOvl) != 0) return Status::Overflow;
  if ((errors & err::kCollDet) != 0) return Status::Collision;
  if ((errors & (err::kProtErr | err::kMinFrameErr)) != 0) return Status::Protocol;
  if ((errors & err::kIntegErr) != 0) return Status::Integrity;
  if ((errors & (err::kNoDataErr | err::kFifoWrErr)) != 0) return Status::Io;
  if (!received) return Status::Timeout;

  size_t n = 0;
  st = fifo_length(n);
  if (st != Status::Ok) return st;
  if (n > rx_cap) {
    (void)flush_fifo();
    return Status::BufferTooSmall;
  }
  st = read_fifo(rx, n);
  if (st != Status::Ok) return st;
  rx_len = n;
  return Status::Ok;
}

}  // namespace idr::drivers
