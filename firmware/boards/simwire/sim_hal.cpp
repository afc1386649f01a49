#include "idr/board/sim_hal.h"

#include <cstring>

namespace idr::board {

using simwire::Type;

namespace {
constexpr size_t kMaxData = simwire::kMaxPayload - 8;  // room for the fixed fields

// Sends the request begun on `wire` whose response starts with a u8 flash Status (the
// flash requests of simwire.h): the link's failure, Io for a malformed response, else that
// status. `r` is left after the status byte.
Status call_flash(SimWireClient& wire, simwire::Reader& r) {
  const Status s = wire.call(r);
  if (s != Status::Ok) return s;
  const auto result = static_cast<Status>(r.u8());
  return r.ok() ? result : Status::Io;
}

// Copies the rest of the response `r` to `out`: Io unless it is exactly `n` bytes.
Status take_exactly(simwire::Reader& r, uint8_t* out, size_t n) {
  size_t got = 0;
  const uint8_t* data = r.rest(got);
  if (got != n) return Status::Io;
  std::memcpy(out, data, n);
  return Status::Ok;
}

// Runs `piece(offset, n)` over [0, len) in order, n at most kMaxData (one request each), and
// stops at the first status that is not Ok.
template <typename Piece>
Status in_pieces(size_t len, Piece&& piece) {
  for (size_t off = 0; off < len;) {
    const size_t n = len - off < kMaxData ? len - off : kMaxData;
    const Status s = piece(off, n);
    if (s != Status::Ok) return s;
    off += n;
  }
  return Status::Ok;
}
}  // namespace

Status SimSpi::transfer(const uint8_t* tx, uint8_t* rx, size_t len) {
  if (len == 0 || len > simwire::kMaxPayload) return Status::InvalidArgument;
  wire_.charge(len);
  wire_.begin(Type::SpiTransfer).bytes(tx, len);
  simwire::Reader r(nullptr, 0);
  const Status s = wire_.call(r);
  return s != Status::Ok ? s : take_exactly(r, rx, len);
}

Status SimIrqLine::wait_asserted(uint32_t timeout_us) {
  wire_.charge(0);
  Status s = wire_.flush_cpu();
  if (s != Status::Ok) return s;
  wire_.begin(Type::IrqWait).u32(timeout_us);
  simwire::Reader r(nullptr, 0);
  s = wire_.call(r);
  if (s != Status::Ok) return s;
  const uint8_t asserted = r.u8();
  if (!r.ok()) return Status::Io;
  return asserted ? Status::Ok : Status::Timeout;
}

uint64_t SimClock::now_us() {
  wire_.charge(0);
  uint64_t ns = 0;
  if (wire_.now_ns(ns) == Status::Ok) last_us_ = ns / 1000;
  return last_us_;
}

void SimClock::delay_us(uint32_t us) {
  wire_.charge(0);
  if (wire_.flush_cpu() != Status::Ok) return;
  wire_.begin(Type::Delay).u32(us);
  simwire::Reader r(nullptr, 0);
  if (wire_.call(r) == Status::Ok) last_us_ = r.u64() / 1000;
}

Status SimUart::write(const uint8_t* data, size_t len) {
  wire_.charge(len);
  // A byte stream: long writes go out in several requests, in order.
  return in_pieces(len, [&](size_t off, size_t n) {
    simwire::Writer& w = wire_.begin(Type::UartWrite);
    w.u8(port_);
    w.bytes(data + off, n);
    simwire::Reader r(nullptr, 0);
    return wire_.call(r);
  });
}

Status SimUart::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (max == 0) return Status::InvalidArgument;
  wire_.charge(0);
  Status s = wire_.flush_cpu();
  if (s != Status::Ok) return s;
  simwire::Writer& w = wire_.begin(Type::UartRead);
  w.u8(port_);
  w.u16(static_cast<uint16_t>(max < kMaxData ? max : kMaxData));
  w.u32(timeout_us);
  simwire::Reader r(nullptr, 0);
  s = wire_.call(r);
  if (s != Status::Ok) return s;
  size_t n = 0;
  const uint8_t* data = r.rest(n);
  if (n > max) return Status::Io;
  if (n == 0) return Status::Timeout;
  std::memcpy(buf, data, n);
  got = n;
  wire_.charge(n);
  return Status::Ok;
}

