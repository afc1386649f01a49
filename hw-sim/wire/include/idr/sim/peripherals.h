#pragma once
// The board's peripherals as the wire server sees them. The Simulator talks to the CLRC663
// model, the SAM model and the flash model only through these interfaces, so its request
// handling can be tested with small fakes and the models can change without touching it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "idr/status.h"

namespace idr::sim {

// The CLRC663 behind SPI, with its IRQ pin.
class SpiPeripheral {
 public:
  virtual ~SpiPeripheral() = default;
  // One chip-select frame: MOSI in, MISO out (same length).
  virtual std::vector<uint8_t> spi_transfer(const std::vector<uint8_t>& mosi) = 0;
  [[nodiscard]] virtual bool irq_pin() const = 0;
  // Things the board asked for that the model does not implement (DESIGN 3: explicit).
  [[nodiscard]] virtual std::vector<std::string> model_errors() const = 0;
};

// A UART seen from the board: what the board writes leaves at the baud rate; what the
// peripheral sends becomes readable when its last stop bit has arrived.
class UartPeripheral {
 public:
  virtual ~UartPeripheral() = default;
  virtual void board_write(const std::vector<uint8_t>& bytes) = 0;
  // Takes up to max bytes that have arrived by now.
  virtual std::vector<uint8_t> board_read(size_t max) = 0;
  [[nodiscard]] virtual size_t board_available() const = 0;
  virtual void set_board_baud(uint32_t baud) = 0;
  virtual void board_flush() = 0;
};

// NOR-like flash; results use the firmware's Status codes (they go back on the wire as u8).
class FlashPeripheral {
 public:
  virtual ~FlashPeripheral() = default;
  [[nodiscard]] virtual uint32_t page_size() const = 0;
  [[nodiscard]] virtual uint32_t page_count() const = 0;
  virtual Status read(uint32_t addr, uint8_t* out, size_t len) = 0;
  virtual Status program(uint32_t addr, const uint8_t* data, size_t len) = 0;
  virtual Status erase_page(uint32_t page) = 0;
};

// Whatever owns the concrete models behind the peripheral interfaces (kept alive by the
// Simulator; destroyed after the interfaces that point into it).
class Hardware {
 public:
  virtual ~Hardware() = default;
};

struct Peripherals {
  std::unique_ptr<Hardware> owner;  // may be null when the peripherals own themselves
  std::unique_ptr<SpiPeripheral> rc663;
  std::unique_ptr<UartPeripheral> sam;
  std::unique_ptr<FlashPeripheral> flash;
};

}  // namespace idr::sim
