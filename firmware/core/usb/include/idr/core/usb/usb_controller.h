#pragma once
// The HAL of a USB full-speed device controller (the peripheral of an MCU, or the host
// board's socket model of one). The controller answers the bus on its own, like real
// hardware does: SETUP packets are always accepted, an OUT packet is accepted (ACK) when
// the endpoint's receive buffer is free and refused (NAK) otherwise, an IN token takes the
// packet armed on the endpoint or is refused (NAK). The USB device layer above (UsbDevice)
// only sees the resulting events.
#include <cstddef>
#include <cstdint>

#include "idr/status.h"

namespace idr::core::usb {

struct UsbEvent {
  enum class Kind : uint8_t {
    None,
    BusReset,  // the host reset the bus: address 0, not configured, endpoints cleared
    Setup,     // a SETUP packet arrived on endpoint 0 (setup[] holds its 8 bytes)
    OutReady,  // an OUT packet waits in endpoint `endpoint`'s buffer (take it with read_out)
    InSent,    // the host took the packet armed on IN endpoint `endpoint`
  };
  Kind kind = Kind::None;
  uint8_t endpoint = 0;  // USB endpoint address: bit 7 set = IN
  uint8_t setup[8] = {};
};

class UsbController {
 public:
  // Waits up to timeout_us for the next event. Timeout when none came; Io when the device
  // is detached from the host (cable pulled): pending data is dropped.
  [[nodiscard]] virtual Status wait_event(UsbEvent& event, uint32_t timeout_us) = 0;
  // Takes the packet received on OUT endpoint `endpoint`; the buffer is free for the next
  // packet afterwards. BufferTooSmall when max is below the packet size.
  [[nodiscard]] virtual Status read_out(uint8_t endpoint, uint8_t* buf, size_t max,
                                        size_t& got) = 0;
  // Arms one IN packet (len <= the endpoint's max packet size; 0 = zero-length packet).
  // InvalidArgument when a packet is still armed (wait for InSent) or len is too big.
  [[nodiscard]] virtual Status write_in(uint8_t endpoint, const uint8_t* data, size_t len) = 0;
  // Halts an endpoint (answers STALL) or clears the halt. A stalled endpoint 0 clears
  // itself at the next SETUP (USB 2.0 8.5.3.4).
  virtual void set_stall(uint8_t endpoint, bool stalled) = 0;
  // Takes effect for the next transaction (the caller applies it after the status stage).
  virtual void set_address(uint8_t address) = 0;
  // Enables (configuration 1) or disables the bulk endpoints.
  virtual void set_configured(bool configured) = 0;

 protected:
  ~UsbController() = default;
};

}  // namespace idr::core::usb
