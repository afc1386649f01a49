// Host link frame codec (protocol/include/idr/proto/hostlink.h) against DESIGN 4 / 8.
#include <catch2/catch.hpp>

#include "hostlink_fakes.h"
#include "idr/proto/hostlink.h"

using idr::test::Bytes;
namespace hl = idr::hostlink;

namespace {

Bytes request(uint8_t cmd, uint8_t para, const Bytes& data = {}) {
  uint8_t out[64] = {};
  const size_t n = hl::build_request(cmd, para, data.empty() ? nullptr : data.data(), data.size(),
                                     out, sizeof(out));
  return Bytes(out, out + n);
}

struct Events {
  std::vector<hl::ParseEvent> kinds;
  std::vector<Bytes> bodies;  // body without CHK, for kFrame / kBadChecksum
};

template <typename Parser>
Events feed(Parser& p, const Bytes& stream) {
  Events e;
  for (uint8_t b : stream) {
    const hl::ParseEvent ev = p.push(b);
    if (ev == hl::ParseEvent::kNone) continue;
    e.kinds.push_back(ev);
    e.bodies.push_back(
        ev == hl::ParseEvent::kBadLength ? Bytes{} : Bytes(p.body(), p.body() + p.body_size()));
  }
  return e;
}

}  // namespace

TEST_CASE("request frames match the DESIGN 8 table byte for byte, CHK included", "[hostlink]") {
  // DESIGN 8, "Host -> reader frames (CHK shown last)".
  CHECK(request(0x10, 0xFF) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x10, 0xFF, 0xEC});
  CHECK(request(0x11, 0xFF) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED});
  CHECK(request(0x12, 0xFF) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x12, 0xFF, 0xEE});
  CHECK(request(0x20, 0x01) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22});
  CHECK(request(0x20, 0x02) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21});
  CHECK(request(0x30, 0x01) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32});
  CHECK(request(0x30, 0x03) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x03, 0x30});
  CHECK(request(0x30, 0x10) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x10, 0x23});
  CHECK(request(0x61, 0xFF, {0x50}) ==
        Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x61, 0xFF, 0x50, 0xCA});
  // Set baud: CHK = 00 ^ 03 ^ 60 ^ PP.
  for (uint8_t pp = 0; pp < 5; ++pp)
    CHECK(request(0x60, pp) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x60, pp,
                                     static_cast<uint8_t>(0x63 ^ pp)});
}

TEST_CASE("the named command constants are the DESIGN 8 values", "[hostlink]") {
  CHECK(request(hl::cmd::kReset, hl::para::kNone) == request(0x10, 0xFF));
  CHECK(request(hl::cmd::kCard, hl::para::kFind) == request(0x20, 0x01));
  CHECK(request(hl::cmd::kCard, hl::para::kSelect) == request(0x20, 0x02));
  CHECK(request(hl::cmd::kRead, hl::para::kReadBase) == request(0x30, 0x01));
  CHECK(request(hl::cmd::kRead, hl::para::kReadAddress) == request(0x30, 0x03));
  CHECK(request(hl::cmd::kRead, hl::para::kReadBaseFingerprint) == request(0x30, 0x10));
  CHECK(hl::kBaudByCode[0] == 115200);
  CHECK(hl::kBaudByCode[4] == 9600);
  CHECK(hl::sw3::kFindOk == 0x9F);
  CHECK(hl::sw3::kChecksumError == 0x10);
  CHECK(hl::sw3::kLengthError == 0x11);
  CHECK(hl::sw3::kCommandError == 0x21);
  // The reserved extension CMD is not one of the legacy ones.
  for (int legacy : {0x10, 0x11, 0x12, 0x20, 0x30, 0x60, 0x61})
    CHECK(hl::cmd::kExtension != legacy);
}

