#include "idr/board/socket_usb_controller.h"

#include <unistd.h>

#include "idr/posix/loopback.h"
#include "idr/posix/poll_wait.h"

namespace idr::board {

SocketUsbController::~SocketUsbController() {
  drop_host();
  if (listen_ >= 0) ::close(listen_);
}

Status SocketUsbController::listen_loopback(uint16_t port) {
  listen_ = posix::listen_loopback(port, port_, 2);  // loopback only
  return listen_ >= 0 ? Status::Ok : Status::Io;
}

void SocketUsbController::reset_state() {
  for (Endpoint& e : endpoints_) e = Endpoint{};
  address_ = 0;
  configured_ = false;
}

void SocketUsbController::drop_host() {
  if (host_ >= 0) ::close(host_);
  host_ = -1;
  reset_state();
}

SocketUsbController::Endpoint* SocketUsbController::endpoint(uint8_t address) {
  switch (address) {
    case 0x00:
      return &endpoints_[0];
    case 0x80:
      return &endpoints_[1];
    case 0x01:
      return configured_ ? &endpoints_[2] : nullptr;
    case 0x81:
      return configured_ ? &endpoints_[3] : nullptr;
    default:
      return nullptr;
  }
}

Status SocketUsbController::read_out(uint8_t address, uint8_t* buf, size_t max, size_t& got) {
  got = 0;
  Endpoint* e = endpoint(address);
  if (e == nullptr || (address & 0x80) != 0) return Status::InvalidArgument;
  if (!e->full) return Status::Timeout;
  if (e->len > max) return Status::BufferTooSmall;
  for (size_t i = 0; i < e->len; ++i) buf[i] = e->data[i];
  got = e->len;
  e->full = false;
  return Status::Ok;
}

Status SocketUsbController::write_in(uint8_t address, const uint8_t* data, size_t len) {
  Endpoint* e = endpoint(address);
  if (e == nullptr || (address & 0x80) == 0 || e->full || len > usbwire::kMaxPacket)
    return Status::InvalidArgument;
  for (size_t i = 0; i < len; ++i) e->data[i] = data[i];
  e->len = len;
  e->full = true;
  return Status::Ok;
}

void SocketUsbController::set_stall(uint8_t address, bool stalled) {
  if (Endpoint* e = endpoint(address)) {
    e->stalled = stalled;
    if (stalled && (address & 0x80) != 0) e->full = false;  // a halted IN endpoint drops its packet
  }
}

bool SocketUsbController::reply(usbwire::Handshake h, const uint8_t* data, size_t len) {
  uint8_t out[usbwire::kHeaderSize + usbwire::kMaxPacket];
  out[0] = static_cast<uint8_t>(h);
  out[1] = 0;
  out[2] = static_cast<uint8_t>(len & 0xFF);
  out[3] = static_cast<uint8_t>(len >> 8);
  for (size_t i = 0; i < len; ++i) out[usbwire::kHeaderSize + i] = data[i];
  return posix::write_all(host_, out, usbwire::kHeaderSize + len);
}

Status SocketUsbController::transaction(core::usb::UsbEvent& event) {
  uint8_t header[usbwire::kHeaderSize];
  uint8_t data[usbwire::kMaxPacket];
  if (!posix::read_exact(host_, header, sizeof header)) return Status::Io;
  const auto kind = static_cast<usbwire::Kind>(header[0]);
  const uint8_t address = header[1];
  const size_t len = static_cast<size_t>(header[2] | (header[3] << 8));
  const size_t payload = kind == usbwire::Kind::In ? 0 : len;
  if (payload > sizeof data) return Status::Io;  // not our protocol: hang up
  if (payload > 0 && !posix::read_exact(host_, data, payload)) return Status::Io;

  using usbwire::Handshake;
  switch (kind) {
    case usbwire::Kind::Reset:
      reset_state();
      if (!reply(Handshake::Ack, nullptr, 0)) return Status::Io;
      event.kind = core::usb::UsbEvent::Kind::BusReset;
      return Status::Ok;
    case usbwire::Kind::Setup: {
      if (address != 0 || len != 8)
        return reply(Handshake::Stall, nullptr, 0) ? Status::Timeout : Status::Io;
      // SETUP is always accepted and cancels endpoint 0's pending data (USB 2.0 8.5.3).
      endpoints_[0] = Endpoint{};
      endpoints_[1] = Endpoint{};
      if (!reply(Handshake::Ack, nullptr, 0)) return Status::Io;
      event.kind = core::usb::UsbEvent::Kind::Setup;
      for (size_t i = 0; i < 8; ++i) event.setup[i] = data[i];
      return Status::Ok;
    }
    case usbwire::Kind::Out: {
      Endpoint* e = (address & 0x80) == 0 ? endpoint(address) : nullptr;
      if (e == nullptr || e->stalled)
        return reply(Handshake::Stall, nullptr, 0) ? Status::Timeout : Status::Io;
      if (e->full) return reply(Handshake::Nak, nullptr, 0) ? Status::Timeout : Status::Io;
      for (size_t i = 0; i < len; ++i) e->data[i] = data[i];
      e->len = len;
      e->full = true;
      if (!reply(Handshake::Ack, nullptr, 0)) return Status::Io;
      event.kind = core::usb::UsbEvent::Kind::OutReady;
      event.endpoint = address;
      return Status::Ok;
    }
    case usbwire::Kind::In: {
      Endpoint* e = (address & 0x80) != 0 ? endpoint(address) : nullptr;
      if (e == nullptr || e->stalled)
        return reply(Handshake::Stall, nullptr, 0) ? Status::Timeout : Status::Io;
      if (!e->full || e->len > len)
        return reply(Handshake::Nak, nullptr, 0) ? Status::Timeout : Status::Io;
      e->full = false;
      if (!reply(Handshake::Ack, e->data, e->len)) return Status::Io;
      event.kind = core::usb::UsbEvent::Kind::InSent;
      event.endpoint = address;
      return Status::Ok;
    }
  }
  return Status::Io;  // unknown kind: not our protocol
}

Status SocketUsbController::wait_event(core::usb::UsbEvent& event, uint32_t timeout_us) {
  event = core::usb::UsbEvent{};
  if (listen_ < 0) return Status::Io;
  const int ms = posix::wait_ms(timeout_us, kMaxRealWaitMs);
  if (host_ < 0) {
    if (!posix::readable(listen_, ms)) return Status::Timeout;
    host_ = posix::accept_client(listen_);  // attached; the host starts with a bus reset
    if (host_ < 0) return Status::Timeout;
  }
  for (int i = 0; i < kMaxTransactionsPerWait; ++i) {
    if (!posix::readable(host_, ms)) return Status::Timeout;
    const Status s = transaction(event);
    if (s == Status::Io) {
      drop_host();  // detached
      return Status::Io;
    }
    if (s == Status::Ok) return Status::Ok;
  }
  return Status::Timeout;
}

}  // namespace idr::board
