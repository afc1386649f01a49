#pragma once
// Which reader URI an SDT port number means (README.md): $IDR_SDT_READER, else the first
// of $HOME/.config/idr/sdtapi.conf and /etc/idr/sdtapi.conf that names one, where
// `reader.<port> = URI` beats `reader = URI`. Empty when none is configured.
#include <string>

namespace idr::sdt {

[[nodiscard]] std::string reader_uri_for_port(int port);

// One config file's answer for `port` (empty when it names none); exposed for tests.
[[nodiscard]] std::string lookup_in_config_text(const std::string& text, int port);

}  // namespace idr::sdt
