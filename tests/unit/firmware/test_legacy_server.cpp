// Legacy command server (firmware/core/hostlink) against DESIGN 8: every legacy frame in,
// the byte-exact reply out; error statuses; malformed input followed by a good frame.
#include <catch2/catch.hpp>

#include "hostlink_fakes.h"
#include "idr/core/hostlink/legacy_server.h"
#include "idr/core/hostlink/legacy_status.h"

using idr::Status;
using idr::core::LegacyServer;
using idr::test::bare_reply;
using idr::test::Bytes;
using idr::test::frame_of;
namespace card = idr::card;

namespace {

constexpr uint32_t kWaitUs = 1'000'000;

Bytes req(uint8_t cmd, uint8_t para) {
  return frame_of({cmd, para});
}

struct Rig {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  idr::test::FakeReader reader;
  idr::test::RecordingBaudHook hook{link};
  LegacyServer server{link, clock, reader, &hook};

  // Sends one request now and returns the single reply it gets.
  Bytes exchange(const Bytes& request) {
    const size_t before = link.writes.size();
    link.send(request);
    const Status s = server.serve_once(kWaitUs);
    REQUIRE(s == Status::Ok);
    REQUIRE(link.writes.size() == before + 1);
    return link.writes.back().bytes;
  }
};

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes slice(const uint8_t* p, size_t n) {
  return Bytes(p, p + n);
}

uint16_t len_of(const Bytes& reply) {
  return static_cast<uint16_t>(reply.at(5) << 8 | reply.at(6));
}

}  // namespace

TEST_CASE("status and reset OK are AA AA AA 96 69 00 04 00 00 90 94", "[legacy]") {
  Rig rig;
  const Bytes ok{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94};
  CHECK(rig.exchange(req(0x11, 0xFF)) == ok);
  CHECK(rig.reader.calls.sam_self_test == 1);
  CHECK(rig.exchange(req(0x10, 0xFF)) == ok);
  CHECK(rig.reader.calls.sam_reset == 1);
}

TEST_CASE("SAM failures on reset, status and SAM id answer 60", "[legacy]") {
  Rig rig;
  rig.reader.sam_reset_status = Status::SamError;
  rig.reader.sam_self_test_status = Status::Timeout;
  rig.reader.sam_id_status = Status::Io;
  const Bytes self_test_failed{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x60, 0x64};
  CHECK(rig.exchange(req(0x10, 0xFF)) == self_test_failed);
  CHECK(rig.exchange(req(0x11, 0xFF)) == self_test_failed);
  CHECK(rig.exchange(req(0x12, 0xFF)) == self_test_failed);
}

TEST_CASE("an opening sequence: status twice, then 61 FF 50", "[legacy]") {
  Rig rig;
  const Bytes ok = bare_reply(0x90);
  CHECK(rig.exchange(req(0x11, 0xFF)) == ok);
  CHECK(rig.exchange(req(0x11, 0xFF)) == ok);
  CHECK(rig.exchange(frame_of({0x61, 0xFF, 0x50})) == ok);
  // 61 needs its one data byte.
  CHECK(rig.exchange(req(0x61, 0xFF)) == bare_reply(0x11));
}

TEST_CASE("SAM id reply has LEN 00 14 and the 16 id bytes", "[legacy]") {
  Rig rig;
  const Bytes reply = rig.exchange(req(0x12, 0xFF));
  REQUIRE(reply.size() == 27);
  CHECK(reply[5] == 0x00);
  CHECK(reply[6] == 0x14);
  CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90}, slice(rig.reader.id, 16)})));
}

TEST_CASE("find OK is ... 00 08 00 00 9F 00 00 00 00 97, failures answer 80", "[legacy]") {
  Rig rig;
  CHECK(rig.exchange(req(0x20, 0x01)) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00,
                                               0x9F, 0x00, 0x00, 0x00, 0x00, 0x97});
  for (Status s : {Status::NoCard, Status::Collision, Status::Timeout, Status::Io}) {
    INFO(idr::to_string(s));
    rig.reader.find_status = s;
    CHECK(rig.exchange(req(0x20, 0x01)) ==
          Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x80, 0x84});
  }
}

