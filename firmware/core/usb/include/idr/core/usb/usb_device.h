#pragma once
// The reader's USB device layer: answers the standard requests of endpoint 0 (USB 2.0 9.4)
// and carries the host link byte stream over the bulk pair of usb_descriptors.h, as a
// hal::HostLink the reader application serves like any other host link.
//
// Single-threaded: every controller event is handled inside read()/write()/poll(), so the
// device keeps answering enumeration and control requests while the application waits for
// a command or sends a reply. Firmware code: fixed buffers, bounded loops.
#include <cstddef>
#include <cstdint>

#include "idr/core/usb/usb_controller.h"
#include "idr/core/usb/usb_descriptors.h"
#include "idr/hal/hal.h"

namespace idr::core::usb {

class UsbDevice final : public hal::HostLink {
 public:
  // `serial` (ASCII, at most kMaxSerialChars) is copied: it becomes iSerialNumber.
  UsbDevice(UsbController& controller, const char* serial);

  // hal::HostLink. read() returns bytes of bulk OUT packets; Io once when the host went
  // (bus reset, deconfigured, detached) so a half-received frame is dropped.
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  // Sends data as bulk IN packets, ending with a zero-length packet when the last one is
  // full so the host's transfer completes. Io when the host went, Timeout when it stopped
  // taking packets for kInPacketTimeoutUs.
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;

  // Handles at most one controller event, waiting up to timeout_us for it.
  [[nodiscard]] Status poll(uint32_t timeout_us);

  [[nodiscard]] bool configured() const { return configured_; }
  [[nodiscard]] uint8_t address() const { return address_; }

  // Bounds: one controller wait while the application waits for bytes or a packet slot.
  static constexpr uint32_t kServiceWaitUs = 1000;
  static constexpr uint32_t kInPacketTimeoutUs = 2'000'000;
  static constexpr size_t kRxCapacity = 512;  // 8 bulk OUT packets

 private:
  struct Setup {
    uint8_t request_type;
    uint8_t request;
    uint16_t value;
    uint16_t index;
    uint16_t length;
  };

  void handle(const UsbEvent& event);
  void on_bus_reset();
  void on_setup(const uint8_t raw[8]);
  void on_in_sent(uint8_t endpoint);
  void on_out_ready(uint8_t endpoint);
  // Each standard request answers true (handled: data armed or status armed) or false (stall).
  [[nodiscard]] bool standard_request(const Setup& s);
  [[nodiscard]] bool get_descriptor(const Setup& s);
  [[nodiscard]] bool endpoint_valid(uint8_t endpoint) const;
  void start_control_in(const uint8_t* data, size_t len, uint16_t requested);
  void send_control_in_next();
  void arm_status_zlp();
  void stall_ep0();
  void host_gone();
  void take_bulk_out();
  [[nodiscard]] size_t rx_free() const { return kRxCapacity - rx_count_; }

  UsbController& controller_;
  char serial_[kMaxSerialChars + 1] = {};

  // Endpoint 0 state of the current control transfer.
  uint8_t ep0_buffer_[64] = {};  // GET_STATUS / GET_CONFIGURATION / string descriptors
  uint8_t string_buffer_[2 + 2 * 126] = {};
  const uint8_t* ep0_data_ = nullptr;
  size_t ep0_remaining_ = 0;
  bool ep0_zlp_due_ = false;
  bool ep0_status_armed_ = false;
  uint8_t pending_address_ = 0;
  bool address_pending_ = false;

  uint8_t address_ = 0;
  bool configured_ = false;
  bool bulk_in_halted_ = false;
  bool bulk_out_halted_ = false;
  bool in_busy_ = false;            // a bulk IN packet is armed and not taken yet
  bool out_waiting_ = false;        // a bulk OUT packet waits in the controller (rx was full)
  bool host_gone_pending_ = false;  // read()/write() report Io once

  uint8_t rx_[kRxCapacity] = {};
  size_t rx_head_ = 0;
  size_t rx_count_ = 0;
};

}  // namespace idr::core::usb
