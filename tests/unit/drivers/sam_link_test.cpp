// SAM link driver against a fake UART. Frame format: idr/proto/sam_link.h.
#include <catch2/catch.hpp>

#include <deque>
#include <functional>
#include <vector>

#include "idr/drivers/sam_link.h"

using idr::Status;
using idr::drivers::SamLink;
namespace sam = idr::sam;

namespace {

class FakeUart : public idr::hal::Uart, public idr::hal::Clock {
 public:
  Status write(const uint8_t* data, size_t len) override {
    written.insert(written.end(), data, data + len);
    if (on_write) on_write();
    return write_status;
  }
  Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override {
    ++reads;
    got = 0;
    if (incoming.empty()) {
      now += timeout_us;
      return Status::Timeout;
    }
    while (got < max && got < chunk && !incoming.empty()) {
      buf[got++] = incoming.front();
      incoming.pop_front();
    }
    now += 10;
    return Status::Ok;
  }
  Status set_baud(uint32_t baud) override {
    bauds.push_back(baud);
    bauds_when_pending.push_back(incoming.size());
    return Status::Ok;
  }
  void flush_input() override {
    ++flushes;
    incoming.clear();
  }
  uint64_t now_us() override { return now; }
  void delay_us(uint32_t us) override { now += us; }

  void queue(const std::vector<uint8_t>& bytes) {
    incoming.insert(incoming.end(), bytes.begin(), bytes.end());
  }
  // Answers the next request with `reply` (the SAM never speaks unasked).
  void reply_with(std::vector<uint8_t> reply) {
    on_write = [this, reply] { queue(reply); };
  }