TEST_CASE("select OK carries 8 zero bytes, not the UID, failures answer 81", "[legacy]") {
  Rig rig;
  // LEN 00 0C, CHK = 0C ^ 90 = 9C.
  CHECK(rig.exchange(req(0x20, 0x02)) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x0C, 0x00, 0x00,
                                               0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                               0x9C});
  for (Status s : {Status::NoCard, Status::Timeout, Status::Protocol, Status::CardRemoved}) {
    INFO(idr::to_string(s));
    rig.reader.select_status = s;
    CHECK(rig.exchange(req(0x20, 0x02)) == bare_reply(0x81));
  }
}

TEST_CASE("30 01 answers 1295 bytes: lengths 0100 0400, text, photo", "[legacy][read]") {
  Rig rig;
  const Bytes reply = rig.exchange(req(0x30, 0x01));
  REQUIRE(reply.size() == 1295);
  CHECK(len_of(reply) == 0x0508);
  CHECK((reply[6] & 0x80) == 0);  // signed-char clients (DESIGN 8)
  CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00},
                                  slice(rig.reader.text, 256),
                                  slice(rig.reader.photo, 1024)})));
  CHECK(rig.reader.calls.read_fingerprint == 0);
}

TEST_CASE("30 10 answers 2321 bytes with a 1024-byte fingerprint", "[legacy][read]") {
  Rig rig;
  const Bytes reply = rig.exchange(req(0x30, 0x10));
  REQUIRE(reply.size() == 2321);
  CHECK(len_of(reply) == 0x090A);
  CHECK((reply[6] & 0x80) == 0);
  CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00},
                                  slice(rig.reader.text, 256),
                                  slice(rig.reader.photo, 1024),
                                  slice(rig.reader.fingerprint, 1024)})));
}

TEST_CASE("30 10 with one template or no fingerprint", "[legacy][read]") {
  Rig rig;
  rig.reader.fingerprint_len = 512;
  Bytes reply = rig.exchange(req(0x30, 0x10));
  CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00, 0x02, 0x00},
                                  slice(rig.reader.text, 256),
                                  slice(rig.reader.photo, 1024),
                                  slice(rig.reader.fingerprint, 512)})));
  CHECK(len_of(reply) == 0x070A);

  rig.reader.fingerprint_len = 0;
  reply = rig.exchange(req(0x30, 0x10));
  CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00},
                                  slice(rig.reader.text, 256),
                                  slice(rig.reader.photo, 1024)})));
  CHECK(len_of(reply) == 0x050A);

  // A reader that reports the missing file as NoSuchContent: same answer.
  rig.reader.fingerprint_status = Status::NoSuchContent;
  rig.reader.fingerprint_len = 0;
  CHECK(rig.exchange(req(0x30, 0x10)) == reply);

  // A fingerprint length that no card has is a read failure.
  rig.reader.fingerprint_status = Status::Ok;
  rig.reader.fingerprint_len = 100;
  CHECK(rig.exchange(req(0x30, 0x10)) == bare_reply(0x41));
}

TEST_CASE("read failures map to 31/32/33/41/91", "[legacy][read]") {
  const std::vector<std::pair<Status, uint8_t>> map = {
      {Status::CardAuthFailed, 0x31},  {Status::SamAuthFailed, 0x32},
      {Status::DataCheckFailed, 0x33}, {Status::NoSuchContent, 0x91},
      {Status::Timeout, 0x41},         {Status::CardRemoved, 0x41},
      {Status::SamError, 0x41},        {Status::Integrity, 0x41}};
  for (const auto& [status, sw3] : map) {
    INFO(idr::to_string(status));
    Rig rig;
    rig.reader.read_base_status = status;
    CHECK(rig.exchange(req(0x30, 0x01)) == bare_reply(sw3));
    CHECK(rig.exchange(req(0x30, 0x10)) == bare_reply(sw3));
    rig.reader.read_base_status = Status::Ok;
    if (status != Status::NoSuchContent) {
      rig.reader.fingerprint_status = status;
      CHECK(rig.exchange(req(0x30, 0x10)) == bare_reply(sw3));
    }
    rig.reader.addresses_status = status;
    CHECK(rig.exchange(req(0x30, 0x03)) == bare_reply(sw3));
  }
}

TEST_CASE("30 03: 70 bytes per address right after SW3, none answers 91", "[legacy][read]") {
  Rig rig;
  rig.reader.address_entries = 1;
  Bytes reply = rig.exchange(req(0x30, 0x03));
  CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90}, slice(rig.reader.addresses, 70)})));
  CHECK(reply.size() == 81);

  rig.reader.address_entries = 4;
  reply = rig.exchange(req(0x30, 0x03));
  CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90}, slice(rig.reader.addresses, 280)})));
  CHECK(len_of(reply) == 0x011C);

  rig.reader.address_entries = 0;
  CHECK(rig.exchange(req(0x30, 0x03)) == bare_reply(0x91));
}

