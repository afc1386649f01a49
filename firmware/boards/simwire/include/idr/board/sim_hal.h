#pragma once
// HAL implementations of the host board (drivers/hal/include/idr/hal/hal.h): each call is
// one (or a few) sim-wire requests through SimWireClient. Firmware code: no allocation.
#include "idr/board/sim_wire_client.h"
#include "idr/hal/hal.h"

namespace idr::board {

class SimSpi final : public hal::Spi {
 public:
  explicit SimSpi(SimWireClient& wire) : wire_(wire) {}
  // One chip-select frame; longer than one sim-wire payload is refused (splitting a frame
  // would change what the CLRC663 sees).
  [[nodiscard]] Status transfer(const uint8_t* tx, uint8_t* rx, size_t len) override;

 private:
  SimWireClient& wire_;
};

class SimIrqLine final : public hal::IrqLine {
 public:
  explicit SimIrqLine(SimWireClient& wire) : wire_(wire) {}
  [[nodiscard]] Status wait_asserted(uint32_t timeout_us) override;

 private:
  SimWireClient& wire_;
};

class SimClock final : public hal::Clock {
 public:
  explicit SimClock(SimWireClient& wire) : wire_(wire) {}
  // On a broken link: the last time seen (the firmware stops soon after; see link_broken).
  [[nodiscard]] uint64_t now_us() override;
  void delay_us(uint32_t us) override;

 private:
  SimWireClient& wire_;
  uint64_t last_us_ = 0;
};

class SimUart final : public hal::Uart {
 public:
  SimUart(SimWireClient& wire, uint8_t port) : wire_(wire), port_(port) {}
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  [[nodiscard]] Status set_baud(uint32_t baud) override;
  void flush_input() override;

 private:
  SimWireClient& wire_;
  uint8_t port_;
};

class SimFlash final : public hal::Flash {
 public:
  explicit SimFlash(SimWireClient& wire) : wire_(wire) {}
  // FlashInfo is asked once, on first use.
  [[nodiscard]] uint32_t page_size() const override;
  [[nodiscard]] uint32_t page_count() const override;
  [[nodiscard]] Status read(uint32_t addr, uint8_t* buf, size_t len) override;
  [[nodiscard]] Status program(uint32_t addr, const uint8_t* data, size_t len) override;
  [[nodiscard]] Status erase_page(uint32_t page) override;

 private:
  void load_info() const;
  SimWireClient& wire_;
  mutable bool info_loaded_ = false;
  mutable uint32_t page_size_ = 0;
  mutable uint32_t page_count_ = 0;
};

class SimRng final : public hal::Rng {
 public:
  explicit SimRng(SimWireClient& wire) : wire_(wire) {}
  [[nodiscard]] Status fill(uint8_t* buf, size_t len) override;

 private:
  SimWireClient& wire_;
};

class SimLog final : public hal::Log {
 public:
  explicit SimLog(SimWireClient& wire) : wire_(wire) {}
  void write(const char* message) override;

 private:
  SimWireClient& wire_;
};

// Named firmware computing (hal::CpuWork) goes to the board's CPU meter: charged from the
// table on the host board, ignored where it is measured.
class SimCpuWork final : public hal::CpuWork {
 public:
  explicit SimCpuWork(SimWireClient& wire) : wire_(wire) {}
  void did(Op op, uint32_t count) override { wire_.work(op, count); }

 private:
  SimWireClient& wire_;
};

// Decorates the board's host link: every byte moved is reported to the simulator
// (HostLinkIo) so virtual time charges the host link (DESIGN 9), and CPU time pending is
// reported before the firmware waits for the host.
class MeteredHostLink final : public hal::HostLink {
 public:
  MeteredHostLink(SimWireClient& wire, hal::HostLink& inner) : wire_(wire), inner_(inner) {}
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;

 private:
  Status report(uint8_t direction, size_t bytes);
  SimWireClient& wire_;
  hal::HostLink& inner_;
};

}  // namespace idr::board
