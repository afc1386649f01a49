#pragma once
// The reader firmware's USB device presented to the real libusb through umockdev (DESIGN
// 10): a testbed device /dev/bus/usb/001/002 whose sysfs `descriptors` are what the firmware
// answered during enumeration, and an ioctl handler playing the kernel's usbfs: it takes
// libusb's URBs (control and bulk) and turns them into transactions on the firmware's USB
// bus (usb_bus_wire.h, idr-firmware --usb). The process must run under umockdev-wrapper.
//
// A bus thread moves the URBs (so the ioctl handler never waits for the firmware); pull()
// unplugs the device: URBs in flight complete with -ESHUTDOWN (libusb: NO_DEVICE) and new
// ones are refused with ENODEV until plug_in().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace idr::test {

class MockUsbDevice {
 public:
  // Connects to the firmware's USB bus at 127.0.0.1:bus_port, enumerates it like a kernel
  // (reset, SET_ADDRESS 2, descriptors, SET_CONFIGURATION 1) and adds the testbed device.
  // Throws std::runtime_error with a clear message on failure.
  explicit MockUsbDevice(uint16_t bus_port);
  ~MockUsbDevice();
  MockUsbDevice(const MockUsbDevice&) = delete;
  MockUsbDevice& operator=(const MockUsbDevice&) = delete;

  // The cable is pulled: the firmware's bus connection closes, libusb sees the device gone.
  void pull();
  // Plugged in again (to the firmware listening at bus_port): enumerated anew.
  void plug_in(uint16_t bus_port);

  // What enumeration read: device descriptor + full configuration descriptor.
  [[nodiscard]] const std::vector<uint8_t>& descriptors() const;
  // URBs completed since the start (control + bulk), for tests that check traffic flowed.
  [[nodiscard]] uint64_t urbs_completed() const;

  // A fault on one bulk data packet (tests/faults, DESIGN 4): the packet of direction `in`
  // (IN = device to host) with index `index`, counted from this call over the packets the
  // bus moved (zero-length ones included):
  //   Lost: its data never reaches the other side; the URB ends with -EPROTO (what the host
  //     controller reports after three tries of a damaged packet) holding the bytes before.
  //   Repeated: its data arrives twice (a data toggle failure: a retransmission accepted).
  //   Unplugged: the cable is pulled instead of moving it (as pull()).
  // These calls wait for the bus (a transaction in flight waits for the firmware's answer).
  enum class BulkFault { None, Lost, Repeated, Unplugged };
  void arm_bulk_fault(BulkFault kind, bool in, uint64_t index);
  [[nodiscard]] bool bulk_fault_fired() const;
  // The sizes of the bulk packets moved in direction `in` since arm_bulk_fault.
  [[nodiscard]] std::vector<size_t> bulk_packets(bool in) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace idr::test
