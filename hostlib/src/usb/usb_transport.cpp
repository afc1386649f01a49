// usb: transport over libusb-1.0 synchronous bulk transfers.
//
// Timeouts and cancellation: every wait is cut into slices of kSliceMs; between slices the
// cancel flag is checked, so cancel() takes effect within one slice (libusb cancels the
// timed-out URB itself, and bytes that arrived before the slice ended are kept).
// Disconnect: LIBUSB_ERROR_NO_DEVICE (the device left: usbfs answers ENODEV) gives
// TransportClosed; so does a hotplug "device left" event when libusb offers hotplug.
#include "usb_transport.h"

#include "idr/discovery.h"

#include <libusb.h>

#include <atomic>
#include <chrono>
#include <cstring>

namespace idr::detail {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSliceMs = 20;
constexpr std::chrono::milliseconds kWriteTimeout{5000};
constexpr unsigned kInterface = 0;
constexpr size_t kInBufferSize = 16384;  // a multiple of 64: a short packet ends each reply

struct Selector {
  bool by_address = false;
  int bus = 0, address = 0;
  std::string serial;  // empty: any
};

bool parse_decimal(const std::string& s, int& out) {
  if (s.empty() || s.size() > 3) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return out <= 255;
}

bool parse_selector(const std::string& rest, Selector& sel) {
  std::string path = rest, query;
  if (const auto q = rest.find('?'); q != std::string::npos) {
    path = rest.substr(0, q);
    query = rest.substr(q + 1);
  }
  if (!query.empty()) {
    const std::string key = "serial=";
    if (query.compare(0, key.size(), key) != 0 || query.size() == key.size()) return false;
    sel.serial = query.substr(key.size());
  }
  if (path.empty()) return true;
  const auto colon = path.find(':');
  if (colon == std::string::npos) return false;
  sel.by_address = true;
  return parse_decimal(path.substr(0, colon), sel.bus) &&
         parse_decimal(path.substr(colon + 1), sel.address);
}

std::string serial_of(libusb_device_handle* h, const libusb_device_descriptor& d) {
  if (d.iSerialNumber == 0) return {};
  unsigned char text[128] = {};
  const int n = libusb_get_string_descriptor_ascii(h, d.iSerialNumber, text, sizeof text - 1);
  return n > 0 ? std::string(reinterpret_cast<char*>(text), static_cast<size_t>(n)) : std::string();
}

bool is_reader(libusb_device* dev, libusb_device_descriptor& d) {
  return libusb_get_device_descriptor(dev, &d) == 0 && d.idVendor == kUsbVendorId &&
         d.idProduct == kUsbProductId;
}

class UsbTransport final : public Transport {
 public:
  UsbTransport(libusb_context* ctx, libusb_device_handle* h, std::string description)
      : ctx_(ctx), h_(h), description_(std::move(description)) {
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
      libusb_device* dev = libusb_get_device(h_);
      libusb_device_descriptor d{};
      (void)libusb_get_device_descriptor(dev, &d);
      // Fires from inside libusb's event handling (during our transfers).
      (void)libusb_hotplug_register_callback(
          ctx_, LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, LIBUSB_HOTPLUG_NO_FLAGS, d.idVendor, d.idProduct,
          LIBUSB_HOTPLUG_MATCH_ANY, &UsbTransport::on_left, this, &hotplug_);
    }
  }
  ~UsbTransport() override {
    if (hotplug_ != 0) libusb_hotplug_deregister_callback(ctx_, hotplug_);
    (void)libusb_release_interface(h_, kInterface);
    libusb_close(h_);
    libusb_exit(ctx_);
  }
  UsbTransport(const UsbTransport&) = delete;
  UsbTransport& operator=(const UsbTransport&) = delete;

