// Request handling of the sim wire (hw-sim/README.md is the protocol's documentation).
#include "idr/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "idr/proto/simwire.h"

namespace idr::sim {

namespace {

using simwire::ErrorCode;
using simwire::Type;

constexpr uint8_t response_type(Type t) {
  return static_cast<uint8_t>(t) | simwire::kResponseBit;
}

// Microseconds of a request to virtual nanoseconds; u32 us cannot overflow u64 ns.
constexpr Time us(uint32_t v) {
  return static_cast<Time>(v) * kUs;
}

}  // namespace

Simulator::Simulator(Config config, const PeripheralFactory& make_peripherals)
    : config_(config), rng_(config.seed) {
  periph_ = make_peripherals(Context{queue_, accounts_, config_.timing, config_.seed});
  if (!periph_.rc663 || !periph_.sam || !periph_.flash)
    throw std::invalid_argument("Simulator: the peripheral factory left a peripheral unset");
  if (config_.timing.mcu_hz == 0 || config_.timing.spi_hz == 0 ||
      config_.timing.host_link_bps == 0 || !(config_.timing.cycles_per_instruction > 0))
    throw std::invalid_argument("Simulator: timing rates must be positive");
}

Simulator::~Simulator() = default;

std::vector<std::string> Simulator::model_errors() const {
  return periph_.rc663->model_errors();
}

void Simulator::note(std::string what) {
  if (events_.size() >= kMaxEvents) events_.pop_front();
  events_.push_back(SimEvent{queue_.now(), std::move(what)});
}

// DESIGN 3: instructions * cycles per instruction at the MCU clock, rounded up to 1 ns.
Time Simulator::cpu_time(uint32_t instructions) const {
  const double ns = static_cast<double>(instructions) * config_.timing.cycles_per_instruction *
                    1e9 / static_cast<double>(config_.timing.mcu_hz);
  return static_cast<Time>(std::ceil(ns));
}

size_t Simulator::handle(const uint8_t* msg, size_t len, uint8_t* out, size_t cap) {
  // DESIGN 3: behaviour a model does not implement is an explicit, fatal error. A model
  // records it (Clrc663Model::error) or throws; either way the board gets ModelError
  // instead of ordinary register values, and the simulation stays failed.
  if (!failure_.empty() && msg != nullptr && len >= 3 && touches_peripheral(msg[2]))
    return model_error(out, cap, "simulation stopped after a model error: " + failure_);
  size_t n = 0;
  try {
    n = handle_request(msg, len, out, cap);
  } catch (const std::exception& e) {
    fail(std::string("model error: ") + e.what());
    return model_error(out, cap, failure_);
  }
  const std::vector<std::string> errors = periph_.rc663->model_errors();
  if (errors.size() > model_errors_seen_) {
    const std::string first = errors[model_errors_seen_];
    model_errors_seen_ = errors.size();
    if (failure_.empty()) {
      fail(first);
      return model_error(out, cap, failure_);
    }
  }
  return n;
}

bool Simulator::touches_peripheral(uint8_t type) {
  switch (static_cast<Type>(type)) {
    case Type::SpiTransfer:
    case Type::IrqWait:
    case Type::UartWrite:
    case Type::UartRead:
    case Type::UartSetBaud:
    case Type::UartFlush:
    case Type::FlashInfo:
    case Type::FlashRead:
    case Type::FlashProgram:
    case Type::FlashErase:
    case Type::Rng:
      return true;
    default:
      return false;
  }
}

void Simulator::fail(const std::string& what) {
  failure_ = what;
  note("model error: " + what);
  if (on_model_error_) on_model_error_(failure_);
}

size_t Simulator::model_error(uint8_t* out, size_t cap, const std::string& text) {
  ++error_responses_;
  simwire::Writer w(out, cap);
  w.begin(Type::Error);
  w.u8(static_cast<uint8_t>(ErrorCode::ModelError));
  w.bytes(text.data(), std::min(text.size(), simwire::kMaxPayload - 1));
  return w.finish();
}

size_t Simulator::handle_request(const uint8_t* msg, size_t len, uint8_t* out, size_t cap) {
  simwire::Writer w(out, cap);
  auto error = [&](ErrorCode code, const std::string& text) {
    ++error_responses_;
    note("error " + std::to_string(static_cast<int>(code)) + ": " + text);
    w.begin(Type::Error);
    w.u8(static_cast<uint8_t>(code));
    w.bytes(text.data(), std::min(text.size(), simwire::kMaxPayload - 1));
    return w.finish();
  };

  if (msg == nullptr || len < 3)
    return error(ErrorCode::Malformed, "message shorter than LEN + TYPE");
  const size_t body = static_cast<size_t>(msg[0]) | (static_cast<size_t>(msg[1]) << 8);
  if (body + 2 != len) return error(ErrorCode::Malformed, "LEN does not match the message size");
  if (body - 1 > simwire::kMaxPayload) return error(ErrorCode::Malformed, "payload too long");

  simwire::Reader r(msg + 2, body);
  const auto type = static_cast<Type>(r.type());
  // Every fixed-size request must be consumed exactly; `done` checks that.
  auto done = [&] { return r.ok() && r.remaining() == 0; };
  auto malformed = [&] {
    return error(ErrorCode::Malformed, "bad payload for type " + std::to_string(r.type()));
  };
  const TimingParams& t = config_.timing;

  switch (type) {
    case Type::Hello: {
      const uint16_t version = r.u16();
      if (!done()) return malformed();
      if (version != simwire::kVersion)
        return error(ErrorCode::Unsupported, "sim wire version " + std::to_string(version) +
                                                 " not supported; this simulator speaks " +
                                                 std::to_string(simwire::kVersion));
      note("hello, sim wire version " + std::to_string(version));
      w.begin(response_type(type));
      w.u16(simwire::kVersion);
      w.u32(static_cast<uint32_t>(t.mcu_hz));
      return w.finish();
    }
    case Type::SpiTransfer: {
      size_t n = 0;
      const uint8_t* mosi = r.rest(n);
      if (n == 0) return malformed();
      const Time spent = bit_time(8 * n, t.spi_hz);
      accounts_.spi += spent;
      queue_.advance_by(spent);
      const std::vector<uint8_t> miso =
          periph_.rc663->spi_transfer(std::vector<uint8_t>(mosi, mosi + n));
      if (miso.size() != n)
        throw std::logic_error("CLRC663 model returned a MISO of the wrong length");
      w.begin(response_type(type));
      w.bytes(miso.data(), miso.size());
      return w.finish();
    }
    case Type::IrqWait: {
      const uint32_t timeout = r.u32();
      if (!done()) return malformed();
      SpiPeripheral& rc663 = *periph_.rc663;
      const bool asserted =
          queue_.run_until(queue_.now() + us(timeout), [&] { return rc663.irq_pin(); });
      w.begin(response_type(type));
      w.u8(asserted ? 1 : 0);
      return w.finish();
    }
    case Type::UartWrite:
    case Type::UartRead:
    case Type::UartSetBaud:
    case Type::UartFlush: {
      const uint8_t port = r.u8();
      if (!r.ok()) return malformed();
      if (port != simwire::kPortSam)
        return error(ErrorCode::BadArgument, "no UART port " + std::to_string(port));
      UartPeripheral& sam = *periph_.sam;
      if (type == Type::UartWrite) {
        size_t n = 0;
        const uint8_t* data = r.rest(n);
        if (n == 0) return malformed();
        sam.board_write(std::vector<uint8_t>(data, data + n));
        w.begin(response_type(type));
        return w.finish();
      }
      if (type == Type::UartRead) {
        const uint16_t max = r.u16();
        const uint32_t timeout = r.u32();
        if (!done() || max == 0) return malformed();
        queue_.run_until(queue_.now() + us(timeout), [&] { return sam.board_available() > 0; });
        const std::vector<uint8_t> got =
            sam.board_read(std::min<size_t>(max, simwire::kMaxPayload));
        w.begin(response_type(type));
        w.bytes(got.data(), got.size());
        return w.finish();
      }
      if (type == Type::UartSetBaud) {
        const uint32_t baud = r.u32();
        if (!done()) return malformed();
        if (baud == 0) return error(ErrorCode::BadArgument, "baud rate 0");
        sam.set_board_baud(baud);
        w.begin(response_type(type));
        return w.finish();
      }
      if (!done()) return malformed();
      sam.board_flush();
      w.begin(response_type(type));
      return w.finish();
    }
    case Type::FlashInfo: {
      if (!done()) return malformed();
      w.begin(response_type(type));
      w.u32(periph_.flash->page_size());
      w.u32(periph_.flash->page_count());
      return w.finish();
    }
    case Type::FlashRead: {
      const uint32_t addr = r.u32();
      const uint16_t n = r.u16();
      if (!done()) return malformed();
      if (n > simwire::kMaxPayload - 1)
        return error(ErrorCode::BadArgument, "flash read longer than a message");
      std::vector<uint8_t> data(n);
      const Status s = periph_.flash->read(addr, data.data(), n);
      w.begin(response_type(type));
      w.u8(static_cast<uint8_t>(s));
      if (s == Status::Ok) w.bytes(data.data(), data.size());
      return w.finish();
    }
    case Type::FlashProgram: {
      const uint32_t addr = r.u32();
      size_t n = 0;
      const uint8_t* data = r.rest(n);
      if (n == 0) return malformed();
      const Status s = periph_.flash->program(addr, data, n);
      w.begin(response_type(type));
      w.u8(static_cast<uint8_t>(s));
      return w.finish();
    }
    case Type::FlashErase: {
      const uint32_t page = r.u32();
      if (!done()) return malformed();
      const Status s = periph_.flash->erase_page(page);
      w.begin(response_type(type));
      w.u8(static_cast<uint8_t>(s));
      return w.finish();
    }
    case Type::Rng: {
      const uint16_t n = r.u16();
      if (!done()) return malformed();
      if (n > simwire::kMaxPayload)
        return error(ErrorCode::BadArgument, "RNG request longer than a message");
      w.begin(response_type(type));
      for (uint16_t i = 0; i < n; ++i) w.u8(static_cast<uint8_t>(rng_()));
      return w.finish();
    }
    case Type::ClockNow: {
      if (!done()) return malformed();
      w.begin(response_type(type));
      w.u64(queue_.now());
      return w.finish();
    }
    case Type::Delay: {
      const uint32_t d = r.u32();
      if (!done()) return malformed();
      queue_.advance_by(us(d));
      w.begin(response_type(type));
      w.u64(queue_.now());
      return w.finish();
    }
    case Type::CpuTime: {
      const uint32_t instructions = r.u32();
      if (!done()) return malformed();
      const Time spent = cpu_time(instructions);
      accounts_.firmware_cpu += spent;
      queue_.advance_by(spent);
      w.begin(response_type(type));
      w.u64(queue_.now());
      return w.finish();
    }
    case Type::HostLinkIo: {
      const uint8_t direction = r.u8();
      const uint32_t bytes = r.u32();
      if (!done()) return malformed();
      if (direction > 1) return error(ErrorCode::BadArgument, "host link direction must be 0 or 1");
      // DESIGN 9: USB full speed, 8 bits per byte (framing overhead not modelled).
      const Time spent = bit_time(8ull * bytes, t.host_link_bps);
      accounts_.host_link += spent;
      queue_.advance_by(spent);
      w.begin(response_type(type));
      w.u64(queue_.now());
      return w.finish();
    }
    case Type::Log: {
      size_t n = 0;
      const uint8_t* text = r.rest(n);
      note("board: " + std::string(reinterpret_cast<const char*>(text), n));
      w.begin(response_type(type));
      return w.finish();
    }
    case Type::Error:
      return error(ErrorCode::Malformed, "Error is a response type, not a request");
  }
  return error(ErrorCode::Unknown, "unknown request type " + std::to_string(r.type()));
}

}  // namespace idr::sim
