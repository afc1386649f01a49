#pragma once
// The host board's USB device controller: a model of a full-speed device controller with
// one packet buffer per endpoint, whose bus is a loopback TCP socket speaking usb_bus_wire.h
// (OS glue). It answers transactions by itself as hardware would (ACK/NAK/STALL) and
// reports what happened as events to the USB device layer (firmware/core/usb).
// One host at a time; when it disconnects the device counts as detached (wait_event
// returns Io once) and the next host is accepted (plugged in again).
#include <cstddef>
#include <cstdint>

#include "idr/board/usb_bus_wire.h"
#include "idr/core/usb/usb_controller.h"

namespace idr::board {

class SocketUsbController final : public core::usb::UsbController {
 public:
  SocketUsbController() = default;
  ~SocketUsbController();
  SocketUsbController(const SocketUsbController&) = delete;
  SocketUsbController& operator=(const SocketUsbController&) = delete;

  // Listens on 127.0.0.1:port (0 = a free port); port() tells which.
  [[nodiscard]] Status listen_loopback(uint16_t port);
  [[nodiscard]] uint16_t port() const { return port_; }

  // Waits in REAL time (the USB host is a real process), at most kMaxRealWaitMs per call.
  [[nodiscard]] Status wait_event(core::usb::UsbEvent& event, uint32_t timeout_us) override;
  [[nodiscard]] Status read_out(uint8_t endpoint, uint8_t* buf, size_t max, size_t& got) override;
  [[nodiscard]] Status write_in(uint8_t endpoint, const uint8_t* data, size_t len) override;
  void set_stall(uint8_t endpoint, bool stalled) override;
  void set_address(uint8_t address) override { address_ = address; }
  void set_configured(bool configured) override { configured_ = configured; }

  [[nodiscard]] uint8_t address() const { return address_; }

  static constexpr int kMaxRealWaitMs = 20;
  // Transactions handled per wait_event call at most (NAKed ones produce no event).
  static constexpr int kMaxTransactionsPerWait = 64;

 private:
  struct Endpoint {
    uint8_t data[usbwire::kMaxPacket] = {};
    size_t len = 0;
    bool full = false;  // OUT: a received packet waits; IN: a packet is armed
    bool stalled = false;
  };
  // 0 = endpoint 0 OUT, 1 = endpoint 0 IN, 2 = bulk OUT 0x01, 3 = bulk IN 0x81.
  [[nodiscard]] Endpoint* endpoint(uint8_t address);
  void reset_state();
  void drop_host();
  // Handles one transaction; Ok with an event, Timeout when it made no event.
  [[nodiscard]] Status transaction(core::usb::UsbEvent& event);
  [[nodiscard]] bool reply(usbwire::Handshake h, const uint8_t* data, size_t len);

  Endpoint endpoints_[4];
  int listen_ = -1;
  int host_ = -1;
  uint16_t port_ = 0;
  uint8_t address_ = 0;
  bool configured_ = false;
};

}  // namespace idr::board
