#pragma once
// Which reader URI an SDT port number means (README.md): $IDR_SDT_READER, else the first
// of $HOME/.config/idr/sdtapi.conf and the system file ($IDR_SDT_SYSTEM_CONFIG, else
// /etc/idr/sdtapi.conf) that names one, where `reader.<port> = URI` beats `reader = URI`.
// Empty when none is configured or `port` is not one of the SDK's port numbers.
#include <string>

namespace idr::sdt {

// The SDK's port numbers (DESIGN 8): 1-16 serial (COM1-COM16), 1001-1016 USB. No other
// number is a port: scans of port numbers must not find readers that do not exist.
[[nodiscard]] constexpr bool is_serial_port(int port) {
  return port >= 1 && port <= 16;
}
[[nodiscard]] constexpr bool is_usb_port(int port) {
  return port >= 1001 && port <= 1016;
}
[[nodiscard]] constexpr bool is_sdk_port(int port) {
  return is_serial_port(port) || is_usb_port(port);
}

// Empty for a number that is not an SDK port.
[[nodiscard]] std::string reader_uri_for_port(int port);

// One config file's answer for `port` (empty when it names none); exposed for tests.
[[nodiscard]] std::string lookup_in_config_text(const std::string& text, int port);

}  // namespace idr::sdt
