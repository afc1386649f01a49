#include "legacy_client.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <thread>

#include "idr/posix/loopback.h"

namespace idr::e2e {

namespace {
// constexpr, not a Bytes: tests build expected frames in their own static initialisers.
constexpr uint8_t kPreamble[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69};
constexpr size_t kPreambleSize = sizeof kPreamble;
}  // namespace

Bytes legacy_frame(const Bytes& body) {
  const size_t len = body.size() + 1;
  Bytes f(kPreamble, kPreamble + kPreambleSize);
  f.push_back(static_cast<uint8_t>(len >> 8));
  f.push_back(static_cast<uint8_t>(len));
  f.insert(f.end(), body.begin(), body.end());
  uint8_t chk = 0;
  for (size_t i = kPreambleSize; i < f.size(); ++i) chk = static_cast<uint8_t>(chk ^ f[i]);
  f.push_back(chk);
  return f;
}

Bytes legacy_request(uint8_t cmd, uint8_t para, const Bytes& data) {
  Bytes body = {cmd, para};
  body.insert(body.end(), data.begin(), data.end());
  return legacy_frame(body);
}

Bytes bare_reply(uint8_t sw3) {
  return legacy_frame({0x00, 0x00, sw3});
}

LegacyClient::LegacyClient(unsigned short port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    fd_ = posix::connect_loopback(port);
    if (fd_ >= 0) break;
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("LegacyClient: cannot connect");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

LegacyClient::~LegacyClient() {
  close();
}

void LegacyClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void LegacyClient::send(const Bytes& bytes) {
  if (!posix::write_all(fd_, bytes.data(), bytes.size()))
    throw std::runtime_error("LegacyClient: send failed");
}

void LegacyClient::read_exact(uint8_t* buf, size_t n,
                              std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) throw std::runtime_error("LegacyClient: reply did not come in time");
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const ssize_t k = ::read(fd_, buf + got, n - got);
    if (k <= 0) throw std::runtime_error("LegacyClient: connection closed by the reader");
    got += static_cast<size_t>(k);
  }
}

Bytes LegacyClient::read_reply(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Bytes f(7);
  read_exact(f.data(), 7, deadline);
  if (!std::equal(kPreamble, kPreamble + kPreambleSize, f.begin()))
    throw std::runtime_error("LegacyClient: reply does not start with AA AA AA 96 69");
  const size_t len = (static_cast<size_t>(f[5]) << 8) | f[6];
  if (len < 4 || len > 8192) throw std::runtime_error("LegacyClient: implausible reply LEN");
  f.resize(7 + len);
  read_exact(f.data() + 7, len, deadline);
  return f;
}

Bytes LegacyClient::transact(const Bytes& request, std::chrono::milliseconds timeout) {
  send(request);
  return read_reply(timeout);
}

bool LegacyClient::silent_for(std::chrono::milliseconds quiet) {
  pollfd p{fd_, POLLIN, 0};
  int r = 0;
  do {
    r = ::poll(&p, 1, static_cast<int>(quiet.count()));
  } while (r < 0 && errno == EINTR);
  return r == 0;
}

}  // namespace idr::e2e
