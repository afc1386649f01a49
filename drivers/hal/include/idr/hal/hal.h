#pragma once
// The hardware abstraction the drivers and the firmware core are written against.
// A board (host process over the sim wire, mps2-an386 under QEMU, a real MCU) implements
// these interfaces; nothing above them knows which board it runs on.
//
// Every wait is bounded by a timeout and every wait is a HAL call, so the simulator can
// own time (DESIGN 3): on the host board each call becomes one sim-wire request.
#include <cstddef>
#include <cstdint>

#include "idr/status.h"

namespace idr::hal {

// SPI master to one device; chip select is asserted for the whole call.
class Spi {
 public:
  // Full-duplex: clocks out tx[0..len) and stores what came back in rx[0..len).
  [[nodiscard]] virtual Status transfer(const uint8_t* tx, uint8_t* rx, size_t len) = 0;

 protected:
  ~Spi() = default;
};

// An interrupt input (e.g. the CLRC663 IRQ pin, configured active high).
class IrqLine {
 public:
  // Returns Ok as soon as the line is asserted (at once if it already is), or Timeout
  // when timeout_us passes first. timeout_us == 0 only samples the line.
  [[nodiscard]] virtual Status wait_asserted(uint32_t timeout_us) = 0;

 protected:
  ~IrqLine() = default;
};

// Monotonic time since boot and busy waiting.
class Clock {
 public:
  [[nodiscard]] virtual uint64_t now_us() = 0;
  virtual void delay_us(uint32_t us) = 0;

 protected:
  ~Clock() = default;
};

// A byte-stream serial port (8N1). write() queues and returns; bytes leave at the baud rate.
class Uart {
 public:
  [[nodiscard]] virtual Status write(const uint8_t* data, size_t len) = 0;
  // Reads up to max bytes. Returns Ok with got > 0 as soon as at least one byte is there,
  // Timeout with got == 0 if none arrived within timeout_us.
  [[nodiscard]] virtual Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) = 0;
  [[nodiscard]] virtual Status set_baud(uint32_t baud) = 0;
  // Drops whatever was received and not read yet.
  virtual void flush_input() = 0;

 protected:
  ~Uart() = default;
};

// NOR-like flash: erase sets a page to 0xFF, program can only clear bits (1 -> 0).
class Flash {
 public:
  [[nodiscard]] virtual uint32_t page_size() const = 0;
  [[nodiscard]] virtual uint32_t page_count() const = 0;
  [[nodiscard]] virtual Status read(uint32_t addr, uint8_t* buf, size_t len) = 0;
  [[nodiscard]] virtual Status program(uint32_t addr, const uint8_t* data, size_t len) = 0;
  [[nodiscard]] virtual Status erase_page(uint32_t page) = 0;

 protected:
  ~Flash() = default;
};

// Hardware random number generator (TRNG).
class Rng {
 public:
  [[nodiscard]] virtual Status fill(uint8_t* buf, size_t len) = 0;

 protected:
  ~Rng() = default;
};

// The link to the host computer: frames of DESIGN 4 travel over it as a byte stream.
class HostLink {
 public:
  // Same contract as Uart::read. Returns Io when the host has gone (connection closed).
  [[nodiscard]] virtual Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) = 0;
  [[nodiscard]] virtual Status write(const uint8_t* data, size_t len) = 0;

 protected:
  ~HostLink() = default;
};

// Diagnostic log sink; may drop messages.
class Log {
 public:
  virtual void write(const char* message) = 0;

 protected:
  ~Log() = default;
};

// The firmware's own computing between HAL calls, named per operation (DESIGN 3: firmware CPU
// time counts). A board that measures its CPU (QEMU: instruction counts) ignores these; the
// host board, whose CPU is not the MCU, charges each from a table of instruction counts
// measured under QEMU (firmware/boards/simwire cpu_calibration.h).
class CpuWork {
 public:
  enum class Op : uint8_t {
    EcdsaPrepare,          // the P-256 group's comb table built, once after boot (count: 1)
    EcdsaSign,             // one ECDSA P-256 signature, the table built (count: signatures)
    EcdsaNonce,            // one nonce pair precomputed (r, b, (k b)^-1; count: pairs)
    EcdsaSignPrecomputed,  // one signature from a precomputed pair: s only (count: signatures)
    EcdsaKeygen,           // one P-256 key pair generated (count: keys)
    Sha256Bytes,           // SHA-256 over count bytes (one call; padding is the table's business)
    CborBytes,             // count bytes of CBOR encoded
  };
  virtual void did(Op op, uint32_t count) = 0;

 protected:
  ~CpuWork() = default;
};

// Everything a board hands to the firmware core.
struct Board {
  Spi& rc663_spi;
  IrqLine& rc663_irq;
  Uart& sam_uart;
  Clock& clock;
  Flash& flash;
  Rng& rng;
  HostLink& host;
  Log& log;
  CpuWork& cpu;
};

}  // namespace idr::hal