TEST_CASE("reply builder gives the DESIGN 8 example replies", "[hostlink]") {
  uint8_t out[32] = {};
  // status/reset OK: AA AA AA 96 69 00 04 00 00 90 94
  size_t n = hl::build_status_reply(0x90, out, sizeof(out));
  CHECK(Bytes(out, out + n) ==
        Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94});
  // find OK: ... 00 08 00 00 9F 00 00 00 00 97
  const uint8_t zeros[4] = {};
  n = hl::build_reply(0x9F, zeros, 4, out, sizeof(out));
  CHECK(Bytes(out, out + n) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F,
                                     0x00, 0x00, 0x00, 0x00, 0x97});
  CHECK(hl::kStatusReplySize == 11);
}

TEST_CASE("builders refuse buffers that are too small", "[hostlink]") {
  uint8_t out[16] = {};
  const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(hl::build_status_reply(0x90, out, 10) == 0);
  CHECK(hl::build_status_reply(0x90, out, 11) == 11);
  CHECK(hl::build_reply(0x90, data, 6, out, 16) == 0);  // needs 17
  CHECK(hl::build_reply(0x90, data, 5, out, 16) == 16);
  CHECK(hl::build_request(0x10, 0xFF, nullptr, 0, out, 9) == 0);
  CHECK(hl::build_request(0x10, 0xFF, nullptr, 1, out, 16) == 0);  // null data with a length
  CHECK(hl::build_request(0x61, 0xFF, data, 1, out, 11) == 11);
}

TEST_CASE("seal_reply frames data already in place", "[hostlink]") {
  uint8_t out[20] = {};
  out[hl::kReplyDataOffset] = 0x12;
  out[hl::kReplyDataOffset + 1] = 0x34;
  const size_t n = hl::seal_reply(out, sizeof(out), 0x00, 0x00, 0x90, 2);
  const Bytes got(out, out + n);
  CHECK(got == idr::test::frame_of({0x00, 0x00, 0x90, 0x12, 0x34}));
}

TEST_CASE("parser yields a frame and its request view", "[hostlink][parser]") {
  hl::RequestParser p;
  const Events e = feed(p, request(0x61, 0xFF, {0x50}));
  REQUIRE(e.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kFrame});
  const hl::Request r = p.request();
  CHECK(r.command == 0x61);
  CHECK(r.parameter == 0xFF);
  REQUIRE(r.data_len == 1);
  CHECK(r.data[0] == 0x50);
  CHECK(p.len() == 4);
  CHECK_FALSE(p.mid_frame());
}

TEST_CASE("parser skips garbage and partial preambles before a frame", "[hostlink][parser]") {
  const Bytes frame = request(0x20, 0x01);
  const std::vector<Bytes> prefixes = {
      {},
      {0x00, 0x13, 0x69, 0x96},
      {0xAA},
      {0xAA, 0xAA},
      {0xAA, 0xAA, 0xAA},
      {0xAA, 0xAA, 0xAA, 0xAA, 0xAA},
      {0xAA, 0xAA, 0xAA, 0x96},        // preamble broken just before its end
      {0xAA, 0xAA, 0xAA, 0x96, 0xAA},  // and restarted
      {0x96, 0x69, 0xAA, 0x96, 0x69},
  };
  for (const Bytes& prefix : prefixes) {
    hl::RequestParser p;
    Bytes stream = prefix;
    stream.insert(stream.end(), frame.begin(), frame.end());
    const Events e = feed(p, stream);
    INFO("prefix size " << prefix.size());
    REQUIRE(e.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kFrame});
    CHECK(e.bodies[0] == Bytes{0x20, 0x01});
  }
}

TEST_CASE("parser reports a bad checksum and then resynchronises", "[hostlink][parser]") {
  Bytes bad = request(0x11, 0xFF);
  bad.back() ^= 0x01;
  Bytes stream = bad;
  const Bytes good = request(0x12, 0xFF);
  stream.insert(stream.end(), good.begin(), good.end());
  hl::RequestParser p;
  const Events e = feed(p, stream);
  REQUIRE(e.kinds ==
          std::vector<hl::ParseEvent>{hl::ParseEvent::kBadChecksum, hl::ParseEvent::kFrame});
  CHECK(e.bodies[0] == Bytes{0x11, 0xFF});
  CHECK(e.bodies[1] == Bytes{0x12, 0xFF});
}

