#include "idr/core/usb/usb_descriptors.h"

namespace idr::core::usb {

namespace {

constexpr uint8_t lo(uint16_t v) {
  return static_cast<uint8_t>(v & 0xFF);
}
constexpr uint8_t hi(uint16_t v) {
  return static_cast<uint8_t>(v >> 8);
}

const char kManufacturer[] = "idr project";
const char kProduct[] = "idr ID card reader";
const char kInterface[] = "idr host link";

}  // namespace

// Field order and sizes: USB 2.0 Table 9-8 (multi-byte fields little endian, 8.1).
const uint8_t kDeviceDescriptor[18] = {
    18,
    kDescDevice,
    0x00,
    0x02,  // bcdUSB 2.00
    0x00,  // bDeviceClass: each interface names its own class
    0x00,
    0x00,  // bDeviceSubClass, bDeviceProtocol
    kMaxPacket0,
    lo(kVendorId),
    hi(kVendorId),
    lo(kProductId),
    hi(kProductId),
    lo(kDeviceRelease),
    hi(kDeviceRelease),
    kStringManufacturer,
    kStringProduct,
    kStringSerial,
    1,  // bNumConfigurations
};

const uint8_t kConfigurationDescriptor[32] = {
    // Configuration (Table 9-10): wTotalLength covers everything returned with it.
    9,
    kDescConfiguration,
    32,
    0,
    1 /* bNumInterfaces */,
    kConfigurationValue,
    0 /* iConfiguration */,
    0x80 /* bmAttributes: D7 reserved, set; bus powered */,
    50 /* bMaxPower: 100 mA in 2 mA units */,
    // Interface (Table 9-12): vendor specific, two endpoints.
    9,
    kDescInterface,
    kInterfaceNumber,
    0 /* bAlternateSetting */,
    2,
    0xFF,
    0x00,
    0x00,
    kStringInterface,
    // Endpoints (Table 9-13): bmAttributes 0x02 = bulk; bInterval ignored for bulk IN/OUT.
    7,
    kDescEndpoint,
    kBulkOut,
    0x02,
    lo(kMaxPacketBulk),
    hi(kMaxPacketBulk),
    0,
    7,
    kDescEndpoint,
    kBulkIn,
    0x02,
    lo(kMaxPacketBulk),
    hi(kMaxPacketBulk),
    0,
};

size_t string_descriptor(uint8_t index, const char* serial, uint8_t* out, size_t max) {
  if (max < 4) return 0;
  if (index == 0) {  // String descriptor zero: supported LANGIDs (9.6.7), 0x0409 en-US
    out[0] = 4;
    out[1] = kDescString;
    out[2] = 0x09;
    out[3] = 0x04;
    return 4;
  }
  const char* text = nullptr;
  size_t limit = 126;  // bLength is one byte: at most (255 - 2) / 2 UTF-16 units
  switch (index) {
    case kStringManufacturer:
      text = kManufacturer;
      break;
    case kStringProduct:
      text = kProduct;
      break;
    case kStringSerial:
      text = serial;
      limit = kMaxSerialChars;
      break;
    case kStringInterface:
      text = kInterface;
      break;
    default:
      return 0;
  }
  if (text == nullptr) return 0;
  // UNICODE (UTF-16LE) string without terminator (Table 9-16); ASCII maps one to one.
  size_t n = 0;
  while (n < limit && text[n] != '\0') {
    const size_t at = 2 + 2 * n;
    if (at + 2 > max) return 0;
    out[at] = static_cast<uint8_t>(text[n]);
    out[at + 1] = 0;
    ++n;
  }
  const size_t total = 2 + 2 * n;
  out[0] = static_cast<uint8_t>(total);
  out[1] = kDescString;
  return total;
}

}  // namespace idr::core::usb
