#pragma once
// Sim wire: the request/response protocol between a board and hw-sim (DESIGN 3).
// Header-only, no allocation: the host board and the QEMU board build it into firmware.
//
// Every message on the byte stream: LEN (u16 LE, bytes after LEN) | TYPE (u8) | PAYLOAD.
// The board sends one request and waits for its response; the simulator never speaks
// unasked. A response has TYPE = request TYPE | 0x80, or TYPE = kError with a u8 ErrorCode
// and a text. ModelError is fatal: the simulation has stopped being honest (DESIGN 3).
// Integers are little endian. Every request that takes time advances the
// simulator's virtual clock before it answers.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace idr::simwire {

// 2: ErrorCode::ModelError (a board of version 1 would take it for a protocol error).
inline constexpr uint16_t kVersion = 2;
inline constexpr size_t kMaxPayload = 2048;
inline constexpr size_t kMaxMessage = 2 + 1 + kMaxPayload;
inline constexpr uint8_t kResponseBit = 0x80;

enum class Type : uint8_t {
  // payloads: request -> response
  Hello = 0x01,         // u16 version -> u16 version, u32 mcu_hz
  SpiTransfer = 0x10,   // bytes (MOSI) -> bytes (MISO, same length); charged at the SPI rate
  IrqWait = 0x11,       // u32 timeout_us -> u8 asserted (1/0); 0 samples the line
  UartWrite = 0x20,     // u8 port, bytes -> (empty); bytes leave at the port's baud rate
  UartRead = 0x21,      // u8 port, u16 max, u32 timeout_us -> bytes (empty on timeout)
  UartSetBaud = 0x22,   // u8 port, u32 baud -> (empty)
  UartFlush = 0x23,     // u8 port -> (empty); drops received bytes
  FlashInfo = 0x30,     // (empty) -> u32 page_size, u32 page_count
  FlashRead = 0x31,     // u32 addr, u16 len -> u8 status, bytes
  FlashProgram = 0x32,  // u32 addr, bytes -> u8 status
  FlashErase = 0x33,    // u32 page -> u8 status
  Rng = 0x40,           // u16 count -> bytes
  ClockNow = 0x41,      // (empty) -> u64 now_ns
  Delay = 0x42,         // u32 us -> u64 now_ns
  CpuTime = 0x43,       // u32 instructions -> u64 now_ns; charged at the configured MCU clock
  HostLinkIo = 0x44,    // u8 direction (0 to reader, 1 to host), u32 bytes -> u64 now_ns
  Log = 0x45,           // text -> (empty)
  Error = 0x7F,         // response only: u8 ErrorCode, text
};

enum class ErrorCode : uint8_t {
  Malformed = 1,    // the request could not be parsed
  Unknown = 2,      // TYPE not known to this simulator
  Unsupported = 3,  // known, but the model does not implement what was asked
  BadArgument = 4,  // e.g. a port or address out of range
  // A model met behaviour it does not implement (DESIGN 3: explicit, fatal). The text is
  // the model's message. From then on every request that touches a peripheral (SPI, IRQ,
  // UART, flash, RNG) gets this error with the same text; time, host-link accounting and
  // log requests still work so the board can report the fault to its host and stop.
  ModelError = 5,
};

// UART ports of the simulated board.
inline constexpr uint8_t kPortSam = 0;

// Writes a message into a caller buffer.
class Writer {
 public:
  Writer(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}
  void begin(Type t) { begin(static_cast<uint8_t>(t)); }
  void begin(uint8_t t) {
    len_ = 0;
    ok_ = cap_ >= 3;
    put_raw(0);
    put_raw(0);
    put_raw(t);
  }
  void u8(uint8_t v) { put_raw(v); }
  void u16(uint16_t v) {
    for (int i = 0; i < 2; ++i) put_raw(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) put_raw(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) put_raw(static_cast<uint8_t>(v >> (8 * i)));
  }
  void bytes(const void* data, size_t n) {
    if (len_ + n > cap_ || len_ + n - 2 > 0xFFFF) {
      ok_ = false;
      return;
    }
    if (n > 0) std::memcpy(buf_ + len_, data, n);
    len_ += n;
  }
  // Fills in LEN; returns the whole message size, or 0 if it did not fit.
  [[nodiscard]] size_t finish() {
    if (!ok_ || len_ < 3) return 0;
    const size_t body = len_ - 2;
    buf_[0] = static_cast<uint8_t>(body);
    buf_[1] = static_cast<uint8_t>(body >> 8);
    return len_;
  }

 private:
  void put_raw(uint8_t v) {
    if (len_ >= cap_) {
      ok_ = false;
      return;
    }
    buf_[len_++] = v;
  }
  uint8_t* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool ok_ = false;
};

// Reads a message's payload; every getter fails softly (ok() false) past the end.
class Reader {
 public:
  // msg points at TYPE (after LEN), size = LEN.
  Reader(const uint8_t* msg, size_t size) : p_(msg), n_(size) {
    if (n_ == 0) ok_ = false;
  }
  [[nodiscard]] uint8_t type() const { return n_ ? p_[0] : 0; }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] size_t remaining() const { return ok_ ? n_ - pos_ : 0; }
  [[nodiscard]] const uint8_t* here() const { return p_ + pos_; }
  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  uint16_t u16() { return static_cast<uint16_t>(get(2)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  // Consumes the rest of the payload.
  const uint8_t* rest(size_t& len) {
    len = remaining();
    const uint8_t* r = here();
    pos_ = n_;
    return r;
  }

 private:
  uint64_t get(size_t bytes) {
    if (!ok_ || pos_ + bytes > n_) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p_[pos_ + i]) << (8 * i);
    pos_ += bytes;
    return v;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 1;  // after TYPE
  bool ok_ = true;
};

}  // namespace idr::simwire
