#include "idr/sim/clrc663_model.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "idr/sim/clrc663_crc.h"

namespace idr::sim {

using namespace rc663;

namespace {

std::string hex(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02Xh", v);
  return buf;
}

// One etu in carrier cycles at 106/212/424/848 kbit/s (ISO/IEC 14443-3: 128/fc .. 16/fc; data
// sheet Table 8).
uint64_t etu_fc(uint32_t kbps) {
  return 128 * 106 / kbps;
}

// DBFreq / Baudrate code 4h..7h -> kbit/s (Tables 160, 204).
std::optional<uint32_t> kbps_from_code(uint8_t code) {
  switch (code) {
    case 4:
      return 106;
    case 5:
      return 212;
    case 6:
      return 424;
    case 7:
      return 848;
    default:
      return std::nullopt;
  }
}

// The data sheet gives no duration for its EEPROM copies (SoftReset 8.10.3.17, LoadReg
// 8.10.3.12, LoadProtocol 8.10.3.13, ReadE2 8.10.3.11); a host learns that one finished when
// Command returns to Idle (Table 49, "dy": Command changes its value automatically after the
// execution) or from IdleIRQ (Table 64). The bound: AN12657 4.2.1 writes the next command
// (Idle, line 9) right after LoadReg of 18 bytes (line 8) without waiting, i.e. one 2-byte SPI
// write later (1.6 us at the 10 Mbit/s maximum, DESIGN 9): so a byte takes at most ~89 ns.
// The model takes 80 ns per byte copied: never zero, so a driver has to wait for the end.
constexpr Time kEepromCopyPerByte = 80;
// SoftReset copies EEPROM section 1, "register reset", pages 1..2 = 128 bytes (Table 35).
constexpr size_t kSoftResetCopyBytes = 128;

bool in_rx_phase(ComState s) {
  return s == ComState::RxWait || s == ComState::WaitForData || s == ComState::Receiving;
}

}  // namespace

Clrc663Model::Clrc663Model(EventQueue& q, Air& air, TimeAccounts& accounts, RxEnvironment rx_env)
    : q_(q),
      air_(air),
      accounts_(accounts),
      rx_env_(rx_env),
      timers_(
          q, regs_, [this](int t) { regs_[kIrq1] |= static_cast<uint8_t>(1u << t); },
          [this](const std::string& msg) { error(msg); }) {
  hard_reset();
}

Clrc663Model::~Clrc663Model() {
  cancel_events();
}

void Clrc663Model::error(const std::string& msg) {
  errors_.push_back("CLRC663: " + msg);
}

void Clrc663Model::cancel_events() {
  for (EventQueue::Id* id : {&tx_event_, &rx_start_event_, &rx_bits_event_, &rx_end_event_,
                             &rx_wait_event_, &copy_event_}) {
    if (*id != 0) q_.cancel(*id);
    *id = 0;
  }
}

void Clrc663Model::hard_reset() {
  cancel_events();
  timers_.reset();
  regs_.fill(0);
  std::copy(kResetValues.begin(), kResetValues.end(), regs_.begin());
  regs_[kVersion] = kVersionValue;
  fifo_.flush();
  fifo_.set_small((regs_[kFifoControl] & kFifoSize255) != 0);
  hi_alert_ = fifo_.hi_alert(water_level());  // initial levels raise no IRQ (IRQ0 resets to 00h)
  lo_alert_ = fifo_.lo_alert(water_level());
  active_ = Active::None;
  com_state_ = ComState::Idle;
  last_kbps_ = 106;
  last_tx_end_.reset();
  last_rx_end_.reset();
  reply_.reset();
  tx_fault_.reset();
  update_field();
}

// ---------------------------------------------------------------------------------------------
// SPI (8.4.2)

std::vector<uint8_t> Clrc663Model::spi_transfer(const std::vector<uint8_t>& mosi) {
  std::vector<uint8_t> miso(mosi.size(), 0x00);
  if (mosi.empty()) return miso;
  uint8_t addr = static_cast<uint8_t>(mosi[0] >> 1);
  const bool read = (mosi[0] & 1) != 0;  // Table 19: LSB 1 = read, 0 = write
  if (!read) {
    for (size_t i = 1; i < mosi.size(); ++i) {
      write_reg(addr, mosi[i]);
      if (addr == kFifoData) continue;  // 8.4.2.4: no auto increment on the FIFO address
      if (addr == 0x7F) {
        error("SPI write burst runs past address 7Fh");
        break;
      }
      ++addr;
    }
    return miso;
  }
  // Table 17: MOSI carries address 0..n then a dummy; MISO carries data 0..n one byte later.
  for (size_t i = 1; i < mosi.size(); ++i) {
    miso[i] = read_reg(addr);
    if (i + 1 < mosi.size()) {
      if ((mosi[i] & 1) == 0) {
        error("SPI read burst: address byte " + hex(mosi[i]) +
              " without the read bit (8.4.2.2 defines only read address bytes here)");
      }
      addr = static_cast<uint8_t>(mosi[i] >> 1);
    }
  }
  return miso;
}

// ---------------------------------------------------------------------------------------------
// Register access

uint8_t Clrc663Model::peek(uint8_t reg) const {
  switch (reg) {
    case kCommand:
      return regs_[kCommand];
    case kFifoControl: {
      uint8_t v = regs_[kFifoControl] & (kFifoSize255 | kFifoWaterLevelExt);
      if (hi_alert_) v |= kFifoHiAlert;
      if (lo_alert_) v |= kFifoLoAlert;
      if (!fifo_.small()) v |= static_cast<uint8_t>((fifo_.length() >> 8) & kFifoLengthExt);
      return v;
    }
    case kFifoLength:
      return static_cast<uint8_t>(fifo_.length() & 0xFF);
    case kIrq0:
      return regs_[kIrq0] & 0x7F;  // bit 7 (Set) is write-only
    case kIrq1:
      return static_cast<uint8_t>((regs_[kIrq1] & 0x3F) | (global_irq() ? kIrq1Global : 0));
    case kStatus:
      return static_cast<uint8_t>((regs_[kStatus] & kStatusCrypto1On) |
                                  static_cast<uint8_t>(com_state_));
    case kTControl: {
      uint8_t v = 0;  // bits 3..0 are write-only (Table 79)
      for (int t = 0; t < Clrc663Timers::kCount; ++t) {
        if (timers_.running(t)) v |= static_cast<uint8_t>(0x10u << t);
      }
      return v;
    }
    case kT4Control:
      return regs_[kT4Control] & 0x3F;  // T4 never runs (LFO not modelled); StartStopNow is w
    default:
      break;
  }
  for (int t = 0; t < Clrc663Timers::kCount; ++t) {
    const uint8_t base = timer_base(t);
    if (reg == base + kTimerCounterHi) return static_cast<uint8_t>(timers_.counter(t) >> 8);
    if (reg == base + kTimerCounterLo) return static_cast<uint8_t>(timers_.counter(t) & 0xFF);
  }
  if (reg == kFifoData) return 0x00;  // peeking never consumes FIFO data
  if (reg > 0x7F) return 0x00;
  return regs_[reg];
}

uint8_t Clrc663Model::read_reg(uint8_t reg) {
  if (reg > kLastRegister && reg != kVersion) {
    error("read of register " + hex(reg) + ", not in the register map (Table 50)");
    return 0x00;
  }
  if (reg == kFifoData) return fifo_read();
  return peek(reg);
}

void Clrc663Model::write_reg(uint8_t reg, uint8_t value) {
  if (reg > kLastRegister && reg != kVersion) {
    error("write of register " + hex(reg) + ", not in the register map (Table 50)");
    return;
  }
  switch (reg) {
    case kCommand:
      write_command(value);
      return;
    case kHostCtrl: {
      // Table 54: bits other than RegEn change only on the access after RegEn was set; that
      // access clears RegEn again.
      const uint8_t old = regs_[kHostCtrl];
      if ((old & kHostCtrlRegEn) != 0) {
        regs_[kHostCtrl] = value & 0x6C;
        if ((value & 0x60) == 0x60) error("HostCtrl: BusHost and BusSAM set together (Table 54)");
      } else {
        regs_[kHostCtrl] = static_cast<uint8_t>((old & 0x7F) | (value & kHostCtrlRegEn));
      }
      if ((regs_[kHostCtrl] & kHostCtrlSamInterface) != 0) error("SAM interface not modelled");
      return;
    }
    case kFifoControl: {
      const bool small = (value & kFifoSize255) != 0;
      const bool flush = (value & kFifoFlush) != 0;
      if (small != fifo_.small() && !fifo_.empty() && !flush) {
        error("FIFOSize changed while the FIFO holds data (Table 56 advises against it)");
      }
      fifo_.set_small(small);
      // 8.5.3: the pointers are reset. FIFOOvl stays (Table 72 gives it no clearing event):
      // the host clears it by writing Error, a "dy" register (Table 49: written by the host).
      if (flush) fifo_.flush();
      regs_[kFifoControl] = value & (kFifoSize255 | kFifoWaterLevelExt);
      fifo_changed();
      return;
    }
    case kWaterLevel:
      regs_[kWaterLevel] = value;
      fifo_changed();
      return;
    case kFifoLength:
    case kRxColl:
    case kVersion:
      return;  // read-only (Tables 59, 77, 247)
    case kFifoData:
      fifo_write(value);
      return;
    case kIrq0:
    case kIrq1: {
      // 9.5: bit 7 chooses set (1) or clear (0) for every bit written as 1 in 6..0 (IRQ0) or
      // 5..0 (IRQ1; GlobalIRQ is derived from the enabled requests).
      const uint8_t mask = reg == kIrq0 ? 0x7F : 0x3F;
      if ((value & kIrqSet) != 0) {
        regs_[reg] |= static_cast<uint8_t>(value & mask);
      } else {
        regs_[reg] &= static_cast<uint8_t>(~(value & mask));
      }
      return;
    }
    case kStatus:
      // Table 74: only Crypto1On is writable, and only to clear it; ComState is read-only.
      if ((value & kStatusCrypto1On) == 0)
        regs_[kStatus] &= static_cast<uint8_t>(~kStatusCrypto1On);
      return;
    case kTControl:
      // Table 80: bit n (3..0) enables the change of T(n)Running (bit n + 4).
      for (int t = 0; t < Clrc663Timers::kCount; ++t) {
        if ((value & (1u << t)) == 0) continue;
        if ((value & (0x10u << t)) != 0) {
          timers_.start(t);
        } else {
          timers_.stop(t);
        }
      }
      return;
    case kT4Control:
      if ((value & kT4StartStopNow) != 0 && (value & kT4Running) != 0) {
        error("Timer4 (LFO clock, wake-up/LPCD) not modelled");
      }
      regs_[kT4Control] = value & 0x3F;
      return;
    case kDrvMode:
      regs_[kDrvMode] = value;
      update_field();
      return;
    default:
      break;
  }
  for (int t = 0; t < Clrc663Timers::kCount; ++t) {
    const uint8_t base = timer_base(t);
    if (reg == base) {
      const uint8_t start = value & kTimerStartMask;
      if (start == 0x20 || start == 0x30) {
        error("T" + std::to_string(t) + "Start 10b/11b (LFO trimming) not modelled");
      }
    }
    if (reg == base + kTimerCounterHi || reg == base + kTimerCounterLo) {
      error("write of T" + std::to_string(t) + "CounterVal: effect not specified, not modelled");
      return;
    }
  }
  if (reg == kT4Control + kTimerCounterHi || reg == kT4Control + kTimerCounterLo) {
    error("write of T4CounterVal not modelled");
    return;
  }
  regs_[reg] = value;
}

// ---------------------------------------------------------------------------------------------
// FIFO and interrupts

unsigned Clrc663Model::water_level() const {
  unsigned wl = regs_[kWaterLevel];
  // Table 56: WaterLevelExtBit is bit 8 of the water level, evaluated in 512-byte mode only.
  if (!fifo_.small() && (regs_[kFifoControl] & kFifoWaterLevelExt) != 0) wl |= 0x100;
  return wl;
}

void Clrc663Model::fifo_changed() {
  const bool hi = fifo_.hi_alert(water_level());
  const bool lo = fifo_.lo_alert(water_level());
  // 8.5.4: the IRQ bits store the moment HiAlert / LoAlert change to 1.
  if (hi && !hi_alert_) set_irq0(kIrq0HiAlert);
  if (lo && !lo_alert_) set_irq0(kIrq0LoAlert);
  hi_alert_ = hi;
  lo_alert_ = lo;
}

void Clrc663Model::fifo_write(uint8_t b) {
  if (in_rx_phase(com_state_)) {
    set_error(kErrFifoWr);  // Table 72 FIFOWrErr: written during RxWait / wait / receiving
    return;
  }
  if (com_state_ == ComState::TxWait || com_state_ == ComState::Transmitting) {
    error("FIFO written during a transmission: streaming into a running frame not modelled");
    return;
  }
  if ((regs_[kError] & kErrFifoOvl) != 0) return;  // Table 72: later writes are ignored
  if (!fifo_.push(b)) set_error(kErrFifoOvl);
  fifo_changed();
}

uint8_t Clrc663Model::fifo_read() {
  const std::optional<uint8_t> b = fifo_.pop();
  if (!b) {
    error("read of FIFOData with an empty FIFO: value not specified");
    return 0x00;
  }
  fifo_changed();
  return *b;
}

void Clrc663Model::set_error(uint8_t bits) {
  regs_[kError] |= bits;
  // Table 64: ErrIRQ follows FifoWrErr, FIFOOvl, ProtErr, NoDataErr, IntegErr.
  if ((bits & (kErrFifoWr | kErrFifoOvl | kErrProt | kErrNoData | kErrInteg)) != 0) {
    set_irq0(kIrq0Err);
  }
}

bool Clrc663Model::global_irq() const {
  // Tables 68/70: an enabled request propagates to GlobalIRQ.
  return (regs_[kIrq0] & regs_[kIrq0En] & 0x7F) != 0 || (regs_[kIrq1] & regs_[kIrq1En] & 0x3F) != 0;
}

bool Clrc663Model::irq_pin() const {
  const bool active = global_irq() && (regs_[kIrq1En] & kIrq1EnPinEn) != 0;
  return (regs_[kIrq0En] & kIrq0EnIrqInv) != 0 ? !active : active;
}

void Clrc663Model::update_field() {
  // Table 132 TxEn drives both transmitters; Table 52 ModemOff / Standby power them down.
  // Table 30: TxClkMode 000b/001b/010b put no carrier on the pins; 011b is not supported
  // (Table 132).
  if ((regs_[kDrvMode] & kDrvModeTxEn) != 0 && (regs_[kDrvMode] & kDrvModeTxClkMask) == 0b011) {
    error("DrvMode.TxClkMode 011b is not supported (Table 132)");
  }
  const bool on = (regs_[kDrvMode] & kDrvModeTxEn) != 0 &&
                  analog::tx_clk_mode_drives_carrier(regs_[kDrvMode]) &&
                  (regs_[kCommand] & (kCommandModemOff | kCommandStandby)) == 0;
  if (on == field_on_) return;
  field_on_ = on;
  air_.set_field(on);
}

// ---------------------------------------------------------------------------------------------
// Commands (8.10)

void Clrc663Model::set_com_state(ComState s) {
  com_state_ = s;
}

void Clrc663Model::write_command(uint8_t value) {
  if ((value & kCommandStandby) != 0) error("Command.Standby (power-down) not modelled");
  // 8.10.1: writing a command code stops the running command first.
  if (active_ != Active::None) cancel_command();
  regs_[kCommand] = static_cast<uint8_t>(value & (kCommandStandby | kCommandModemOff));
  update_field();
  start_command(value & kCommandMask);
}

void Clrc663Model::cancel_command() {
  if (active_ == Active::EepromCopy) {
    error("command " + hex(regs_[kCommand] & kCommandMask) +
          " stopped before its EEPROM copy finished: what was copied is not specified");
  }
  cancel_events();
  active_ = Active::None;
  set_com_state(ComState::Idle);
  regs_[kCommand] &= static_cast<uint8_t>(~kCommandMask);
}

void Clrc663Model::finish_command(bool idle_irq) {
  cancel_events();
  active_ = Active::None;
  set_com_state(ComState::Idle);
  regs_[kCommand] &= static_cast<uint8_t>(~kCommandMask);
  if (idle_irq) set_irq0(kIrq0Idle);  // Table 64 IdleIRQ: the command terminated by itself
}

void Clrc663Model::start_command(uint8_t cmd) {
  regs_[kCommand] = static_cast<uint8_t>((regs_[kCommand] & ~kCommandMask) | cmd);
  switch (cmd) {
    case kCmdIdle:
      // Table 64: starting Idle from the host does not set IdleIRQ.
      return;
    case kCmdTransmit:
      start_transmit(false);
      return;
    case kCmdTransceive:
      start_transmit(true);
      return;
    case kCmdReceive: {
      regs_[kError] &= static_cast<uint8_t>(~kErrFifoWr);
      active_ = Active::Receive;
      Time wait_end = q_.now();
      if (last_tx_end_) wait_end = std::max(wait_end, *last_tx_end_ + rx_wait_time(last_kbps_));
      arm_receiver(wait_end);
      return;
    }
    case kCmdLoadProtocol:
      try_load_protocol();
      return;
    case kCmdLoadReg:
      load_reg();
      return;
    case kCmdReadE2:
      read_e2();
      return;
    case kCmdSoftReset:
      soft_reset();
      return;
    case kCmdLpcd:
    case kCmdLoadKey:
    case kCmdMfAuthent:
    case kCmdAckReq:
    case kCmdWriteE2:
    case kCmdWriteE2Page:
    case kCmdLoadKeyE2:
    case kCmdStoreKeyE2:
    case kCmdReadRnr:
      error("command " + hex(cmd) + " (Table 46) not modelled");
      finish_command(false);
      return;
    default:
      // Table 64: an unknown command returns the Command register to Idle and sets IdleIRQ.
      error("unknown command code " + hex(cmd) + " (not in Table 46)");
      finish_command(true);
      return;
  }
}

void Clrc663Model::try_load_protocol() {
  // 8.10.3.13: parameters Protocol number RX, Protocol number TX from the FIFO.
  if (fifo_.length() < 2) {
    error(
        "LoadProtocol with fewer than 2 parameter bytes in the FIFO (abort behaviour of "
        "8.10.3.13 not specified)");
    finish_command(false);
    return;
  }
  const uint8_t rx = *fifo_.pop();
  const uint8_t tx = *fifo_.pop();
  fifo_changed();
  if (rx >= kProtocolCount || tx >= kProtocolCount) {
    error("LoadProtocol rx " + hex(rx) + " tx " + hex(tx) +
          ": only ISO/IEC 14443 A/B protocols 00h..07h (Tables 259..266) are modelled");
    finish_command(true);
    return;
  }
  // Table 41: the protocol area holds 16 Tx registers (48h..57h) and 8 Rx registers (58h..5Fh).
  finish_after_copy(kProtocolTxCount + kProtocolRxCount, [this, rx, tx] {
    std::copy(kProtocols[tx].tx.begin(), kProtocols[tx].tx.end(), regs_.begin() + kProtocolTxFirst);
    std::copy(kProtocols[rx].rx.begin(), kProtocols[rx].rx.end(), regs_.begin() + kProtocolRxFirst);
  });
}

void Clrc663Model::finish_after_copy(size_t bytes, std::function<void()> apply) {
  active_ = Active::EepromCopy;
  copy_event_ = q_.schedule_in(static_cast<Time>(bytes) * kEepromCopyPerByte,
                               [this, apply = std::move(apply)] {
                                 copy_event_ = 0;
                                 apply();
                                 finish_command(true);
                               });
}

void Clrc663Model::load_reg() {
  // 8.10.3.12: EEPROM address H, L, register address, number of registers.
  if (fifo_.length() < 4) {
    error(
        "LoadReg with fewer than 4 parameter bytes in the FIFO (abort of 8.10.3.12 not modelled)");
    finish_command(false);
    return;
  }
  const uint8_t addr_hi = *fifo_.pop();
  const uint16_t addr = static_cast<uint16_t>((addr_hi << 8) | *fifo_.pop());
  const uint8_t reg = *fifo_.pop();
  const uint8_t count = *fifo_.pop();
  fifo_changed();
  // Table 46: "EEPROM address needs to be within EEPROM sector 2". The model writes only the
  // configuration registers after the interrupt/FIFO block (0Ch..5Fh).
  if (addr < Clrc663Eeprom::kSection2First || addr + count - 1 > Clrc663Eeprom::kSection2Last ||
      count == 0 || reg < kRxBitCtrl || reg + count - 1 > kLastRegister) {
    error("LoadReg from " + hex(addr >> 8) + hex(addr & 0xFF) + " to register " + hex(reg) + " x" +
          std::to_string(count) +
          ": outside EEPROM section 2 (Table 46) or the registers 0Ch..5Fh the model loads");
    finish_command(false);
    return;
  }
  std::vector<uint8_t> data;
  for (uint16_t i = 0; i < count; ++i) {
    const auto b = eeprom_.read(static_cast<uint16_t>(addr + i));
    if (!b) {
      error("LoadReg reads EEPROM " + hex((addr + i) >> 8) + hex((addr + i) & 0xFF) +
            ", whose content the data sheet does not give (19.2 lists the presets)");
      finish_command(false);
      return;
    }
    data.push_back(*b);
  }
  finish_after_copy(count, [this, reg, data] {
    for (size_t i = 0; i < data.size(); ++i) write_reg(static_cast<uint8_t>(reg + i), data[i]);
  });
}

void Clrc663Model::read_e2() {
  // 8.10.3.11: address H, L, length; up to 256 bytes into the FIFO, wrapping after 1FFFh.
  if (fifo_.length() < 3) {
    error("ReadE2 with fewer than 3 parameter bytes in the FIFO (abort of 8.10.3.11 not modelled)");
    finish_command(false);
    return;
  }
  const uint8_t addr_hi = *fifo_.pop();
  const uint16_t addr = static_cast<uint16_t>((addr_hi << 8) | *fifo_.pop());
  const uint8_t length = *fifo_.pop();
  fifo_changed();
  if (addr >= Clrc663Eeprom::kSize || length == 0) {
    error("ReadE2 address " + hex(addr >> 8) + hex(addr & 0xFF) + " length " + hex(length) +
          ": out of range, or length 0 (meaning not specified by 8.10.3.11)");
    finish_command(false);
    return;
  }
  std::vector<uint8_t> data;
  for (uint16_t i = 0; i < length; ++i) {
    const auto b = eeprom_.read(static_cast<uint16_t>(addr + i));
    if (!b) {
      error("ReadE2 of EEPROM " + hex(((addr + i) >> 8) & 0x1F) + hex((addr + i) & 0xFF) +
            ": content not given by the data sheet");
      finish_command(false);
      return;
    }
    data.push_back(*b);
  }
  finish_after_copy(length, [this, data] {
    for (uint8_t b : data) fifo_write(b);
  });
}

void Clrc663Model::soft_reset() {
  // 8.10.3.17: the register defaults are copied from the EEPROM again; Command reads 1Fh until
  // then (Table 49). The copy ends in the power-on state, Command Idle (IdleIRQ resets too).
  active_ = Active::EepromCopy;
  copy_event_ = q_.schedule_in(static_cast<Time>(kSoftResetCopyBytes) * kEepromCopyPerByte, [this] {
    copy_event_ = 0;
    hard_reset();
  });
}

// ---------------------------------------------------------------------------------------------
// Transmit / receive

std::optional<uint32_t> Clrc663Model::tx_kbps() {
  const auto kbps = kbps_from_code(regs_[kTxDataCon] & kTxDbFreqMask);
  if (!kbps)
    error("TxDataCon.DBFreq " + hex(regs_[kTxDataCon] & kTxDbFreqMask) +
          " is not an ISO/IEC 14443 bit rate (Table 204)");
  return kbps;
}

namespace {

struct Symbol {
  uint16_t pattern;
  unsigned len;
  bool burst;
};

// 8.6.5 / Tables 209..226: symbol patterns are sent MSB first (the last bit is the LSB).
Symbol symbol(const std::array<uint8_t, 0x80>& r, unsigned which) {
  switch (which) {
    case 0:
      return {static_cast<uint16_t>((r[kTxSym0H] << 8) | r[kTxSym0L]), (r[kTxSym10Len] & 0x0Fu) + 1,
              (r[kTxSym10BurstCtrl] & 0x01) != 0};
    case 1:
      return {static_cast<uint16_t>((r[kTxSym1H] << 8) | r[kTxSym1L]),
              ((r[kTxSym10Len] >> 4) & 0x0Fu) + 1, (r[kTxSym10BurstCtrl] & 0x10) != 0};
    case 2:
      return {r[kTxSym2], (r[kTxSym32Len] & 0x07u) + 1, false};
    default:
      return {r[kTxSym3], ((r[kTxSym32Len] >> 4) & 0x07u) + 1, false};
  }
}

// Leading zeros then ones of a symbol, MSB first; false if it is not of that shape.
bool zeros_then_ones(const Symbol& s, unsigned& zeros, unsigned& ones) {
  zeros = 0;
  ones = 0;
  for (unsigned i = 0; i < s.len; ++i) {
    const bool bit = ((s.pattern >> (s.len - 1 - i)) & 1u) != 0;
    if (!bit && ones == 0) {
      ++zeros;
    } else if (bit) {
      ++ones;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

bool Clrc663Model::check_type_b_tx(TxSymbols& symbols) {
  const size_t before = errors_.size();
  if ((regs_[kTxDataCon] & kTxDCodeTypeMask) != 0) {
    error("TxDataCon.DCodeType " + hex(regs_[kTxDataCon] >> 4) + " not modelled for Type B");
  }
  if ((regs_[kFrameCon] & kFrameTxParity) != 0) {
    error("FrameCon.TxParityEn set with Type B framing (ISO/IEC 14443-3 7.1: no parity)");
  }
  if ((regs_[kTxDataNum] & kTxDataNumLastBits) != 0) {
    error("TxDataNum.TxLastBits != 0 with Type B (byte-oriented) framing not modelled");
  }
  if ((regs_[kTxWaitCtrl] & kTxStopBitLength) == 0) {
    error("TxWaitCtrl.TxStopBitLength 0 (no stop bit, Table 152): not a Type B character");
  }
  // FrameCon.StartSym (Table 156): 1h Symbol0, 2h Symbol1, 3h Symbol2. FrameCon.StopSym: 8.6.5
  // says Symbol1..Symbol3 can follow the data, so StopSym n selects Symbol n. (Table 156 lists
  // Symbol0..2 for StopSym too; the 8.6.5 reading is the one under which the Type B protocol
  // area of Table 263, SOF in Symbol0 and EOF in Symbol1, is used with FrameCon = 05h.)
  const unsigned start = regs_[kFrameCon] & kFrameStartSym;
  const unsigned stop = (regs_[kFrameCon] & kFrameStopSym) >> 2;
  unsigned zeros = 0, ones = 0;
  if (start == 0) {
    error("FrameCon.StartSym 0: Type B frame without SOF not modelled");
  } else {
    const Symbol s = symbol(regs_, start - 1);
    // ISO/IEC 14443-3 7.1.4 (data sheet Figure 8): SOF = 10..11 etu 0, then 2..3 etu 1.
    if (s.burst || !zeros_then_ones(s, zeros, ones) || zeros < 10 || zeros > 11 || ones < 2 ||
        ones > 3) {
      error("start symbol (FrameCon.StartSym " + std::to_string(start) +
            ") is not a Type B SOF (10..11 zeros then 2..3 ones)");
    }
    symbols.sof_bits = s.len;
  }
  if (stop == 0) {
    error("FrameCon.StopSym 0: Type B frame without EOF not modelled");
  } else {
    const Symbol s = symbol(regs_, stop);
    // EOF = 10..11 etu 0 (the carrier returns unmodulated afterwards).
    if (s.burst || !zeros_then_ones(s, zeros, ones) || zeros < 10 || zeros > 11) {
      error("stop symbol (FrameCon.StopSym " + std::to_string(stop) +
            ") is not a Type B EOF (10..11 zeros)");
    }
    symbols.eof_bits = s.len;
    symbols.eof_zeros = zeros;
  }
  return errors_.size() == before;
}

bool Clrc663Model::check_type_b_rx() {
  const size_t before = errors_.size();
  if ((regs_[kRxSyncMod] & kRxSyncTypeMask) != kRxSyncTypeB || (regs_[kRxMod] & kRxModBpsk) == 0) {
    error(
        "receiver not set up for ISO/IEC 14443 B (RxSyncMod.SyncType 2, RxMod.BPSK; Tables "
        "240, 242): other receivers not modelled");
  }
  if ((regs_[kRxBitMod] & kRxStopBitEn) == 0) {
    error("RxBitMod.RxStopBitEn clear: Type B characters without stop bit not modelled");
  }
  if ((regs_[kFrameCon] & kFrameRxParity) != 0) {
    error("FrameCon.RxParityEn set with Type B framing not modelled");
  }
  if ((regs_[kRxCtrl] & kRxCtrlMultiple) != 0) error("RxCtrl.RxMultiple not modelled");
  if ((regs_[kRxCtrl] & kRxCtrlEofTypeB) == 0) {
    error("RxCtrl.RxEOFType 0 (EOF as defined in RxEofSym, Table 160) not modelled");
  }
  if ((regs_[kRxBitCtrl] & kRxBitCtrlRxAlign) != 0) {
    error("RxBitCtrl.RxAlign != 0 (bit-oriented reception) not modelled");
  }
  if (!kbps_from_code(regs_[kRxCtrl] & kRxCtrlBaudMask)) {
    error("RxCtrl.Baudrate " + hex(regs_[kRxCtrl] & kRxCtrlBaudMask) +
          " is not an ISO/IEC 14443 rate (Table 160)");
  }
  return errors_.size() == before;
}

Time Clrc663Model::etu_ns(uint32_t kbps, uint64_t half_bits) const {
  return fc_cycles(half_bits * etu_fc(kbps) / 2);
}

Time Clrc663Model::tx_wait_time(uint32_t kbps) const {
  // Tables 152/154: TxWait is 11 bits (TxWaitCtrl 5..3 above TxWaitLo), counted in
  // 16/13.56 MHz or, with TxWaitEtu, in half bits (0.5 / DBFreq).
  const uint64_t tx_wait =
      (static_cast<uint64_t>((regs_[kTxWaitCtrl] & kTxWaitHighMask) >> 3) << 8) | regs_[kTxWaitLo];
  if ((regs_[kTxWaitCtrl] & kTxWaitEtu) != 0) return etu_ns(kbps, tx_wait);
  return fc_cycles(tx_wait * 16);
}

Time Clrc663Model::rx_wait_time(uint32_t kbps) const {
  // Table 162: RxWait x 16/13.56 MHz, or with RxWaitEtu x 0.5/DBFreq.
  const uint64_t rx_wait = regs_[kRxWait] & kRxWaitMask;
  if ((regs_[kRxWait] & kRxWaitEtu) != 0) return etu_ns(kbps, rx_wait);
  return fc_cycles(rx_wait * 16);
}

void Clrc663Model::start_transmit(bool then_receive) {
  regs_[kError] &= static_cast<uint8_t>(~kErrFifoWr);  // Table 72: cleared at a new CL command
  if ((regs_[kCommand] & kCommandModemOff) != 0) {
    error("Transmit/Transceive with Command.ModemOff set (transmitter powered down)");
    finish_command(false);
    return;
  }
  if ((regs_[kTxDataNum] & kTxDataNumDataEn) == 0) {
    error("TxDataNum.DataEn clear (symbol-only frames) not modelled");
    finish_command(false);
    return;
  }
  if (fifo_.empty()) {
    set_error(kErrNoData);  // Table 72 NoDataErr: data should be sent, but the FIFO is empty
    finish_command(true);
    return;
  }
  if ((regs_[kTxDataMod] & kTxDMillerEn) != 0 || (regs_[kTxBitMod] & kTxStartBitEn) == 0) {
    // Type A (Miller, Table 259) or another coding: the ID card reader speaks Type B only.
    error(
        "transmission framing other than ISO/IEC 14443 B (TxBitMod start bit, no Miller) not "
        "modelled");
    finish_command(false);
    return;
  }
  const std::optional<uint32_t> kbps = tx_kbps();
  TxSymbols sym;
  if (!kbps || !check_type_b_tx(sym)) {
    finish_command(false);
    return;
  }
  // What the carrier carries (Tables 30, 31, 136, 206, 208): the frame still goes out, but a
  // card only decodes it if the modulation is Type B's (checked now, reported at its EOF).
  tx_fault_ = analog::tx_fault(regs_, *kbps);

  std::vector<uint8_t> frame;
  frame.reserve(fifo_.length() + 2);
  while (auto b = fifo_.pop()) frame.push_back(*b);
  fifo_changed();

  const uint8_t crc_cfg = regs_[kTxCrcPreset];
  if ((crc_cfg & kCrcEn) != 0) {
    const auto preset = clrc663_crc16_preset(static_cast<uint8_t>((crc_cfg & kCrcPresetMask) >> 4));
    if ((crc_cfg & kCrcTypeMask) != kCrcType16 || !preset) {
      error("TxCrcPreset " + hex(crc_cfg) +
            ": only CRC16 with presets 0,1,2,3,7 (Table 141) "
            "modelled");
      finish_command(false);
      return;
    }
    const uint16_t crc =
        clrc663_crc16(frame.data(), frame.size(), *preset, (crc_cfg & kCrcInvert) != 0);
    frame.push_back(static_cast<uint8_t>(crc & 0xFF));  // LSB first on the air
    frame.push_back(static_cast<uint8_t>(crc >> 8));
  }

  // Frame length from the loaded symbols (Tables 221/222: Sym0Len/Sym1Len + 1 bits) and 10
  // etu per character (ISO/IEC 14443-3 7.1.1) plus the extra guard time from TxStopBitLength
  // (Table 152: 1 stop bit + n-1 EGT). With Table 263 the SOF is 12 bits (10 zeros, 2 ones)
  // and the EOF 11 bits (10 zeros and a closing 1: 7.1.5's rising edge "within the following
  // etu"), so the transmission is 1 etu longer than the EOF proper.
  const uint64_t etu = etu_fc(*kbps);
  const uint64_t egt = (regs_[kTxWaitCtrl] & kTxStopBitLength) - 1u;
  const uint64_t data_etu = 10 * frame.size() + egt * (frame.size() - 1);
  const Time data_time = fc_cycles(etu * (sym.sof_bits + data_etu));
  const Time eof_time = fc_cycles(etu * (sym.sof_bits + data_etu + sym.eof_zeros));
  const Time air_time = fc_cycles(etu * (sym.sof_bits + data_etu + sym.eof_bits));

  // TxWait (Table 152): the minimum gap from the end of the last reception (TxWaitStart = 1)
  // or of the last transmission (0) to this frame's start.
  Time start = q_.now();
  const bool from_rx = (regs_[kTxWaitCtrl] & kTxWaitStartAtRx) != 0;
  const std::optional<Time> ref = from_rx ? last_rx_end_ : last_tx_end_;
  if (ref) start = std::max(start, *ref + tx_wait_time(*kbps));

  active_ = then_receive ? Active::Transceive : Active::Transmit;
  AirFrame air_frame{AirProtocol::TypeB, *kbps, std::move(frame)};
  const uint32_t rate = *kbps;
  auto begin = [this, air_frame, data_time, eof_time, air_time, rate]() mutable {
    set_com_state(ComState::Transmitting);
    const Time t0 = q_.now();
    tx_data_end_ = t0 + data_time;
    tx_eof_end_ = t0 + eof_time;
    tx_end_ = t0 + air_time;
    tx_event_ = q_.schedule(tx_data_end_, [this, air_frame, air_time, rate]() {
      tx_data_end();
      tx_event_ = q_.schedule(tx_eof_end_, [this, air_frame, air_time, rate]() {
        tx_eof_end(air_frame);
        tx_event_ = q_.schedule(tx_end_, [this, air_time, rate]() {
          tx_event_ = 0;
          tx_end(air_time, rate);
        });
      });
    });
  };
  if (start > q_.now()) {
    set_com_state(ComState::TxWait);
    tx_event_ = q_.schedule(start, begin);
  } else {
    begin();
  }
}

void Clrc663Model::tx_data_end() {
  // 8.1: "If the state changes from sending data to transmitting the end of the frame pattern,
  // the transmitter unit sets the interrupt bit automatically" (Table 64: after the last bit).
  set_irq0(kIrq0Tx);
}

void Clrc663Model::tx_eof_end(AirFrame frame) {
  // ISO/IEC 14443-3 7.1.5: the EOF ends with the rising edge after its 10..11 etu of logic 0;
  // the card's TR0 (7.1.6) counts from here. With the carrier off no card hears the frame.
  reply_.reset();
  if (tx_fault_) {
    error(*tx_fault_ + ": the card does not receive the frame");
    return;
  }
  if (!field_on_) return;  // TxEn off (or ModemOff): a frame on a dead carrier reaches no card
  reply_ = air_.transmit(frame);
}

void Clrc663Model::tx_end(Time air_time, uint32_t kbps) {
  accounts_.rf_air += air_time;
  if (reply_ && reply_->end > reply_->start) accounts_.rf_air += reply_->end - reply_->start;
  last_tx_end_ = q_.now();
  last_kbps_ = kbps;
  // Table 82 T(x)Start 01b: "starts automatically at the end of the transmission", i.e. after
  // the last bit of the stop symbol.
  timers_.on_tx_end();
  if (active_ == Active::Transmit) {
    finish_command(true);  // 8.10.3.7: Transmit terminates when the FIFO is sent
    return;
  }
  arm_receiver(q_.now() + rx_wait_time(kbps));  // 8.10.3.8; RxWait counts "after sending"
}

void Clrc663Model::arm_receiver(Time rx_wait_end) {
  rx_wait_end_ = rx_wait_end;
  auto wait_for_data = [this]() {
    rx_wait_event_ = 0;
    set_com_state(ComState::WaitForData);
    // Table 72: CollDet, ProtErr, IntegErr, MinFrameErr clear when the receiving phase starts.
    regs_[kError] &= static_cast<uint8_t>(~(kErrCollDet | kErrProt | kErrInteg | kErrMinFrame));
    regs_[kRxBitCtrl] &= static_cast<uint8_t>(~kRxBitCtrlLastBits);  // Table 76
  };
  if (rx_wait_end > q_.now()) {
    set_com_state(ComState::RxWait);
    rx_wait_event_ = q_.schedule(rx_wait_end, wait_for_data);
  } else {
    wait_for_data();
  }
  if (!check_type_b_rx()) return;  // the receiver waits, but nothing can be decoded
  if (!reply_) return;             // no card answered: wait until the host stops the command
  // The card answers at the rate it was addressed with (ISO/IEC 14443-3 7.10.4: ATTRIB sets
  // both directions; the field answers 106 kbit/s only).
  if (const auto fault = analog::rx_fault(regs_, last_kbps_, rx_env_)) {
    error(*fault + ": the card's reply is not decoded");
    reply_.reset();
    return;
  }
  // Table 162: during RxWait "every input is ignored". The receiver needs the SOF (ISO/IEC
  // 14443-3 7.1.4), which follows TR1 of plain subcarrier: a SOF that began before the
  // receiver listened is missed and the frame is not received; the receiver keeps waiting.
  const Time listening = std::max(q_.now(), rx_wait_end);
  if (reply_->start + kTr1Min < listening) {
    reply_.reset();
    return;
  }
  const AirReply& r = *reply_;
  const auto rx_kbps = kbps_from_code(regs_[kRxCtrl] & kRxCtrlBaudMask).value_or(106);
  // T(x)StopRx (Table 82) fires after the first 4 data bits: TR1 + SOF (10 + 2 etu) + 4 etu.
  const Time first_bits =
      std::min(r.end, r.start + kTr1Min + fc_cycles(etu_fc(rx_kbps) * (10 + 2 + 4)));
  rx_start_event_ = q_.schedule(std::max(r.start, listening), [this] {
    rx_start_event_ = 0;
    rx_start();
  });
  rx_bits_event_ = q_.schedule(first_bits, [this] {
    rx_bits_event_ = 0;
    timers_.on_rx_first_bits();
  });
  rx_end_event_ = q_.schedule(r.end, [this] {
    rx_end_event_ = 0;
    rx_end();
  });
}

void Clrc663Model::rx_start() {
  set_com_state(ComState::Receiving);
  // Table 158: subcarrier / SOF detected; RxSOFIRQ only when SOF_En or SubC_En is set.
  regs_[kRxSofD] |= kRxSubCDetected | kRxSofDetected | kRxSubCPresent;
  if ((regs_[kRxSofD] & (kRxSofEn | kRxSubCEn)) != 0) set_irq0(kIrq0RxSof);
}

void Clrc663Model::rx_end() {
  const AirReply reply = *reply_;
  reply_.reset();
  regs_[kRxSofD] &= static_cast<uint8_t>(~kRxSubCPresent);
  last_rx_end_ = q_.now();
  const bool emd_sup = (regs_[kRxCtrl] & kRxCtrlEmdSup) != 0;
  auto keep_waiting = [this] { set_com_state(ComState::WaitForData); };

  if (reply.framing_error) {
    // Table 159 EMD_Sup: an error within the first three bytes is taken as EMD and ignored.
    if (emd_sup && reply.bytes.size() < 3) return keep_waiting();
    // Table 72 ProtErr: wrong SOF/EOF/stop bit; reception stops, the broken byte is not stored.
    // The air does not say where the error was, so no byte of the frame is stored.
    set_error(kErrProt);
    set_irq0(kIrq0Rx);
    finish_command(true);
    return;
  }
  if (reply.bytes.empty()) {
    // Table 72 MinFrameErr: a SOF with fewer than 4 data bits is discarded, no RxIRQ, the
    // receiver stays on.
    regs_[kError] |= kErrMinFrame;
    return keep_waiting();
  }

  std::vector<uint8_t> bytes = reply.bytes;
  bool integrity_error = false;
  const uint8_t crc_cfg = regs_[kRxCrcCon];
  if ((crc_cfg & kCrcEn) != 0) {
    const auto preset = clrc663_crc16_preset(static_cast<uint8_t>((crc_cfg & kCrcPresetMask) >> 4));
    if ((crc_cfg & kCrcTypeMask) != kCrcType16 || !preset) {
      error("RxCrcCon " + hex(crc_cfg) +
            ": only CRC16 with presets 0,1,2,3,7 (Table 144) "
            "modelled");
    } else if (bytes.size() < 2) {
      integrity_error = true;
    } else {
      const size_t n = bytes.size() - 2;
      const uint16_t crc = clrc663_crc16(bytes.data(), n, *preset, (crc_cfg & kCrcInvert) != 0);
      integrity_error = bytes[n] != (crc & 0xFF) || bytes[n + 1] != (crc >> 8);
      // Table 143 RxForceCRCWrite: CRC bytes reach the FIFO only when it is set.
      if ((crc_cfg & kRxForceCrcWrite) == 0) bytes.resize(n);
    }
  }
  if (integrity_error && emd_sup && reply.bytes.size() < 3) return keep_waiting();
  if (integrity_error) set_error(kErrInteg);  // Table 72 IntegErr (reception continues)

  if (bytes.size() > fifo_.capacity() - fifo_.length()) {
    error("reply of " + std::to_string(bytes.size()) +
          " bytes exceeds the free FIFO space: draining the FIFO during reception not modelled");
  }
  for (uint8_t b : bytes) {
    if (!fifo_.push(b)) {
      set_error(kErrFifoOvl);
      break;
    }
  }
  fifo_changed();
  set_irq0(kIrq0Rx);  // Table 64 RxIRQ: end of the data stream
  finish_command(true);
}

}  // namespace idr::sim