  Result<void> write(const uint8_t* data, size_t len) override {
    if (gone_) return Error::TransportClosed;
    const auto deadline = Clock::now() + kWriteTimeout;
    size_t done = 0;
    while (done < len) {
      if (cancelled_) return Error::Cancelled;
      if (Clock::now() >= deadline) return Error::Timeout;
      int sent = 0;
      const int chunk = static_cast<int>(std::min<size_t>(len - done, 1u << 20));
      const int r =
          libusb_bulk_transfer(h_, LIBUSB_ENDPOINT_OUT | 0x01,
                               const_cast<unsigned char*>(data + done), chunk, &sent, kSliceMs);
      if (sent > 0) done += static_cast<size_t>(sent);
      if (r == 0 || r == LIBUSB_ERROR_TIMEOUT) continue;
      return failure(r);
    }
    return {};
  }

  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) override {
    if (max == 0) return Error::InvalidArgument;
    if (pending_.empty()) {
      const auto deadline = Clock::now() + timeout;
      for (;;) {
        if (cancelled_) return Error::Cancelled;
        if (gone_) return Error::TransportClosed;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return Error::Timeout;
        const int slice = static_cast<int>(std::min<long long>(left.count(), kSliceMs));
        int got = 0;
        const int r = libusb_bulk_transfer(h_, LIBUSB_ENDPOINT_IN | 0x01, in_, sizeof in_, &got,
                                           static_cast<unsigned>(slice));
        if (got > 0) {
          pending_.assign(in_, in_ + got);
          break;
        }
        if (r == 0 || r == LIBUSB_ERROR_TIMEOUT) continue;  // zero-length packet or nothing
        return failure(r);
      }
    }
    const size_t n = std::min(max, pending_.size());
    std::memcpy(buf, pending_.data(), n);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }

  void discard_input() override {
    pending_.clear();
    // Bounded: a device streaming without pause cannot keep us here for ever.
    for (int i = 0; i < 64 && !gone_; ++i) {
      int got = 0;
      const int r = libusb_bulk_transfer(h_, LIBUSB_ENDPOINT_IN | 0x01, in_, sizeof in_, &got, 1);
      if (r != 0 || got == 0) break;
    }
  }

  void cancel() override { cancelled_ = true; }
  void reset_cancel() override { cancelled_ = false; }
  [[nodiscard]] std::string describe() const override { return description_; }

 private:
  Error failure(int r) {
    if (r == LIBUSB_ERROR_NO_DEVICE || gone_) {
      gone_ = true;
      return Error::TransportClosed;
    }
    return Error::Io;
  }

  static int LIBUSB_CALL on_left(libusb_context*, libusb_device* dev, libusb_hotplug_event,
                                 void* self) {
    auto* t = static_cast<UsbTransport*>(self);
    if (dev == libusb_get_device(t->h_)) t->gone_ = true;
    return 0;
  }

  libusb_context* ctx_;
  libusb_device_handle* h_;
  std::string description_;
  libusb_hotplug_callback_handle hotplug_ = 0;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> gone_{false};
  std::vector<uint8_t> pending_;
  unsigned char in_[kInBufferSize] = {};
};

std::string describe(libusb_device* dev, const std::string& serial) {
  std::string s = "usb:" + std::to_string(libusb_get_bus_number(dev)) + ":" +
                  std::to_string(libusb_get_device_address(dev));
  if (!serial.empty()) s += "?serial=" + serial;
  return s;
}

}  // namespace

Result<std::unique_ptr<Transport>> open_usb(const std::string& rest) {
  Selector sel;
  if (!parse_selector(rest, sel)) return Error::InvalidArgument;
  libusb_context* ctx = nullptr;
  if (libusb_init(&ctx) != 0) return Error::TransportOpen;
  libusb_device** list = nullptr;
  const ssize_t count = libusb_get_device_list(ctx, &list);
  libusb_device_handle* chosen = nullptr;
  std::string description;
  for (ssize_t i = 0; i < count && chosen == nullptr; ++i) {
    libusb_device* dev = list[i];
    libusb_device_descriptor d{};
    if (!is_reader(dev, d)) continue;
    if (sel.by_address &&
        (libusb_get_bus_number(dev) != sel.bus || libusb_get_device_address(dev) != sel.address))
      continue;
    libusb_device_handle* h = nullptr;
    if (libusb_open(dev, &h) != 0) continue;
    const std::string serial = serial_of(h, d);
    if ((!sel.serial.empty() && serial != sel.serial) ||
        libusb_claim_interface(h, kInterface) != 0) {
      libusb_close(h);
      continue;
    }
    chosen = h;
    description = describe(dev, serial);
  }
  if (count > 0) libusb_free_device_list(list, 1);
  if (chosen == nullptr) {
    libusb_exit(ctx);
    return Error::TransportOpen;
  }
  return std::unique_ptr<Transport>(new UsbTransport(ctx, chosen, description));
}

}  // namespace idr::detail

namespace idr {

// Enumeration by VID/PID (idr/discovery.h): every device whose device descriptor carries
// the reader's VID and PID; its serial number is read when the device can be opened (a
// string descriptor request on endpoint 0, no interface is claimed).
Result<std::vector<ReaderInfo>> list_usb_readers() {
  libusb_context* ctx = nullptr;
  if (libusb_init(&ctx) != 0) return Error::TransportOpen;  // no usbfs to enumerate
  libusb_device** list = nullptr;
  const ssize_t count = libusb_get_device_list(ctx, &list);
  if (count < 0) {
    libusb_exit(ctx);
    return Error::Io;
  }
  std::vector<ReaderInfo> out;
  for (ssize_t i = 0; i < count; ++i) {
    libusb_device_descriptor d{};
    if (!detail::is_reader(list[i], d)) continue;
    std::string serial;
    libusb_device_handle* h = nullptr;
    if (libusb_open(list[i], &h) == 0) {
      serial = detail::serial_of(h, d);
      libusb_close(h);
    }
    out.push_back({detail::describe(list[i], serial),
                   serial.empty() ? "idr reader on USB (serial number not readable)"
                                  : "idr reader on USB, serial " + serial,
                   "usb"});
  }
  libusb_free_device_list(list, 1);
  libusb_exit(ctx);
  return out;
}

}  // namespace idr
