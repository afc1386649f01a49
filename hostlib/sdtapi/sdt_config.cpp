#include "sdt_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace idr::sdt {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

}  // namespace

std::string lookup_in_config_text(const std::string& text, int port) {
  const std::string port_key = "reader." + std::to_string(port);
  std::string any_port, this_port;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "reader") any_port = value;
    if (key == port_key) this_port = value;
  }
  return this_port.empty() ? any_port : this_port;
}

std::string reader_uri_for_port(int port) {
  if (!is_sdk_port(port)) return {};
  if (const char* env = std::getenv("IDR_SDT_READER"); env != nullptr && *env != '\0') return env;
  std::string files[2];
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    files[0] = std::string(home) + "/.config/idr/sdtapi.conf";
  // The system-wide file; $IDR_SDT_SYSTEM_CONFIG names another one (tests, relocated installs).
  const char* system_file = std::getenv("IDR_SDT_SYSTEM_CONFIG");
  files[1] = system_file != nullptr && *system_file != '\0' ? system_file : "/etc/idr/sdtapi.conf";
  for (const auto& f : files) {
    if (f.empty()) continue;
    const std::string uri = lookup_in_config_text(read_file(f), port);
    if (!uri.empty()) return uri;
  }
  return {};
}

}  // namespace idr::sdt
