// The reader's USB device layer (firmware/core/usb): SETUP requests of endpoint 0 and bulk
// OUT packets from a hostile host, as controller events the input scripts. The scripted
// controller holds the device to the controller contract (packet sizes, one armed packet
// per IN endpoint) and aborts on a breach.
#include <cstdlib>
#include <cstring>

#include "fuzz_input.h"
#include "idr/core/usb/usb_device.h"

namespace {

using idr::Status;
using idr::core::usb::UsbEvent;

class ScriptedController final : public idr::core::usb::UsbController {
 public:
  explicit ScriptedController(idr::fuzz::Input& in) : in_(in) {}
  Status wait_event(UsbEvent& e, uint32_t) override {
    e = UsbEvent{};
    if (in_.empty()) return Status::Timeout;
    switch (in_.u8() % 7) {
      case 0:
        e.kind = UsbEvent::Kind::BusReset;
        armed_[0] = armed_[1] = false;
        break;
      case 1:
      case 2:
        e.kind = UsbEvent::Kind::Setup;
        for (auto& b : e.setup) b = in_.u8();
        armed_[0] = false;  // a SETUP cancels the control transfer in progress
        break;
      case 3:
        e.kind = UsbEvent::Kind::OutReady;
        e.endpoint = in_.flag() ? idr::core::usb::kBulkOut : in_.u8();
        out_packet_ = in_.bytes(in_.u8() % 65);
        break;
      case 4: {
        e.kind = UsbEvent::Kind::InSent;
        e.endpoint = in_.flag() ? idr::core::usb::kBulkIn : 0x80;
        armed_[e.endpoint == 0x80 ? 0 : 1] = false;
        break;
      }
      case 5:
        return Status::Io;  // detached
      default:
        return Status::Timeout;
    }
    return Status::Ok;
  }
  Status read_out(uint8_t, uint8_t* buf, size_t max, size_t& got) override {
    got = 0;
    if (out_packet_.size() > max) return Status::BufferTooSmall;
    if (!out_packet_.empty()) std::memcpy(buf, out_packet_.data(), out_packet_.size());
    got = out_packet_.size();
    out_packet_.clear();
    return Status::Ok;
  }
  Status write_in(uint8_t endpoint, const uint8_t*, size_t len) override {
    if (len > 64) abort();  // full-speed max packet of every endpoint of this device
    bool& armed = armed_[(endpoint & 0x7F) == 0 ? 0 : 1];
    if (armed) return Status::InvalidArgument;
    armed = true;
    return Status::Ok;
  }
  void set_stall(uint8_t, bool) override {}
  void set_address(uint8_t address) override {
    if (address > 127) abort();  // USB 2.0 9.4.6: addresses are 7 bits
  }
  void set_configured(bool) override {}

 private:
  idr::fuzz::Input& in_;
  std::vector<uint8_t> out_packet_;
  bool armed_[2] = {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idr::fuzz::Input in(data, size);
  ScriptedController controller(in);
  idr::core::usb::UsbDevice device(controller, "IDR-0123456789ABCDEF");
  uint8_t buf[600];
  for (int step = 0; step < 256 && !in.empty(); ++step) {
    const uint8_t op = in.u8();
    if (op < 200) {
      (void)device.poll(0);
    } else if (op < 230) {
      size_t got = 0;
      const size_t max = 1 + in.u16() % sizeof buf;
      if (device.read(buf, max, got, 0) == Status::Ok && got > max) abort();
    } else {
      const size_t len = in.u16() % sizeof buf;
      std::memset(buf, 0x42, len);
      (void)device.write(buf, len);
    }
    if (device.address() > 127) abort();
  }
  return 0;
}