TEST_CASE("30 03 with 2 or 3 entries pads to 4 so the LEN low byte stays below 0x80",
          "[legacy][read]") {
  for (size_t entries : {size_t{2}, size_t{3}}) {
    INFO(entries << " entries");
    Rig rig;
    rig.reader.address_entries = entries;
    const Bytes reply = rig.exchange(req(0x30, 0x03));
    Bytes data = slice(rig.reader.addresses, 70 * entries);
    for (size_t i = data.size(); i < 280; i += 2) {
      data.push_back(0x20);  // UCS-2LE space
      data.push_back(0x00);
    }
    CHECK(reply == frame_of(concat({{0x00, 0x00, 0x90}, data})));
    CHECK((reply[6] & 0x80) == 0);
  }
}

TEST_CASE("set baud answers the 11-byte OK, then the hook switches the link", "[legacy]") {
  Rig rig;
  const uint32_t expected[] = {115200, 57600, 38400, 19200, 9600};
  for (uint8_t pp = 0; pp < 5; ++pp) {
    CHECK(rig.exchange(req(0x60, pp)) == bare_reply(0x90));
    REQUIRE(rig.hook.bauds.size() == pp + 1u);
    CHECK(rig.hook.bauds.back() == expected[pp]);
    // The reply left at the old rate: it was written before the hook ran.
    CHECK(rig.hook.writes_before.back() == rig.link.writes.size());
  }
  CHECK(rig.exchange(req(0x60, 0x05)) == bare_reply(0x21));
  CHECK(rig.hook.bauds.size() == 5);
}

TEST_CASE("set baud without a hook (TCP host board) still answers OK", "[legacy]") {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  idr::test::FakeReader reader;
  LegacyServer server{link, clock, reader};
  link.send(req(0x60, 0x01));
  REQUIRE(server.serve_once(kWaitUs) == Status::Ok);
  REQUIRE(link.writes.size() == 1);
  CHECK(link.writes[0].bytes == bare_reply(0x90));
}

TEST_CASE("unknown commands and unknown PARA of known commands answer 21", "[legacy]") {
  Rig rig;
  const std::vector<Bytes> requests = {req(0x99, 0x01), req(0x00, 0x00),
                                       req(0x13, 0xFF), req(0x20, 0x03),
                                       req(0x20, 0xFF), req(0x30, 0x02),
                                       req(0x30, 0x04), req(0x10, 0x00),
                                       req(0x11, 0x01), req(0x12, 0xFE),
                                       req(0x61, 0x00), req(0x60, 0xFF),
                                       req(0xE0, 0x00), frame_of({0xE0, 0x01, 1, 2, 3}),
                                       req(0xE0, 0xFF)};
  for (const Bytes& r : requests) {
    INFO("CMD " << int(r[7]) << " PARA " << int(r[8]));
    CHECK(rig.exchange(r) == bare_reply(0x21));
  }
  CHECK(rig.reader.calls.find + rig.reader.calls.read_base + rig.reader.calls.sam_reset == 0);
}

TEST_CASE("data on a command that takes none answers 11", "[legacy]") {
  Rig rig;
  for (const Bytes& r : {frame_of({0x20, 0x01, 0x00}), frame_of({0x10, 0xFF, 0x00}),
                         frame_of({0x30, 0x01, 0x00, 0x00}), frame_of({0x60, 0x00, 0x01}),
                         frame_of({0x61, 0xFF, 0x50, 0x50})}) {
    CHECK(rig.exchange(r) == bare_reply(0x11));
  }
  CHECK(rig.reader.calls.find == 0);
}

TEST_CASE("bad CHK answers 10 and the next frame works", "[legacy][malformed]") {
  Rig rig;
  Bytes bad = req(0x20, 0x01);
  bad.back() ^= 0x80;
  CHECK(rig.exchange(bad) ==
        Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x10, 0x14});
  CHECK(rig.reader.calls.find == 0);
  CHECK(rig.exchange(req(0x20, 0x01)) == frame_of({0x00, 0x00, 0x9F, 0, 0, 0, 0}));
  CHECK(rig.server.counters().bad_checksum == 1);
}

