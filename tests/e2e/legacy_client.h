#pragma once
// A legacy host-link client for tests (DESIGN 4, 8), written from the DESIGN text, not from
// the firmware's codec, so it checks the firmware independently.
#include <chrono>
#include <cstdint>
#include <vector>

namespace idr::e2e {

using Bytes = std::vector<uint8_t>;

// AA AA AA 96 69 | LEN (BE, bytes after it incl. CHK) | body | CHK (XOR of LEN and body).
Bytes legacy_frame(const Bytes& body);
Bytes legacy_request(uint8_t cmd, uint8_t para, const Bytes& data = {});
// The bare 11-byte reply AA AA AA 96 69 00 04 00 00 SW3 CHK.
Bytes bare_reply(uint8_t sw3);

class LegacyClient {
 public:
  // Connects to 127.0.0.1:port, retrying for up to `timeout` (the server may be starting).
  LegacyClient(unsigned short port, std::chrono::milliseconds timeout);
  ~LegacyClient();
  LegacyClient(const LegacyClient&) = delete;
  LegacyClient& operator=(const LegacyClient&) = delete;

  void send(const Bytes& bytes);
  // One whole reply frame; throws if none within timeout or it is not a frame.
  Bytes read_reply(std::chrono::milliseconds timeout);
  Bytes transact(const Bytes& request,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when nothing at all arrives within `quiet` (no extra or late frame).
  bool silent_for(std::chrono::milliseconds quiet);
  void close();

 private:
  void read_exact(uint8_t* buf, size_t n, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
};

}  // namespace idr::e2e
