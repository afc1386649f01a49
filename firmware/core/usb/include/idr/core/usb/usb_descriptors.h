#pragma once
// The reader's USB descriptors (USB 2.0 chapter 9): one configuration with one
// vendor-specific interface (class 0xFF) holding bulk OUT 0x01 and bulk IN 0x81, 64-byte
// packets at full speed. The host link frames of DESIGN 4 travel over the bulk pair.
#include <cstddef>
#include <cstdint>

namespace idr::core::usb {

// pid.codes (VID 0x1209) keeps PID 0x0001 as its test PID, for devices that are not
// released; a product shipping this firmware must register its own PID.
inline constexpr uint16_t kVendorId = 0x1209;
inline constexpr uint16_t kProductId = 0x0001;
inline constexpr uint16_t kDeviceRelease = 0x0100;  // bcdDevice 1.00

inline constexpr uint8_t kMaxPacket0 = 64;      // endpoint 0 (full speed: 8, 16, 32 or 64)
inline constexpr uint16_t kMaxPacketBulk = 64;  // full-speed bulk maximum (USB 2.0 5.8.3)
inline constexpr uint8_t kBulkOut = 0x01;
inline constexpr uint8_t kBulkIn = 0x81;
inline constexpr uint8_t kInterfaceNumber = 0;
inline constexpr uint8_t kConfigurationValue = 1;

// String descriptor indexes.
inline constexpr uint8_t kStringManufacturer = 1;
inline constexpr uint8_t kStringProduct = 2;
inline constexpr uint8_t kStringSerial = 3;
inline constexpr uint8_t kStringInterface = 4;

// Descriptor types (USB 2.0 Table 9-5).
inline constexpr uint8_t kDescDevice = 1;
inline constexpr uint8_t kDescConfiguration = 2;
inline constexpr uint8_t kDescString = 3;
inline constexpr uint8_t kDescInterface = 4;
inline constexpr uint8_t kDescEndpoint = 5;

// Device descriptor, 18 bytes (Table 9-8).
extern const uint8_t kDeviceDescriptor[18];
// Configuration + interface + 2 endpoints, 32 bytes (Tables 9-10, 9-12, 9-13).
extern const uint8_t kConfigurationDescriptor[32];

// Longest serial number string (ASCII) the device layer accepts.
inline constexpr size_t kMaxSerialChars = 31;

// Builds string descriptor `index` (0 = the language list, en-US) into out. `serial` is
// the ASCII serial number for kStringSerial. Returns its length, 0 for an unknown index or
// a buffer too small.
[[nodiscard]] size_t string_descriptor(uint8_t index, const char* serial, uint8_t* out, size_t max);

}  // namespace idr::core::usb
