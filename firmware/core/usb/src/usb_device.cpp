#include "idr/core/usb/usb_device.h"

namespace idr::core::usb {

namespace {

// bmRequestType (USB 2.0 Table 9-2) and bRequest codes (Table 9-4), feature selectors (9-6).
constexpr uint8_t kDirIn = 0x80;
constexpr uint8_t kTypeMask = 0x60, kTypeStandard = 0x00;
constexpr uint8_t kRecipientMask = 0x1F, kToDevice = 0, kToInterface = 1, kToEndpoint = 2;
constexpr uint8_t kGetStatus = 0, kClearFeature = 1, kSetFeature = 3, kSetAddress = 5,
                  kGetDescriptor = 6, kGetConfiguration = 8, kSetConfiguration = 9,
                  kGetInterface = 10, kSetInterface = 11;
constexpr uint16_t kFeatureEndpointHalt = 0;

uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

}  // namespace

UsbDevice::UsbDevice(UsbController& controller, const char* serial) : controller_(controller) {
  for (size_t i = 0; serial != nullptr && i < kMaxSerialChars && serial[i] != '\0'; ++i)
    serial_[i] = serial[i];
}

Status UsbDevice::poll(uint32_t timeout_us) {
  UsbEvent event;
  const Status s = controller_.wait_event(event, timeout_us);
  if (s == Status::Io) {
    host_gone();  // detached: like a bus reset, and the application hears of it
    on_bus_reset();
    return s;
  }
  if (s != Status::Ok) return s;
  handle(event);
  return Status::Ok;
}

void UsbDevice::handle(const UsbEvent& event) {
  switch (event.kind) {
    case UsbEvent::Kind::BusReset:
      on_bus_reset();
      break;
    case UsbEvent::Kind::Setup:
      on_setup(event.setup);
      break;
    case UsbEvent::Kind::InSent:
      on_in_sent(event.endpoint);
      break;
    case UsbEvent::Kind::OutReady:
      on_out_ready(event.endpoint);
      break;
    case UsbEvent::Kind::None:
      break;
  }
}

void UsbDevice::host_gone() {
  if (configured_ || rx_count_ > 0 || in_busy_) host_gone_pending_ = true;
}

void UsbDevice::on_bus_reset() {
  host_gone();
  address_ = 0;
  address_pending_ = false;
  configured_ = false;
  bulk_in_halted_ = bulk_out_halted_ = false;
  in_busy_ = out_waiting_ = false;
  rx_head_ = rx_count_ = 0;
  ep0_data_ = nullptr;
  ep0_remaining_ = 0;
  ep0_zlp_due_ = ep0_status_armed_ = false;
  controller_.set_configured(false);
}

void UsbDevice::stall_ep0() {
  ep0_data_ = nullptr;
  ep0_remaining_ = 0;
  ep0_zlp_due_ = false;
  // Request error: endpoint 0 answers STALL until the next SETUP (USB 2.0 9.2.7, 8.5.3.4).
  controller_.set_stall(0x00, true);
  controller_.set_stall(0x80, true);
}

void UsbDevice::arm_status_zlp() {
  // Status stage of a no-data control transfer: a zero-length IN packet (8.5.3).
  ep0_status_armed_ = controller_.write_in(0x80, nullptr, 0) == Status::Ok;
}

void UsbDevice::start_control_in(const uint8_t* data, size_t len, uint16_t requested) {
  // Data stage (8.5.3): at most wLength bytes; a short transfer ends with a short packet,
  // so a length that is a multiple of the packet size needs a zero-length packet.
  const size_t n = len < requested ? len : requested;
  ep0_data_ = data;
  ep0_remaining_ = n;
  ep0_zlp_due_ = n < requested && n % kMaxPacket0 == 0;
  send_control_in_next();
}

void UsbDevice::send_control_in_next() {
  if (ep0_remaining_ > 0) {
    const size_t n = ep0_remaining_ < kMaxPacket0 ? ep0_remaining_ : kMaxPacket0;
    if (controller_.write_in(0x80, ep0_data_, n) != Status::Ok) return;
    ep0_data_ += n;
    ep0_remaining_ -= n;
  } else if (ep0_zlp_due_) {
    ep0_zlp_due_ = false;
    (void)controller_.write_in(0x80, nullptr, 0);
  }
}

void UsbDevice::on_setup(const uint8_t raw[8]) {
  const Setup s{raw[0], raw[1], le16(raw + 2), le16(raw + 4), le16(raw + 6)};
  // A SETUP aborts whatever control transfer was going on (8.5.3).
  ep0_data_ = nullptr;
  ep0_remaining_ = 0;
  ep0_zlp_due_ = ep0_status_armed_ = false;
  address_pending_ = false;
  controller_.set_stall(0x00, false);
  controller_.set_stall(0x80, false);
  // No class or vendor requests: the host link runs over the bulk endpoints only.
  if ((s.request_type & kTypeMask) != kTypeStandard || !standard_request(s)) stall_ep0();
}

bool UsbDevice::endpoint_valid(uint8_t endpoint) const {
  if ((endpoint & 0x7F) == 0) return true;
  return configured_ && (endpoint == kBulkIn || endpoint == kBulkOut);
}

bool UsbDevice::standard_request(const Setup& s) {
  const uint8_t recipient = s.request_type & kRecipientMask;
  const bool in = (s.request_type & kDirIn) != 0;
  switch (s.request) {
    case kGetDescriptor:
      return in && get_descriptor(s);
    case kSetAddress:  // 9.4.6: applied after the status stage completes
      if (in || recipient != kToDevice || s.value > 127 || s.length != 0) return false;
      pending_address_ = static_cast<uint8_t>(s.value);
      address_pending_ = true;
      arm_status_zlp();
      return true;
    case kGetConfiguration:  // 9.4.2
      if (!in || s.length != 1) return false;
      ep0_buffer_[0] = configured_ ? kConfigurationValue : 0;
      start_control_in(ep0_buffer_, 1, s.length);
      return true;
    case kSetConfiguration:  // 9.4.7: 0 = back to the address state
      if (in || recipient != kToDevice || (s.value != 0 && s.value != kConfigurationValue))
        return false;
      if (configured_ && s.value == 0) host_gone();
      configured_ = s.value == kConfigurationValue;
      bulk_in_halted_ = bulk_out_halted_ = false;
      in_busy_ = out_waiting_ = false;
      rx_head_ = rx_count_ = 0;
      controller_.set_configured(configured_);
      arm_status_zlp();
      return true;
    case kGetInterface:  // 9.4.4: only alternate setting 0 exists
      if (!in || !configured_ || s.index != kInterfaceNumber || s.length != 1) return false;
      ep0_buffer_[0] = 0;
      start_control_in(ep0_buffer_, 1, s.length);
      return true;
    case kSetInterface:  // 9.4.10
      if (in || !configured_ || s.index != kInterfaceNumber || s.value != 0) return false;
      arm_status_zlp();
      return true;
    case kGetStatus: {  // 9.4.5: two bytes; device: bus powered, no remote wakeup
      if (!in || s.length != 2) return false;
      ep0_buffer_[0] = ep0_buffer_[1] = 0;
      if (recipient == kToEndpoint) {
        const uint8_t ep = static_cast<uint8_t>(s.index);
        if (!endpoint_valid(ep)) return false;
        const bool halted = ep == kBulkIn ? bulk_in_halted_ : ep == kBulkOut && bulk_out_halted_;
        ep0_buffer_[0] = halted ? 1 : 0;
      } else if (recipient == kToInterface) {
        if (!configured_ || s.index != kInterfaceNumber) return false;
      } else if (recipient != kToDevice) {
        return false;
      }
      start_control_in(ep0_buffer_, 2, s.length);
      return true;
    }
    case kClearFeature:
    case kSetFeature: {  // 9.4.1, 9.4.9: only ENDPOINT_HALT on the bulk endpoints
      const uint8_t ep = static_cast<uint8_t>(s.index);
      if (in || recipient != kToEndpoint || s.value != kFeatureEndpointHalt || !configured_ ||
          (ep != kBulkIn && ep != kBulkOut))
        return false;
      const bool halt = s.request == kSetFeature;
      (ep == kBulkIn ? bulk_in_halted_ : bulk_out_halted_) = halt;
      controller_.set_stall(ep, halt);
      arm_status_zlp();
      return true;
    }
    default:
      return false;
  }
}

bool UsbDevice::get_descriptor(const Setup& s) {
  const uint8_t type = static_cast<uint8_t>(s.value >> 8);
  const uint8_t index = static_cast<uint8_t>(s.value & 0xFF);
  switch (type) {
    case kDescDevice:
      start_control_in(kDeviceDescriptor, sizeof kDeviceDescriptor, s.length);
      return true;
    case kDescConfiguration:
      if (index != 0) return false;
      start_control_in(kConfigurationDescriptor, sizeof kConfigurationDescriptor, s.length);
      return true;
    case kDescString: {
      const size_t n = string_descriptor(index, serial_, string_buffer_, sizeof string_buffer_);
      if (n == 0) return false;
      start_control_in(string_buffer_, n, s.length);
      return true;
    }
    default:
      return false;  // no device qualifier: a full-speed-only device stalls it (9.6.2)
  }
}

void UsbDevice::on_in_sent(uint8_t endpoint) {
  if (endpoint == kBulkIn) {
    in_busy_ = false;
    return;
  }
  if (endpoint != 0x80) return;
  if (ep0_status_armed_) {  // status stage done
    ep0_status_armed_ = false;
    if (address_pending_) {
      address_ = pending_address_;
      address_pending_ = false;
      controller_.set_address(address_);
    }
    return;
  }
  send_control_in_next();
}

void UsbDevice::on_out_ready(uint8_t endpoint) {
  if (endpoint == 0x00) {
    // Status stage of a control read (a zero-length OUT); no request here takes OUT data.
    uint8_t sink[kMaxPacket0];
    size_t got = 0;
    (void)controller_.read_out(0x00, sink, sizeof sink, got);
    return;
  }
  if (endpoint == kBulkOut) {
    out_waiting_ = true;
    take_bulk_out();
  }
}

void UsbDevice::take_bulk_out() {
  // Flow control: leave the packet in the controller (the host gets NAK) until a whole
  // packet fits into rx_.
  if (!out_waiting_ || rx_free() < kMaxPacketBulk) return;
  uint8_t packet[kMaxPacketBulk];
  size_t got = 0;
  out_waiting_ = false;
  if (controller_.read_out(kBulkOut, packet, sizeof packet, got) != Status::Ok) return;
  for (size_t i = 0; i < got; ++i) {
    rx_[(rx_head_ + rx_count_) % kRxCapacity] = packet[i];
    ++rx_count_;
  }
}

Status UsbDevice::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (max == 0) return Status::InvalidArgument;
  // Bounded: each poll waits at most kServiceWaitUs, so timeout_us / kServiceWaitUs + 1
  // rounds, plus as many rounds again for events that arrive early.
  const uint32_t rounds = 2 * (timeout_us / kServiceWaitUs + 1);
  for (uint32_t i = 0; i < rounds && rx_count_ == 0 && !host_gone_pending_; ++i) {
    const uint32_t wait = timeout_us < kServiceWaitUs ? timeout_us : kServiceWaitUs;
    const Status s = poll(wait);
    if (s != Status::Ok && s != Status::Timeout && s != Status::Io) return s;
    if (s == Status::Timeout && timeout_us <= kServiceWaitUs) break;
  }
  if (host_gone_pending_) {
    host_gone_pending_ = false;
    return Status::Io;
  }
  if (rx_count_ == 0) return Status::Timeout;
  while (got < max && rx_count_ > 0) {
    buf[got++] = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % kRxCapacity;
    --rx_count_;
  }
  take_bulk_out();  // room again: accept the packet the host was kept waiting with
  return Status::Ok;
}

