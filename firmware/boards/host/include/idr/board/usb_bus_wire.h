#pragma once
// The "USB bus" between the host board's USB device controller model (SocketUsbController)
// and a test harness playing the USB host (tests/usb: the umockdev ioctl handler that
// turns libusb's URBs into transactions). One transaction per message, the host always
// asks and the device always answers, like the packets on a real bus:
//
//   host -> device: KIND(1) ENDPOINT(1) LEN(2, little endian) DATA[LEN]
//     Reset   LEN 0                 bus reset (the device goes back to address 0)
//     Setup   LEN 8   the SETUP packet for endpoint 0
//     Out     LEN n   one OUT data packet (n <= max packet size; 0 = zero-length packet)
//     In      LEN m   an IN token; m = the most bytes the host takes (the max packet size)
//   device -> host: HANDSHAKE(1) 0(1) LEN(2, little endian) DATA[LEN]
//     Ack (In: with the packet's data), Nak (try again later), Stall (endpoint halted or
//     request not supported).
// Host header only: shared by the firmware board (no allocation) and the test harness.
#include <cstdint>

namespace idr::board::usbwire {

enum class Kind : uint8_t { Reset = 1, Setup = 2, Out = 3, In = 4 };
enum class Handshake : uint8_t { Ack = 0, Nak = 1, Stall = 2 };

inline constexpr unsigned kHeaderSize = 4;
inline constexpr unsigned kMaxPacket = 64;

}  // namespace idr::board::usbwire
