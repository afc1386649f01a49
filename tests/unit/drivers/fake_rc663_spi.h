#pragma once
// A test double for the CLRC663 behind SPI: a register file with FIFO, the IRQ0/IRQ1
// set/clear semantics (data sheet 9.5) and a script for what a Transceive produces. It
// records every register access so tests can compare them with the data sheet sequences.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <stdexcept>
#include <vector>

#include "idr/drivers/clrc663_registers.h"
#include "idr/hal/hal.h"

namespace idr::test {
namespace rc663 = idr::drivers::rc663;

struct RegAccess {
  bool write;
  uint8_t reg;
  uint8_t value;
  bool operator==(const RegAccess& o) const {
    return write == o.write && reg == o.reg && value == o.value;
  }
};

inline RegAccess W(uint8_t reg, uint8_t value) {
  return {true, reg, value};
}

class FakeRc663 : public hal::Spi, public hal::IrqLine, public hal::Clock {
 public:
  struct Outcome {
    std::vector<uint8_t> reply;  // bytes the receiver puts in the FIFO
    uint8_t irq0 = 0;
    uint8_t irq1 = 0;
    uint8_t error = 0;
    bool pin = true;
  };

  FakeRc663() { power_on(); }

  void power_on() {
    for (auto& r : regs) r = 0;
    // Data sheet Table 43 reset values used by the driver.
    regs[rc663::reg::kDrvMode] = 0x86;
    regs[rc663::reg::kFifoControl] = 0x80;
    regs[rc663::reg::kVersion] = version;
  }

  Status transfer(const uint8_t* tx, uint8_t* rx, size_t len) override {
    if (len < 2) throw std::runtime_error("SPI frame shorter than 2 bytes");
    frames.emplace_back(tx, tx + len);
    rx[0] = 0;
    if (tx[0] & 1) {
      // Read: bytes 0..len-2 are read addresses, the last MOSI byte is 00h (Table 17).
      if (tx[len - 1] != 0x00) throw std::runtime_error("read frame must end with 00h");
      for (size_t i = 0; i + 1 < len; ++i) {
        if ((tx[i] & 1) == 0) throw std::runtime_error("mixed read/write address bytes");
        rx[i + 1] = read(static_cast<uint8_t>(tx[i] >> 1));
      }
    } else {
      uint8_t reg = static_cast<uint8_t>(tx[0] >> 1);
      for (size_t i = 1; i < len; ++i) {
        rx[i] = 0;
        write(reg, tx[i]);
        if (reg != rc663::reg::kFifoData) ++reg;  // auto-increment except FIFO (8.4.2.4)
      }
    }
    return spi_status;
  }

  Status wait_asserted(uint32_t timeout_us) override {
    waits.push_back(timeout_us);
    if (!on_wait.empty()) {
      auto f = on_wait.front();
      on_wait.pop_front();
      f(*this);
    }
    if (pin) return Status::Ok;
    now += timeout_us;
    return Status::Timeout;
  }

  uint64_t now_us() override { return now; }
  void delay_us(uint32_t us) override { now += us; }

  std::vector<RegAccess> writes() const {
    std::vector<RegAccess> w;
    for (const auto& a : log)
      if (a.write) w.push_back(a);
    return w;
  }
  std::vector<uint8_t> reads_of() const {
    std::vector<uint8_t> r;
    for (const auto& a : log)
      if (!a.write) r.push_back(a.reg);
    return r;
  }

  uint8_t regs[128] = {};
  std::deque<uint8_t> fifo;
  std::vector<RegAccess> log;
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint8_t> loaded_protocol;  // parameters LoadProtocol took from the FIFO
  std::vector<uint8_t> transmitted;      // FIFO content when Transceive started
  std::deque<Outcome> outcomes;
  std::deque<std::function<void(FakeRc663&)>> on_wait;
  std::vector<uint32_t> waits;
  bool pin = false;
  int busy_polls = 0;  // Command reads that still show the running command
  uint8_t version = 0x18;
  Status spi_status = Status::Ok;
  uint64_t now = 0;

 private:
  uint8_t read(uint8_t reg) {
    uint8_t v = regs[reg];
    if (reg == rc663::reg::kFifoData) {
      if (fifo.empty()) throw std::runtime_error("FIFO read while empty");
      v = fifo.front();
      fifo.pop_front();
    } else if (reg == rc663::reg::kFifoLength) {
      v = static_cast<uint8_t>(fifo.size());
    } else if (reg == rc663::reg::kCommand) {
      if (busy_polls > 0) {
        --busy_polls;
      } else {
        regs[reg] = static_cast<uint8_t>(regs[reg] & ~rc663::cmd::kMask);
      }
      v = regs[reg];
    }
    log.push_back({false, reg, v});
    return v;
  }

  void write(uint8_t reg, uint8_t v) {
    log.push_back({true, reg, v});
    switch (reg) {
      case rc663::reg::kFifoData:
        fifo.push_back(v);
        return;
      case rc663::reg::kFifoControl:
        if (v & 0x10) fifo.clear();
        regs[reg] = static_cast<uint8_t>(v & 0x80);
        return;
      case rc663::reg::kIrq0:
      case rc663::reg::kIrq1:
        if (v & 0x80)
          regs[reg] = static_cast<uint8_t>(regs[reg] | (v & 0x7F));
        else
          regs[reg] = static_cast<uint8_t>(regs[reg] & ~(v & 0x7F));
        if (regs[rc663::reg::kIrq0] == 0 && (regs[rc663::reg::kIrq1] & 0x3F) == 0) pin = false;
        return;
      case rc663::reg::kCommand:
        command(v);
        return;
      default:
        regs[reg] = v;
    }
  }

  void command(uint8_t v) {
    regs[rc663::reg::kCommand] = v;
    switch (v & rc663::cmd::kMask) {
      case rc663::cmd::kSoftReset:
        power_on();
        regs[rc663::reg::kCommand] = v;
        break;
      case rc663::cmd::kLoadProtocol:
        if (fifo.size() < 2) throw std::runtime_error("LoadProtocol with < 2 FIFO bytes");
        loaded_protocol.assign(fifo.begin(), fifo.begin() + 2);
        fifo.erase(fifo.begin(), fifo.begin() + 2);
        break;
      case rc663::cmd::kTransceive: {
        transmitted.assign(fifo.begin(), fifo.end());
        fifo.clear();
        if (outcomes.empty()) break;
        Outcome o = outcomes.front();
        outcomes.pop_front();
        for (uint8_t b : o.reply) fifo.push_back(b);
        regs[rc663::reg::kIrq0] = o.irq0;
        regs[rc663::reg::kIrq1] = o.irq1;
        regs[rc663::reg::kError] = o.error;
        pin = o.pin;
        break;
      }
      default:
        break;
    }
  }
};

}  // namespace idr::test