TEST_CASE("parser rejects LEN outside its bounds at once", "[hostlink][parser]") {
  const Bytes good = request(0x10, 0xFF);
  for (uint16_t len : {uint16_t{0}, uint16_t{1}, uint16_t{2},
                       static_cast<uint16_t>(hl::kMaxRequestLen + 1), uint16_t{0xFFFF}}) {
    INFO("LEN " << len);
    hl::RequestParser p;
    Events e = feed(p, idr::test::frame_head(len));
    REQUIRE(e.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kBadLength});
    CHECK(p.len() == len);
    CHECK_FALSE(p.mid_frame());
    e = feed(p, good);
    CHECK(e.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kFrame});
  }
}

TEST_CASE("parser accepts the largest request", "[hostlink][parser]") {
  hl::RequestParser p;
  Bytes data(hl::kMaxRequestData);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  Bytes frame = idr::test::frame_of([&] {
    Bytes body{0xE0, 0x01};
    body.insert(body.end(), data.begin(), data.end());
    return body;
  }());
  CHECK(frame.size() == hl::kMaxRequestFrame);
  Events e = feed(p, frame);
  REQUIRE(e.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kFrame});
  CHECK(p.request().data_len == hl::kMaxRequestData);
  CHECK(Bytes(p.request().data, p.request().data + p.request().data_len) == data);
}

TEST_CASE("reset drops a partial frame", "[hostlink][parser]") {
  hl::RequestParser p;
  const Bytes frame = request(0x30, 0x01);
  for (size_t cut = 1; cut < frame.size(); ++cut) {
    INFO("cut after " << cut);
    Events e = feed(p, Bytes(frame.begin(), frame.begin() + static_cast<long>(cut)));
    CHECK(e.kinds.empty());
    CHECK(p.mid_frame());
    p.reset();
    CHECK_FALSE(p.mid_frame());
    e = feed(p, frame);
    CHECK(e.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kFrame});
  }
}

TEST_CASE("bulk push stops at each event so pipelined frames come one by one",
          "[hostlink][parser]") {
  Bytes stream = request(0x11, 0xFF);
  const Bytes second = request(0x20, 0x01);
  stream.insert(stream.end(), second.begin(), second.end());
  hl::RequestParser p;
  hl::ParseEvent ev = hl::ParseEvent::kNone;
  size_t used = p.push(stream.data(), stream.size(), ev);
  CHECK(ev == hl::ParseEvent::kFrame);
  CHECK(used == 10);
  CHECK(p.request().command == 0x11);
  used += p.push(stream.data() + used, stream.size() - used, ev);
  CHECK(ev == hl::ParseEvent::kFrame);
  CHECK(used == stream.size());
  CHECK(p.request().command == 0x20);
  CHECK(p.push(stream.data(), 3, ev) == 3);
  CHECK(ev == hl::ParseEvent::kNone);
}

TEST_CASE("reply parser reads a reply and its status bytes", "[hostlink][parser]") {
  hl::ReplyParser p;
  const Events e = feed(p, Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0x00,
                                 0x00, 0x00, 0x00, 0x97});
  REQUIRE(e.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kFrame});
  const hl::Reply r = p.reply();
  CHECK(r.sw1 == 0x00);
  CHECK(r.sw2 == 0x00);
  CHECK(r.sw3 == 0x9F);
  CHECK(r.data_len == 4);
  // A reply body needs SW1 SW2 SW3 CHK: LEN 3 is a length error for replies.
  const Events short_len = feed(p, Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03});
  CHECK(short_len.kinds == std::vector<hl::ParseEvent>{hl::ParseEvent::kBadLength});
}

TEST_CASE("legacy_len_ok follows the signed-char rule of DESIGN 8", "[hostlink]") {
  CHECK(hl::legacy_len_ok(1295));  // LEN 0x0508
  CHECK(hl::legacy_len_ok(2321));  // LEN 0x090A
  CHECK(hl::legacy_len_ok(27));    // LEN 0x0014
  CHECK_FALSE(hl::legacy_len_ok(7 + 0x90));
  CHECK_FALSE(hl::legacy_len_ok(7 + 0xD6));
  CHECK(hl::legacy_len_ok(7 + 0x11C));
}
