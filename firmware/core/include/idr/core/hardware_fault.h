#pragma once
// Remembers that a HAL call reported Status::HardwareFault (the hardware, or the simulator
// standing in for it, met something it cannot go on from; DESIGN 3: a model error is fatal).
// The reader application routes its HAL interfaces through the Latched* decorators, so a
// fault seen anywhere deep in a driver reaches the host-link server, which answers with the
// reader-fault reply (legacy_server.h) instead of whatever the failed operation mapped to.
// Firmware code: no heap, header-only.
#include <cstddef>
#include <cstdint>

#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::core {

class FaultLatch {
 public:
  // Passes `s` through, remembering a HardwareFault.
  Status note(Status s) {
    if (s == Status::HardwareFault) faulted_ = true;
    return s;
  }
  [[nodiscard]] bool faulted() const { return faulted_; }

 private:
  bool faulted_ = false;
};

class LatchedSpi final : public hal::Spi {
 public:
  LatchedSpi(hal::Spi& inner, FaultLatch& latch) : inner_(inner), latch_(latch) {}
  [[nodiscard]] Status transfer(const uint8_t* tx, uint8_t* rx, size_t len) override {
    return latch_.note(inner_.transfer(tx, rx, len));
  }

 private:
  hal::Spi& inner_;
  FaultLatch& latch_;
};

class LatchedIrqLine final : public hal::IrqLine {
 public:
  LatchedIrqLine(hal::IrqLine& inner, FaultLatch& latch) : inner_(inner), latch_(latch) {}
  [[nodiscard]] Status wait_asserted(uint32_t timeout_us) override {
    return latch_.note(inner_.wait_asserted(timeout_us));
  }

 private:
  hal::IrqLine& inner_;
  FaultLatch& latch_;
};

class LatchedUart final : public hal::Uart {
 public:
  LatchedUart(hal::Uart& inner, FaultLatch& latch) : inner_(inner), latch_(latch) {}
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override {
    return latch_.note(inner_.write(data, len));
  }
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override {
    return latch_.note(inner_.read(buf, max, got, timeout_us));
  }
  [[nodiscard]] Status set_baud(uint32_t baud) override {
    return latch_.note(inner_.set_baud(baud));
  }
  void flush_input() override { inner_.flush_input(); }

 private:
  hal::Uart& inner_;
  FaultLatch& latch_;
};

class LatchedFlash final : public hal::Flash {
 public:
  LatchedFlash(hal::Flash& inner, FaultLatch& latch) : inner_(inner), latch_(latch) {}
  [[nodiscard]] uint32_t page_size() const override { return inner_.page_size(); }
  [[nodiscard]] uint32_t page_count() const override { return inner_.page_count(); }
  [[nodiscard]] Status read(uint32_t addr, uint8_t* buf, size_t len) override {
    return latch_.note(inner_.read(addr, buf, len));
  }
  [[nodiscard]] Status program(uint32_t addr, const uint8_t* data, size_t len) override {
    return latch_.note(inner_.program(addr, data, len));
  }
  [[nodiscard]] Status erase_page(uint32_t page) override {
    return latch_.note(inner_.erase_page(page));
  }

 private:
  hal::Flash& inner_;
  FaultLatch& latch_;
};

class LatchedRng final : public hal::Rng {
 public:
  LatchedRng(hal::Rng& inner, FaultLatch& latch) : inner_(inner), latch_(latch) {}
  [[nodiscard]] Status fill(uint8_t* buf, size_t len) override {
    return latch_.note(inner_.fill(buf, len));
  }

 private:
  hal::Rng& inner_;
  FaultLatch& latch_;
};

}  // namespace idr::core