Status SimUart::set_baud(uint32_t baud) {
  wire_.charge(0);
  simwire::Writer& w = wire_.begin(Type::UartSetBaud);
  w.u8(port_);
  w.u32(baud);
  simwire::Reader r(nullptr, 0);
  return wire_.call(r);
}

void SimUart::flush_input() {
  wire_.charge(0);
  wire_.begin(Type::UartFlush).u8(port_);
  simwire::Reader r(nullptr, 0);
  (void)wire_.call(r);
}

void SimFlash::load_info() const {
  if (info_loaded_) return;
  wire_.begin(Type::FlashInfo);
  simwire::Reader r(nullptr, 0);
  if (wire_.call(r) != Status::Ok) return;
  page_size_ = r.u32();
  page_count_ = r.u32();
  info_loaded_ = r.ok();
}

uint32_t SimFlash::page_size() const {
  load_info();
  return page_size_;
}

uint32_t SimFlash::page_count() const {
  load_info();
  return page_count_;
}

Status SimFlash::read(uint32_t addr, uint8_t* buf, size_t len) {
  wire_.charge(len);
  // Long reads in chunks of one message; each chunk carries the model's status.
  return in_pieces(len, [&](size_t off, size_t n) {
    simwire::Writer& w = wire_.begin(Type::FlashRead);
    w.u32(static_cast<uint32_t>(addr + off));
    w.u16(static_cast<uint16_t>(n));
    simwire::Reader r(nullptr, 0);
    const Status s = call_flash(wire_, r);
    return s != Status::Ok ? s : take_exactly(r, buf + off, n);
  });
}

Status SimFlash::program(uint32_t addr, const uint8_t* data, size_t len) {
  wire_.charge(len);
  return in_pieces(len, [&](size_t off, size_t n) {
    simwire::Writer& w = wire_.begin(Type::FlashProgram);
    w.u32(static_cast<uint32_t>(addr + off));
    w.bytes(data + off, n);
    simwire::Reader r(nullptr, 0);
    return call_flash(wire_, r);
  });
}

Status SimFlash::erase_page(uint32_t page) {
  wire_.charge(0);
  wire_.begin(Type::FlashErase).u32(page);
  simwire::Reader r(nullptr, 0);
  return call_flash(wire_, r);
}

Status SimRng::fill(uint8_t* buf, size_t len) {
  wire_.charge(len);
  return in_pieces(len, [&](size_t off, size_t n) {
    wire_.begin(Type::Rng).u16(static_cast<uint16_t>(n));
    simwire::Reader r(nullptr, 0);
    const Status s = wire_.call(r);
    return s != Status::Ok ? s : take_exactly(r, buf + off, n);
  });
}

void SimLog::write(const char* message) {
  size_t n = 0;
  while (n < kMaxData && message[n] != '\0') ++n;
  wire_.begin(Type::Log).bytes(message, n);
  simwire::Reader r(nullptr, 0);
  (void)wire_.call(r);  // a log may drop messages (hal.h)
}

Status MeteredHostLink::report(uint8_t direction, size_t bytes) {
  simwire::Writer& w = wire_.begin(Type::HostLinkIo);
  w.u8(direction);
  w.u32(static_cast<uint32_t>(bytes));
  simwire::Reader r(nullptr, 0);
  return wire_.call(r);
}

Status MeteredHostLink::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  wire_.charge(0);
  (void)wire_.flush_cpu();
  const Status s = inner_.read(buf, max, got, timeout_us);
  if (s == Status::Timeout) {
    // The reader sat idle for the timeout: let the simulation's time pass too, so card
    // arrivals and removals on the scenario's timeline happen while no host talks.
    wire_.begin(Type::Delay).u32(timeout_us);
    simwire::Reader r(nullptr, 0);
    const Status d = wire_.call(r);
    if (d != Status::Ok) return d;
  }
  if (s == Status::Ok && got > 0) {
    wire_.charge(got);
    const Status m = report(0, got);
    if (m != Status::Ok) return m;
  }
  return s;
}

Status MeteredHostLink::write(const uint8_t* data, size_t len) {
  wire_.charge(len);
  (void)wire_.flush_cpu();
  const Status m = report(1, len);
  if (m != Status::Ok) return m;
  return inner_.write(data, len);
}

}  // namespace idr::board
