// tcp and serial discovery (idr/discovery.h). Serial ports are found by name in /dev and
// from the environment; none is opened (opening a port can reset some adapters' boards).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "idr/discovery.h"

namespace idr {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "a, b  c" -> {"a", "b", "c"}
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

void add_unique(std::vector<ReaderInfo>& list, ReaderInfo info) {
  const bool seen =
      std::any_of(list.begin(), list.end(), [&](const ReaderInfo& r) { return r.uri == info.uri; });
  if (!seen) list.push_back(std::move(info));
}

}  // namespace

Result<std::vector<ReaderInfo>> list_tcp_readers() {
  std::vector<ReaderInfo> out;
  const std::string configured = env("IDR_READER");
  if (starts_with(configured, "tcp://"))
    out.push_back({configured, "configured reader ($IDR_READER)", "tcp"});
  return out;
}

Result<std::vector<ReaderInfo>> list_serial_readers() {
  std::vector<ReaderInfo> out;
  // USB serial adapters (ttyUSB) and USB CDC ACM devices (ttyACM), sorted by name.
  std::vector<std::string> devices;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec)) {
    const std::string name = e.path().filename().string();
    if (starts_with(name, "ttyUSB") || starts_with(name, "ttyACM"))
      devices.push_back(e.path().string());
  }
  std::sort(devices.begin(), devices.end());
  for (const auto& d : devices)
    add_unique(out,
               {"serial:" + d,
                starts_with(d, "/dev/ttyACM") ? "USB CDC ACM serial port" : "USB serial adapter",
                "serial"});
  for (const auto& entry : split_list(env("IDR_SERIAL_READERS"))) {
    const std::string uri = starts_with(entry, "serial:") ? entry : "serial:" + entry;
    add_unique(out, {uri, "configured serial port ($IDR_SERIAL_READERS)", "serial"});
  }
  const std::string configured = env("IDR_READER");
  if (starts_with(configured, "serial:"))
    add_unique(out, {configured, "configured reader ($IDR_READER)", "serial"});
  return out;
}

}  // namespace idr