  std::vector<uint8_t> written;
  std::deque<uint8_t> incoming;
  size_t chunk = 1000;
  std::vector<uint32_t> bauds;
  std::vector<size_t> bauds_when_pending;
  std::function<void()> on_write;
  int flushes = 0;
  int reads = 0;
  uint64_t now = 0;
  Status write_status = Status::Ok;
};

// Test-side frame builder, written from the header comment of sam_link.h.
std::vector<uint8_t> frame(uint8_t code, const std::vector<uint8_t>& data) {
  const size_t len = data.size() + 2;
  std::vector<uint8_t> f = {0xA5, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
  f.push_back(code);
  f.insert(f.end(), data.begin(), data.end());
  uint8_t chk = 0;
  for (size_t i = 1; i < f.size(); ++i) chk = static_cast<uint8_t>(chk ^ f[i]);
  f.push_back(chk);
  return f;
}

struct Rig {
  FakeUart uart;
  SamLink link{uart, uart};
};

const std::vector<uint8_t> kId = {0x01, 0x00, 0x02, 0x00, 0x5F, 0x2C, 0x33, 0x01,
                                  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

}  // namespace

TEST_CASE("SAM frames: exact bytes and XOR checksum", "[sam]") {
  Rig r;
  SECTION("GetId: A5 | 00 02 | 01 | CHK = 00^02^01 = 03") {
    r.uart.reply_with(frame(0x90, kId));
    uint8_t id[16] = {};
    REQUIRE(r.link.get_id(id) == Status::Ok);
    CHECK(r.uart.written == std::vector<uint8_t>{0xA5, 0x00, 0x02, 0x01, 0x03});
    CHECK(std::vector<uint8_t>(id, id + 16) == kId);
  }
  SECTION("AuthStart with UID 01..08: LEN 000A, CHK = 0A ^ 10 ^ (01^..^08 = 08) = 12") {
    r.uart.reply_with(frame(0x90, {0x00, 0x88, 0x00, 0x00, 0x10}));
    const uint8_t uid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t apdu[32];
    size_t n = 0;
    REQUIRE(r.link.auth_start(uid, apdu, sizeof apdu, n) == Status::Ok);
    CHECK(r.uart.written ==
          std::vector<uint8_t>{0xA5, 0x00, 0x0A, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 0x12});
    CHECK(std::vector<uint8_t>(apdu, apdu + n) ==
          std::vector<uint8_t>{0x00, 0x88, 0x00, 0x00, 0x10});
  }
  SECTION("Unwrap: file, offset big endian, card response") {
    r.uart.reply_with(frame(0x90, {0xAA, 0xBB}));
    const uint8_t resp[4] = {0xC0, 0xC1, 0x90, 0x00};
    uint8_t plain[8];
    size_t n = 0;
    REQUIRE(r.link.unwrap(0x01, 0x01CC, resp, 4, plain, sizeof plain, n) == Status::Ok);
    CHECK(r.uart.written == frame(0x20, {0x01, 0x01, 0xCC, 0xC0, 0xC1, 0x90, 0x00}));
    CHECK(n == 2);
    CHECK(plain[0] == 0xAA);
  }
  SECTION("Reset and SelfTest carry no data") {
    r.uart.reply_with(frame(0x90, {}));
    REQUIRE(r.link.reset() == Status::Ok);
    CHECK(r.uart.written == std::vector<uint8_t>{0xA5, 0x00, 0x02, 0x02, 0x00});
    r.uart.written.clear();
    REQUIRE(r.link.self_test() == Status::Ok);
    CHECK(r.uart.written == std::vector<uint8_t>{0xA5, 0x00, 0x02, 0x04, 0x06});
  }
}

TEST_CASE("AuthNext with an empty reply means authenticated", "[sam]") {
  Rig r;
  r.uart.reply_with(frame(0x90, {}));
  const uint8_t resp[2] = {0x90, 0x00};
  uint8_t apdu[32];
  size_t n = 77;
  REQUIRE(r.link.auth_next(resp, 2, apdu, sizeof apdu, n) == Status::Ok);
  CHECK(n == 0);
  CHECK(r.uart.written == frame(0x11, {0x90, 0x00}));
}

TEST_CASE("SetBaud: reply read at the old rate, then the UART switches", "[sam]") {
  Rig r;
  r.uart.reply_with(frame(0x90, {}));
  REQUIRE(r.link.set_baud(921600) == Status::Ok);
  CHECK(r.uart.written == frame(0x03, {0x00, 0x0E, 0x10, 0x00}));  // 921600 = 000E1000h
  REQUIRE(r.uart.bauds == std::vector<uint32_t>{921600});
  CHECK(r.link.baud() == 921600);

  SECTION("refused: the rate stays") {
    r.uart.reply_with(frame(0x21, {}));
    CHECK(r.link.set_baud(460800) == Status::SamError);
    CHECK(r.uart.bauds.size() == 1);
    CHECK(r.link.baud() == 921600);
  }
  SECTION("rates outside the contract are not sent") {
    r.uart.written.clear();
    CHECK(r.link.set_baud(9600) == Status::InvalidArgument);
    CHECK(r.uart.written.empty());
  }
}

TEST_CASE("Reply statuses map to idr::Status", "[sam]") {
  const auto [code, expected] = GENERATE(table<uint8_t, Status>({{0x31, Status::CardAuthFailed},
                                                                 {0x32, Status::SamAuthFailed},
                                                                 {0x33, Status::DataCheckFailed},
                                                                 {0x24, Status::SamError},
                                                                 {0x66, Status::SamError},
                                                                 {0x10, Status::SamError},
                                                                 {0x21, Status::SamError}}));
  Rig r;
  r.uart.reply_with(frame(code, {}));
  const uint8_t resp[2] = {0x63, 0x00};
  uint8_t apdu[32];
  size_t n = 0;
  CHECK(r.link.auth_next(resp, 2, apdu, sizeof apdu, n) == expected);
  CHECK(n == 0);
}

TEST_CASE("Resync: garbage before the reply is skipped", "[sam]") {
  Rig r;
  std::vector<uint8_t> reply = {0x00, 0xFF, 0x13};
  SECTION("plain garbage") {}
  SECTION("a false SOF with an impossible LEN") {
    reply.insert(reply.end(), {0xA5, 0xFF, 0xFF});
  }
  SECTION("a false SOF with a plausible LEN but a wrong checksum") {
    reply.insert(reply.end(), {0xA5, 0x00, 0x03, 0x90, 0x00, 0x77});
  }
  const auto good = frame(0x90, kId);
  reply.insert(reply.end(), good.begin(), good.end());
  r.uart.chunk = GENERATE(size_t{1}, size_t{3}, size_t{1000});
  r.uart.reply_with(reply);
  uint8_t id[16] = {};
  REQUIRE(r.link.get_id(id) == Status::Ok);
  CHECK(std::vector<uint8_t>(id, id + 16) == kId);
}

TEST_CASE("A false SOF whose LEN runs past the real reply does not hide it", "[sam]") {
  Rig r;
  // A5 00 40 would need 64 more bytes; the real frame follows and must be found anyway.
  std::vector<uint8_t> reply = {0xA5, 0x00, 0x40};
  const auto good = frame(0x90, {});
  reply.insert(reply.end(), good.begin(), good.end());
  // Byte by byte the real frame is first seen incomplete behind the false one; the search
  // must come back to it once it is complete (find_frame is incremental).
  r.uart.chunk = GENERATE(size_t{1}, size_t{2}, size_t{1000});
  r.uart.reply_with(reply);
  CHECK(r.link.reset() == Status::Ok);
}

TEST_CASE("Byte by byte, false frames inside a reply's data do not shift or hide it", "[sam]") {
  Rig r;
  // Data that looks like frames: a complete one with a wrong checksum and an incomplete one
  // that runs past the real frame's end, both inside the real frame.
  const std::vector<uint8_t> data = {0xA5, 0x00, 0x02, 0x90, 0x55, 0xA5, 0x00, 0x30,
                                     0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  std::vector<uint8_t> reply = {0x00, 0xA5};  // garbage, a lone SOF
  const auto good = frame(0x90, data);
  reply.insert(reply.end(), good.begin(), good.end());
  r.uart.chunk = GENERATE(size_t{1}, size_t{2}, size_t{5}, size_t{1000});
  r.uart.reply_with(reply);
  REQUIRE(r.link.unwrap_send(1, 0, kId.data(), kId.size()) == Status::Ok);
  uint8_t plain[64] = {};
  size_t n = 0;
  REQUIRE(r.link.unwrap_receive(plain, sizeof plain, n) == Status::Ok);
  CHECK(std::vector<uint8_t>(plain, plain + n) == data);
}

TEST_CASE("Stale bytes from before the request are flushed", "[sam]") {
  Rig r;
  r.uart.queue(frame(0x33, {}));  // e.g. a late reply to an earlier request
  r.uart.reply_with(frame(0x90, {}));
  CHECK(r.link.reset() == Status::Ok);
  CHECK(r.uart.flushes == 1);
}

TEST_CASE("Truncated, corrupted or missing replies end cleanly as SamError", "[sam]") {
  Rig r;
  auto good = frame(0x90, kId);
  SECTION("truncated") {
    good.resize(good.size() - 3);
  }
  SECTION("checksum wrong") {
    good.back() = static_cast<uint8_t>(good.back() ^ 0x01);
  }
  SECTION("a data byte flipped") {
    good[6] = static_cast<uint8_t>(good[6] ^ 0x80);
  }
  SECTION("silence") {
    good.clear();
  }
  r.uart.reply_with(good);
  uint8_t id[16] = {};
  CHECK(r.link.get_id(id) == Status::SamError);
  CHECK(r.uart.now < 1'000'000);  // bounded by the reply timeout, not forever
}

TEST_CASE("Endless garbage is bounded", "[sam]") {
  Rig r;
  r.uart.chunk = 7;
  r.uart.on_write = [&r] {
    for (int i = 0; i < 20000; ++i) r.uart.incoming.push_back(static_cast<uint8_t>(i * 31));
  };
  CHECK(r.link.reset() == Status::SamError);
  CHECK(r.uart.reads < 5000);
}

TEST_CASE("GetId with a wrong length is a protocol error", "[sam]") {
  Rig r;
  r.uart.reply_with(frame(0x90, {1, 2, 3}));
  uint8_t id[16] = {};
  CHECK(r.link.get_id(id) == Status::Protocol);
}

TEST_CASE("Reply data larger than the caller's buffer", "[sam]") {
  Rig r;
  r.uart.reply_with(frame(0x90, std::vector<uint8_t>(40, 0x5A)));
  const uint8_t uid[8] = {};
  uint8_t apdu[16];
  size_t n = 0;
  CHECK(r.link.auth_start(uid, apdu, sizeof apdu, n) == Status::BufferTooSmall);
}

TEST_CASE("unwrap_receive without a pending request is refused", "[sam]") {
  Rig r;
  uint8_t plain[8];
  size_t n = 0;
  CHECK(r.link.unwrap_receive(plain, sizeof plain, n) == Status::InvalidArgument);
  CHECK(r.uart.reads == 0);
}

TEST_CASE("Requests larger than the frame limit are refused", "[sam]") {
  Rig r;
  std::vector<uint8_t> big(sam::kMaxData, 0);
  CHECK(r.link.unwrap_send(1, 0, big.data(), big.size()) == Status::InvalidArgument);
  CHECK(r.uart.written.empty());
}

TEST_CASE("After a reply that never came, a late one does not answer the next request", "[sam]") {
  Rig r;
  r.uart.reply_with({});  // the SAM is slow: nothing before the timeout
  uint8_t id[16] = {};
  REQUIRE(r.link.get_id(id) == Status::SamError);
  // Its reply comes late, while the driver resynchronises (Reset, then quiet), then the
  // next request's own reply.
  std::vector<uint8_t> other_id(kId);
  other_id[0] = 0x77;
  int writes = 0;
  r.uart.on_write = [&] {
    if (++writes == 1) {
      r.uart.queue(frame(0x90, other_id));  // the late GET_ID answer
      r.uart.queue(frame(0x90, {}));        // Reset's
    } else {
      r.uart.queue(frame(0x90, kId));
    }
  };
  r.uart.written.clear();
  REQUIRE(r.link.get_id(id) == Status::Ok);
  CHECK(std::vector<uint8_t>(id, id + 16) == kId);
  const std::vector<uint8_t> reset = {0xA5, 0x00, 0x02, 0x02, 0x00};
  REQUIRE(r.uart.written.size() >= reset.size());
  CHECK(std::vector<uint8_t>(r.uart.written.begin(), r.uart.written.begin() + 5) == reset);
  // In step again: the next request goes out without a Reset before it.
  r.uart.written.clear();
  r.uart.reply_with(frame(0x90, {}));
  CHECK(r.link.self_test() == Status::Ok);
  CHECK(r.uart.written == std::vector<uint8_t>{0xA5, 0x00, 0x02, 0x04, 0x06});
}

TEST_CASE("A SAM that stays silent after a lost reply ends the resync, bounded", "[sam]") {
  Rig r;
  r.uart.reply_with({});
  uint8_t id[16] = {};
  REQUIRE(r.link.get_id(id) == Status::SamError);
  const uint64_t before = r.uart.now;
  CHECK(r.link.self_test() == Status::SamError);  // Reset unanswered: still out of step
  CHECK(r.uart.now - before <= SamLink::kResyncLimitUs + 1000);
}