TEST_CASE("LEN too small or too large answers 11 and the next frame works", "[legacy][malformed]") {
  Rig rig;
  // LEN 2: no room for CMD PARA CHK.
  CHECK(rig.exchange(Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x02, 0x10, 0xFF}) ==
        bare_reply(0x11));
  CHECK(rig.exchange(req(0x11, 0xFF)) == bare_reply(0x90));
  // LEN 0xFFFF: larger than any request; its would-be body is skipped by resync.
  Bytes huge{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF};
  for (int i = 0; i < 300; ++i) huge.push_back(static_cast<uint8_t>(i));
  CHECK(rig.exchange(huge) == bare_reply(0x11));
  CHECK(rig.exchange(req(0x20, 0x02)) == frame_of({0x00, 0x00, 0x90, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(rig.server.counters().bad_length == 2);
}

TEST_CASE("a truncated frame followed by silence is dropped, the next frame works",
          "[legacy][malformed]") {
  Rig rig;
  const Bytes full = req(0x30, 0x01);
  for (size_t cut = 1; cut < full.size(); ++cut) {
    INFO("cut after " << cut);
    const size_t writes = rig.link.writes.size();
    rig.link.send(Bytes(full.begin(), full.begin() + static_cast<long>(cut)));
    CHECK(rig.server.serve_once(200'000) == Status::Timeout);
    CHECK(rig.link.writes.size() == writes);  // nothing identifies what it asked: no reply
    rig.link.send(req(0x11, 0xFF));
    REQUIRE(rig.server.serve_once(kWaitUs) == Status::Ok);
    REQUIRE(rig.link.writes.size() == writes + 1);
    CHECK(rig.link.writes.back().bytes == bare_reply(0x90));
  }
  CHECK(rig.reader.calls.read_base == 0);
  // Every cut, a partial preamble included, was dropped by the inter-byte timeout.
  CHECK(rig.server.counters().dropped_partial == full.size() - 1);
}

TEST_CASE("a frame whose bytes arrive slowly but within the inter-byte timeout is served",
          "[legacy][malformed]") {
  Rig rig;
  const Bytes full = req(0x20, 0x01);
  for (uint8_t b : full) rig.link.send_after(40'000, Bytes{b});  // 40 ms < 50 ms gaps
  REQUIRE(rig.server.serve_once(kWaitUs) == Status::Ok);
  CHECK(rig.link.writes.back().bytes == frame_of({0x00, 0x00, 0x9F, 0, 0, 0, 0}));
  CHECK(rig.server.counters().dropped_partial == 0);
}

TEST_CASE("a gap longer than the inter-byte timeout inside a frame drops it",
          "[legacy][malformed]") {
  Rig rig;
  const Bytes full = req(0x20, 0x01);
  rig.link.send(Bytes(full.begin(), full.begin() + 8));
  rig.link.send_after(idr::core::FrameReceiver::kInterByteTimeoutUs + 1'000,
                      Bytes(full.begin() + 8, full.end()));
  rig.link.send_after(10'000, req(0x11, 0xFF));
  REQUIRE(rig.server.serve_once(kWaitUs) == Status::Ok);
  REQUIRE(rig.link.writes.size() == 1);
  CHECK(rig.link.writes[0].bytes == bare_reply(0x90));
  CHECK(rig.reader.calls.find == 0);
  CHECK(rig.server.counters().dropped_partial == 1);
}

TEST_CASE("garbage before a frame is skipped", "[legacy][malformed]") {
  Rig rig;
  CHECK(rig.exchange(concat({{0x00, 0xFF, 0x96, 0x69, 0xAA, 0xAA, 0x13}, req(0x20, 0x01)})) ==
        frame_of({0x00, 0x00, 0x9F, 0, 0, 0, 0}));
}

TEST_CASE("a frame delivered one byte per read is served", "[legacy]") {
  Rig rig;
  rig.link.max_per_read = 1;
  CHECK(rig.exchange(req(0x30, 0x10)).size() == 2321);
}

TEST_CASE("pipelined commands each get one reply, in order", "[legacy]") {
  Rig rig;
  rig.link.send(concat({req(0x11, 0xFF), req(0x20, 0x01), req(0x20, 0x02)}));
  for (int i = 0; i < 3; ++i) REQUIRE(rig.server.serve_once(kWaitUs) == Status::Ok);
  REQUIRE(rig.link.writes.size() == 3);
  CHECK(rig.link.writes[0].bytes == bare_reply(0x90));
  CHECK(rig.link.writes[1].bytes == frame_of({0x00, 0x00, 0x9F, 0, 0, 0, 0}));
  CHECK(rig.link.writes[2].bytes == frame_of({0x00, 0x00, 0x90, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(rig.server.serve_once(1'000) == Status::Timeout);
}

TEST_CASE("silence: serve_once waits its timeout in virtual time and writes nothing", "[legacy]") {
  Rig rig;
  CHECK(rig.server.serve_once(250'000) == Status::Timeout);
  CHECK(rig.clock.t == 250'000);
  CHECK(rig.link.writes.empty());
  CHECK(rig.server.serve_once(0) == Status::Timeout);
  CHECK(rig.clock.t == 250'000);
}

TEST_CASE("a closed link or a failed write is reported, and a new session starts clean",
          "[legacy]") {
  Rig rig;
  const Bytes full = req(0x20, 0x01);
  rig.link.send(Bytes(full.begin(), full.begin() + 9));
  rig.link.close();
  CHECK(rig.server.serve_once(kWaitUs) == Status::Io);
  // The half frame did not survive: a fresh frame is served.
  rig.link.send(req(0x11, 0xFF));
  CHECK(rig.server.serve_once(kWaitUs) == Status::Ok);

  Rig rig2;
  rig2.link.fail_writes = true;
  rig2.link.send(req(0x11, 0xFF));
  CHECK(rig2.server.serve_once(kWaitUs) == Status::Io);
  CHECK(rig2.server.counters().replies == 0);
}

TEST_CASE(
    "a reply counts only once written: a failed write of the fault or error reply "
    "counts nowhere",
    "[legacy]") {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  idr::test::FakeReader reader;
  idr::core::FaultLatch latch;
  LegacyServer server{link, clock, reader, nullptr, nullptr, &latch};
  (void)latch.note(Status::HardwareFault);
  link.fail_writes = true;
  link.send(req(0x11, 0xFF));
  CHECK(server.serve_once(kWaitUs) == Status::Io);
  Bytes bad = req(0x20, 0x01);
  bad.back() ^= 0x80;
  link.send(bad);
  CHECK(server.serve_once(kWaitUs) == Status::Io);
  // The host was told nothing: the boards' fault_reported() must stay false.
  CHECK(server.counters().fault_replies == 0);
  CHECK(server.counters().bad_checksum == 0);
  CHECK(server.counters().replies == 0);

  link.fail_writes = false;
  link.send(req(0x11, 0xFF));
  CHECK(server.serve_once(kWaitUs) == Status::Ok);
  CHECK(link.writes.back().bytes == bare_reply(0x60));
  CHECK(server.counters().fault_replies == 1);
  CHECK(server.counters().replies == 1);
}

TEST_CASE("every successful legacy reply keeps LEN's low byte below 0x80", "[legacy]") {
  Rig rig;
  std::vector<Bytes> requests = {
      req(0x10, 0xFF), req(0x11, 0xFF), req(0x12, 0xFF), req(0x20, 0x01),
      req(0x20, 0x02), req(0x30, 0x01), req(0x30, 0x10), frame_of({0x61, 0xFF, 0x50})};
  for (const Bytes& r : requests) CHECK((rig.exchange(r)[6] & 0x80) == 0);
  for (size_t fp : {size_t{0}, size_t{512}, size_t{1024}}) {
    rig.reader.fingerprint_len = fp;
    CHECK((rig.exchange(req(0x30, 0x10))[6] & 0x80) == 0);
  }
  for (size_t n = 1; n <= 4; ++n) {
    rig.reader.address_entries = n;
    CHECK((rig.exchange(req(0x30, 0x03))[6] & 0x80) == 0);
  }
}

TEST_CASE("status mapping helpers", "[legacy]") {
  using namespace idr::core;
  CHECK(sw3_for_sam(Status::Ok) == 0x90);
  CHECK(sw3_for_sam(Status::SamError) == 0x60);
  CHECK(sw3_for_find(Status::Ok) == 0x9F);
  CHECK(sw3_for_find(Status::Collision) == 0x80);
  CHECK(sw3_for_select(Status::Ok) == 0x90);
  CHECK(sw3_for_select(Status::NoCard) == 0x81);
  CHECK(sw3_for_read(Status::CardAuthFailed) == 0x31);
  CHECK(sw3_for_read(Status::SamAuthFailed) == 0x32);
  CHECK(sw3_for_read(Status::DataCheckFailed) == 0x33);
  CHECK(sw3_for_read(Status::NoSuchContent) == 0x91);
  CHECK(sw3_for_read(Status::Overflow) == 0x41);
}