Status UsbDevice::write(const uint8_t* data, size_t len) {
  if (!configured_) return Status::Io;
  host_gone_pending_ = false;
  size_t sent = 0;
  bool zlp_due = len % kMaxPacketBulk == 0;  // a full last packet needs a ZLP after it
  const uint32_t rounds_per_packet = kInPacketTimeoutUs / kServiceWaitUs;
  while (sent < len || zlp_due) {
    // Wait (bounded) until the previous packet was taken.
    for (uint32_t i = 0; i < rounds_per_packet && in_busy_ && configured_; ++i) {
      const Status s = poll(kServiceWaitUs);
      if (s != Status::Ok && s != Status::Timeout) break;
    }
    if (!configured_ || host_gone_pending_) {
      host_gone_pending_ = false;
      return Status::Io;
    }
    if (in_busy_) return Status::Timeout;
    if (bulk_in_halted_) return Status::Io;  // the host halted the endpoint: no reply wanted
    const size_t n = len - sent < kMaxPacketBulk ? len - sent : kMaxPacketBulk;
    if (controller_.write_in(kBulkIn, data + sent, n) != Status::Ok) return Status::Io;
    in_busy_ = true;
    sent += n;
    if (n == 0) zlp_due = false;
    if (sent == len && n < kMaxPacketBulk) zlp_due = false;
  }
  return Status::Ok;
}

}  // namespace idr::core::usb
