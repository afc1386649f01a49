// ReplyWriter (firmware/core/hostlink/reply_writer.h): a reply frame streamed in pieces is
// byte for byte the frame built whole; a frame whose DATA does not match its declared size
// never goes out valid; after a hardware fault nothing goes out; the server's large replies
// are streamed in several writes, its small ones in one.
#include <catch2/catch.hpp>

#include "hostlink_fakes.h"
#include "idr/core/hostlink/reply_writer.h"

using idr::Status;
using idr::core::ReplyWriter;
using idr::test::Bytes;
namespace hl = idr::hostlink;

namespace {

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + 3);
  return b;
}

hl::ParseEvent parse(const Bytes& frame, size_t& used) {
  hl::ReplyParser parser;
  hl::ParseEvent ev = hl::ParseEvent::kNone;
  used = parser.push(frame.data(), frame.size(), ev);
  return ev;
}

}  // namespace

TEST_CASE("reply writer: a streamed frame equals the frame built whole", "[legacy][stream]") {
  const size_t size =
      GENERATE(size_t{0}, size_t{1}, size_t{500}, size_t{512}, size_t{513}, size_t{4000});
  const Bytes data = pattern(size);
  Bytes whole(hl::kReplyDataOffset + size + hl::kChkSize);
  REQUIRE(hl::build_reply(0x90, data.data(), data.size(), whole.data(), whole.size()) ==
          whole.size());

  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  ReplyWriter w(link);
  w.begin(0x90, size);
  // In uneven pieces, one of them filled in place.
  size_t off = 0;
  for (size_t piece = 1; off < size; piece = piece * 3 + 1) {
    size_t n = std::min(piece, size - off);
    if (piece % 2 == 0) {
      size_t room = 0;
      uint8_t* at = w.fill(n, room);
      std::copy(data.begin() + static_cast<long>(off), data.begin() + static_cast<long>(off + room),
                at);
      w.commit(room);
      n = room;
    } else {
      w.put(data.data() + off, n);
    }
    off += n;
  }
  REQUIRE(w.end() == Status::Ok);
  REQUIRE(link.writes.size() == 1);
  CHECK(link.writes[0].bytes == whole);
  CHECK(link.pending().empty());
  CHECK(link.write_calls ==
        (whole.size() + ReplyWriter::kStagingSize - 1) / ReplyWriter::kStagingSize);
}

TEST_CASE("reply writer: DATA short of or beyond its declared size never makes a valid frame",
          "[legacy][stream]") {
  const bool short_of = GENERATE(true, false);
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  ReplyWriter w(link);
  const Bytes data = pattern(700);
  w.begin(0x90, 600);
  w.put(data.data(), short_of ? 599 : 700);
  CHECK(w.end() == Status::InvalidArgument);
  REQUIRE(link.writes.size() == 1);  // exactly the declared frame size went out
  const Bytes& frame = link.writes[0].bytes;
  CHECK(frame.size() == hl::kReplyDataOffset + 600 + hl::kChkSize);
  size_t used = 0;
  CHECK(parse(frame, used) == hl::ParseEvent::kBadChecksum);
  CHECK(used == frame.size());
}

TEST_CASE("reply writer: a size no frame can have sends nothing", "[legacy][stream]") {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  ReplyWriter w(link);
  w.begin(0x90, hl::kMaxReplyData + 1);
  const Bytes data = pattern(100);
  w.put(data.data(), data.size());
  CHECK(w.end() == Status::InvalidArgument);
  CHECK(link.write_calls == 0);
  CHECK_FALSE(w.streamed_any());
}

TEST_CASE("reply writer: after a hardware fault a streamed reply sends nothing",
          "[legacy][stream]") {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  idr::core::FaultLatch fault;
  ReplyWriter w(link, &fault);
  (void)fault.note(Status::HardwareFault);
  w.begin(0x90, 10);
  const Bytes data = pattern(10);
  w.put(data.data(), data.size());
  CHECK(w.end() == Status::HardwareFault);
  CHECK(link.write_calls == 0);
  CHECK_FALSE(w.streamed_any());
}

TEST_CASE("reply writer: a link that fails ends the reply with its status", "[legacy][stream]") {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  link.fail_writes = true;
  ReplyWriter w(link);
  w.begin(0x90, 2000);
  const Bytes data = pattern(2000);
  w.put(data.data(), data.size());
  CHECK(w.end() == Status::Io);
}

TEST_CASE("server: the 30 10 reply is streamed in pieces, a status reply goes in one write",
          "[legacy][stream]") {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  idr::test::FakeReader reader;
  idr::core::LegacyServer server{link, clock, reader};
  link.send(idr::test::frame_of({0x30, 0x10}));
  REQUIRE(server.serve_once(1'000'000) == Status::Ok);
  REQUIRE(link.writes.size() == 1);
  CHECK(link.writes[0].bytes.size() == 2321);
  CHECK(link.write_calls == (2321 + ReplyWriter::kStagingSize - 1) / ReplyWriter::kStagingSize);
  link.send(idr::test::frame_of({0x11, 0xFF}));
  const size_t calls = link.write_calls;
  REQUIRE(server.serve_once(1'000'000) == Status::Ok);
  CHECK(link.write_calls == calls + 1);
  CHECK(link.writes.back().bytes == idr::test::bare_reply(0x90));
}

TEST_CASE("server: requests up to the firmware's bound are taken, a longer LEN answers 11",
          "[legacy]") {
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  idr::test::FakeReader reader;
  idr::core::LegacyServer server{link, clock, reader};
  // The largest request the firmware has a use for: CMD PARA, DATA, CHK = LEN.
  Bytes body{0xE0, 0x13};
  body.resize(idr::core::kFirmwareMaxRequestLen - hl::kChkSize, 0x5A);
  link.send(idr::test::frame_of(body));
  REQUIRE(server.serve_once(1'000'000) == Status::Ok);
  REQUIRE(link.writes.size() == 1);
  CHECK(link.writes[0].bytes == idr::test::bare_reply(0x21));  // parsed: no extension handler
  // One byte more: refused at LEN, as any LEN out of bounds.
  body.push_back(0x5A);
  link.send(idr::test::frame_of(body));
  REQUIRE(server.serve_once(1'000'000) == Status::Ok);
  REQUIRE(link.writes.size() == 2);
  CHECK(link.writes[1].bytes == idr::test::bare_reply(0x11));
}
