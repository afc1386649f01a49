#include "idr/board/sim_wire_client.h"

namespace idr::board {

using simwire::Type;

Status SimWireClient::hello(uint32_t& mcu_hz) {
  begin(Type::Hello).u16(simwire::kVersion);
  simwire::Reader r(nullptr, 0);
  const Status s = call(r);
  if (s != Status::Ok) return s;
  const uint16_t version = r.u16();
  mcu_hz = r.u32();
  // The simulator accepted our version; we check its answer in turn (README: both directions).
  if (!r.ok() || version != simwire::kVersion) return Status::Unsupported;
  return Status::Ok;
}

simwire::Writer& SimWireClient::begin(Type type) {
  type_ = static_cast<uint8_t>(type);
  writer_.begin(type);
  return writer_;
}

Status SimWireClient::call(simwire::Reader& reply) {
  if (broken_) return Status::Io;
  const size_t len = writer_.finish();
  if (len == 0) return Status::BufferTooSmall;
  size_t got = 0;
  ++requests_;
  if (link_.exchange(msg_, len, msg_, sizeof msg_, got) != Status::Ok || got < 3) {
    broken_ = true;
    return Status::Io;
  }
  const size_t body = static_cast<size_t>(msg_[0]) | (static_cast<size_t>(msg_[1]) << 8);
  if (body + 2 != got) {
    broken_ = true;  // framing lost: we cannot trust the stream any more
    return Status::Io;
  }
  reply = simwire::Reader(msg_ + 2, body);
  if (reply.type() == static_cast<uint8_t>(Type::Error)) {
    const uint8_t code = reply.u8();
    size_t n = 0;
    const uint8_t* text = reply.rest(n);
    if (n >= sizeof last_error_) n = sizeof last_error_ - 1;
    for (size_t i = 0; i < n; ++i) last_error_[i] = static_cast<char>(text[i]);
    last_error_[n] = '\0';
    switch (static_cast<simwire::ErrorCode>(code)) {
      case simwire::ErrorCode::Unsupported:
        return Status::Unsupported;
      case simwire::ErrorCode::BadArgument:
        return Status::InvalidArgument;
      case simwire::ErrorCode::ModelError:
        hardware_fault_ = true;
        return Status::HardwareFault;
      default:
        return Status::Protocol;
    }
  }
  if (reply.type() != (type_ | simwire::kResponseBit)) {
    broken_ = true;
    return Status::Io;
  }
  return Status::Ok;
}

Status SimWireClient::flush_cpu() {
  pending_instructions_ += cpu_.take_instructions();
  // Bounded: pending is at most a few u32 worth between two waits.
  for (int i = 0; i < 8 && pending_instructions_ > 0; ++i) {
    const uint32_t chunk = pending_instructions_ > 0xFFFFFFFFu
                               ? 0xFFFFFFFFu
                               : static_cast<uint32_t>(pending_instructions_);
    begin(Type::CpuTime).u32(chunk);
    simwire::Reader r(nullptr, 0);
    const Status s = call(r);
    if (s != Status::Ok) return s;
    pending_instructions_ -= chunk;
    reported_ += chunk;
  }
  return Status::Ok;
}

Status SimWireClient::now_ns(uint64_t& now) {
  simwire::Reader r(nullptr, 0);
  pending_instructions_ += cpu_.take_instructions();
  if (pending_instructions_ > 0 && pending_instructions_ <= 0xFFFFFFFFu) {
    // CpuTime answers the time too: one request instead of two.
    begin(Type::CpuTime).u32(static_cast<uint32_t>(pending_instructions_));
    reported_ += pending_instructions_;
    pending_instructions_ = 0;
  } else {
    const Status s = flush_cpu();
    if (s != Status::Ok) return s;
    begin(Type::ClockNow);
  }
  const Status s = call(r);
  if (s != Status::Ok) return s;
  now = r.u64();
  return r.ok() ? Status::Ok : Status::Protocol;
}

}  // namespace idr::board
