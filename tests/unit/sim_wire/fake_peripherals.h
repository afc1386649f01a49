#pragma once
// Small fakes behind the Simulator's peripheral interfaces, with behaviour a test can see
// in virtual time.
#include <cstring>
#include <deque>
#include <map>
#include <stdexcept>

#include "idr/sim/simulator.h"

namespace idr::test {

// MISO = MOSI with every bit inverted; raises IRQ at a time the test chooses. A write of
// register 77h is "not modelled": recorded in model_errors() and answered with ordinary
// bytes, as the real Clrc663Model does (the Simulator must turn it into ModelError).
class FakeRc663 : public sim::SpiPeripheral {
 public:
  std::vector<uint8_t> spi_transfer(const std::vector<uint8_t>& mosi) override {
    if (mosi.at(0) == 0xEE) errors.push_back("register 0x77 write not modelled");
    std::vector<uint8_t> miso(mosi);
    for (auto& b : miso) b = static_cast<uint8_t>(~b);
    transfers.push_back(mosi);
    return miso;
  }
  bool irq_pin() const override { return irq; }
  std::vector<std::string> model_errors() const override { return errors; }

  bool irq = false;
  std::vector<std::vector<uint8_t>> transfers;
  std::vector<std::string> errors;
};

// Echoes what the board writes, each byte + 1, `delay` after the write.
class FakeUart : public sim::UartPeripheral {
 public:
  FakeUart(sim::EventQueue& q, sim::Time delay) : q_(q), delay_(delay) {}
  void board_write(const std::vector<uint8_t>& bytes) override {
    q_.schedule_in(delay_, [this, bytes] {
      for (uint8_t b : bytes) rx_.push_back(static_cast<uint8_t>(b + 1));
    });
  }
  std::vector<uint8_t> board_read(size_t max) override {
    std::vector<uint8_t> out;
    while (!rx_.empty() && out.size() < max) {
      out.push_back(rx_.front());
      rx_.pop_front();
    }
    return out;
  }
  size_t board_available() const override { return rx_.size(); }
  void set_board_baud(uint32_t b) override { baud = b; }
  void board_flush() override { rx_.clear(); }

  uint32_t baud = 115200;

 private:
  sim::EventQueue& q_;
  sim::Time delay_;
  std::deque<uint8_t> rx_;
};

// 4 pages of 256 bytes with NOR rules.
class FakeFlash : public sim::FlashPeripheral {
 public:
  FakeFlash() { std::memset(mem_, 0xFF, sizeof mem_); }
  uint32_t page_size() const override {
    if (fail) throw std::runtime_error("flash fake failed");  // a model that throws
    return 256;
  }
  uint32_t page_count() const override { return 4; }
  Status read(uint32_t addr, uint8_t* out, size_t len) override {
    if (addr + len > sizeof mem_) return Status::InvalidArgument;
    std::memcpy(out, mem_ + addr, len);
    return Status::Ok;
  }
  Status program(uint32_t addr, const uint8_t* data, size_t len) override {
    if (addr + len > sizeof mem_) return Status::InvalidArgument;
    for (size_t i = 0; i < len; ++i) mem_[addr + i] &= data[i];
    return Status::Ok;
  }
  Status erase_page(uint32_t page) override {
    if (page >= 4) return Status::InvalidArgument;
    std::memset(mem_ + page * 256, 0xFF, 256);
    return Status::Ok;
  }

  bool fail = false;

 private:
  uint8_t mem_[1024];
};

struct FakeBench {
  FakeRc663* rc663 = nullptr;
  FakeUart* sam = nullptr;
  FakeFlash* flash = nullptr;
};

inline sim::Simulator::PeripheralFactory fake_factory(FakeBench& bench, sim::Time uart_delay) {
  return [&bench, uart_delay](const sim::Simulator::Context& ctx) {
    sim::Peripherals p;
    auto rc = std::make_unique<FakeRc663>();
    auto uart = std::make_unique<FakeUart>(ctx.queue, uart_delay);
    bench.rc663 = rc.get();
    bench.sam = uart.get();
    p.rc663 = std::move(rc);
    p.sam = std::move(uart);
    auto flash = std::make_unique<FakeFlash>();
    bench.flash = flash.get();
    p.flash = std::move(flash);
    return p;
  };
}

}  // namespace idr::test
