// The SAM model: frames of sam_link.h, error statuses, UART byte timing and processing time
// in virtual time (DESIGN 9 formula), baud rate switching.
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace idr::sim;
using idr::sam::Cmd;
using test::Bytes;

namespace {
struct Harness {
  EventQueue q;
  TimeAccounts acc;
  TimingParams t;
  SamModel sam{q, acc, t,
               SamConfig{sam_id_from(5, 1, 20101126, 17612485, 112360513), standin::default_keys()},
               3};
};
}  // namespace

TEST_CASE("GET_ID answers the 16-byte id, timing equals the formula", "[sam][timing]") {
  Harness h;
  const Bytes req = test::sam_frame(0x01, {});
  CHECK(req == Bytes{0xA5, 0x00, 0x02, 0x01, 0x03});  // CHK = 00 ^ 02 ^ 01
  const auto rep = test::sam_call(h.q, h.sam, Cmd::GetId);
  CHECK(rep.status == 0x90);
  // 5, 1, 20101126 = 0x0132B806, 17612485 = 0x010CBEC5, 112360513 = 0x06B27C41, little endian.
  CHECK(rep.data ==
        Bytes{5, 0, 1, 0, 0x06, 0xB8, 0x32, 0x01, 0xC5, 0xBE, 0x0C, 0x01, 0x41, 0x7C, 0xB2, 0x06});
  // 8N1: 10 bits a byte. Request 5 bytes in, work 3 ms + 15 us * (0 + 16 data bytes),
  // reply 1 + 2 + 1 + 16 + 1 = 21 bytes out.
  const Time byte = bit_time(10, 115200);
  const Time work = 3 * kMs + 15 * kUs * 16;
  CHECK(rep.complete == 5 * byte + work + 21 * byte);
  CHECK(h.acc.sam_processing == work);
  CHECK(h.acc.sam_link == 26 * byte);
  CHECK(h.sam.idle());
}

TEST_CASE("bytes become readable one by one as their stop bits end", "[sam][timing]") {
  Harness h;
  h.sam.board_write(test::sam_frame(0x04, {}));
  CHECK(h.sam.board_available() == 0);
  h.q.run_until(h.q.now() + kSec, [&] { return h.sam.board_available() > 0; });
  const Time first = h.q.now();
  CHECK(h.sam.board_available() == 1);
  REQUIRE(h.sam.next_byte_time());
  CHECK(*h.sam.next_byte_time() == first + bit_time(10, 115200));
}

TEST_CASE("bad checksum -> 0x10, bad length -> 0x11, unknown command -> 0x21", "[sam][errors]") {
  Harness h;
  Bytes bad = test::sam_frame(0x01, {});
  bad.back() ^= 0x55;
  h.sam.board_write(bad);
  auto rep = test::sam_read_reply(h.q, h.sam);
  CHECK(rep.status == 0x10);
  CHECK(rep.data.empty());

  h.sam.board_write(Bytes{0xA5, 0x7F, 0xFF});  // LEN beyond kMaxData
  CHECK(test::sam_read_reply(h.q, h.sam).status == 0x11);
  CHECK(test::sam_call(h.q, h.sam, Cmd::GetId, {1}).status == 0x11);  // GET_ID takes no data
  CHECK(test::sam_call(h.q, h.sam, static_cast<Cmd>(0x77)).status == 0x21);
  CHECK(test::sam_call(h.q, h.sam, Cmd::SetBaud, {0, 0, 0x25, 0x80}).status ==
        0x21);  // 9600 unsupported
  // Out of order: AUTH_NEXT or UNWRAP without a session.
  CHECK(test::sam_call(h.q, h.sam, Cmd::AuthNext, {0x90, 0x00}).status == 0x24);
  Bytes unwrap{0x01, 0x00, 0x00};
  unwrap.resize(3 + 20, 0);
  unwrap.push_back(0x90);
  unwrap.push_back(0x00);
  CHECK(test::sam_call(h.q, h.sam, Cmd::Unwrap, unwrap).status == 0x24);
  // Still in sync afterwards.
  CHECK(test::sam_call(h.q, h.sam, Cmd::SelfTest).status == 0x90);
}

TEST_CASE("garbage before SOF is skipped, a stalled partial frame is dropped", "[sam][errors]") {
  Harness h;
  h.sam.board_write(Bytes{0x00, 0x13, 0x37});
  CHECK(test::sam_call(h.q, h.sam, Cmd::Reset).status == 0x90);
  h.sam.board_write(Bytes{0xA5, 0x00});
  h.q.advance_by(SamModel::kInterByteTimeout + kMs);
  CHECK(test::sam_call(h.q, h.sam, Cmd::GetId).status == 0x90);
}

TEST_CASE("SET_BAUD: answered at the old rate, then only the new rate works", "[sam][baud]") {
  Harness h;
  const auto rep = test::sam_call(h.q, h.sam, Cmd::SetBaud, {0x00, 0x0E, 0x10, 0x00});  // 921600
  CHECK(rep.status == 0x90);
  CHECK(h.sam.sam_baud() == 115200);  // still sending the answer's last stop bit
  h.q.advance_by(kUs);
  CHECK(h.sam.sam_baud() == 921600);
  // The board still at 115200: its bytes arrive garbled, the SAM does not answer sensibly.
  h.sam.board_write(test::sam_frame(0x04, {}));
  h.q.advance_by(100 * kMs);
  const Bytes junk = h.sam.board_read(64);
  CHECK((junk.empty() || junk[0] != 0xA5 || junk.size() < 5 || junk[3] != 0x90));
  h.sam.board_flush();
  h.q.advance_by(100 * kMs);
  h.sam.board_flush();
  h.sam.set_board_baud(921600);
  const Time t0 = h.q.now();
  const auto ok = test::sam_call(h.q, h.sam, Cmd::SelfTest);
  CHECK(ok.status == 0x90);
  CHECK(ok.complete - t0 == 5 * bit_time(10, 921600) + 3 * kMs + 5 * bit_time(10, 921600));
}

TEST_CASE("two frames back to back are processed in order", "[sam]") {
  Harness h;
  Bytes both = test::sam_frame(0x04, {});
  const Bytes id = test::sam_frame(0x01, {});
  both.insert(both.end(), id.begin(), id.end());
  h.sam.board_write(both);
  CHECK(test::sam_read_reply(h.q, h.sam).data.empty());
  CHECK(test::sam_read_reply(h.q, h.sam).data.size() == 16);
  CHECK(h.sam.frames_handled() == 2);
}

TEST_CASE("SAM faults: no reply, late reply, noise before the reply, garbled reply",
          "[sam][faults]") {
  Harness h;
  h.sam.add_fault(SamFault{1, SamFaultKind::NoReply});
  h.sam.add_fault(SamFault{2, SamFaultKind::LateReply});
  h.sam.add_fault(SamFault{3, SamFaultKind::Garbage});
  h.sam.add_fault(SamFault{4, SamFaultKind::Garbled});
  // 1: the work is done, nothing comes back.
  h.sam.board_write(test::sam_frame(0x04, {}));
  h.q.run_until(h.q.now() + 500 * kMs, [] { return false; });
  CHECK(h.sam.board_available() == 0);
  // 2: the reply comes kLateReply after it was ready.
  const Time sent = h.q.now();
  const auto late = test::sam_call(h.q, h.sam, Cmd::SelfTest);
  CHECK(late.status == 0x90);
  CHECK(late.complete - sent >= SamModel::kLateReply);
  // 3: a false frame start before the real reply, which still parses after it.
  h.sam.board_write(test::sam_frame(0x04, {}));
  h.q.run_until(h.q.now() + 500 * kMs, [] { return false; });
  const Bytes noisy = h.sam.board_read(64);
  REQUIRE(noisy.size() == 6 + 5);
  CHECK(noisy[0] == 0xA5);
  CHECK(Bytes(noisy.begin() + 6, noisy.end()) == Bytes{0xA5, 0x00, 0x02, 0x90, 0x92});
  // 4: every byte garbled: no SOF where the reply starts.
  h.sam.board_write(test::sam_frame(0x04, {}));
  h.q.run_until(h.q.now() + 500 * kMs, [] { return false; });
  const Bytes garbled = h.sam.board_read(64);
  REQUIRE(garbled.size() == 5);
  CHECK(garbled[0] != 0xA5);
  CHECK(h.sam.faults_fired() == 4);
  CHECK(h.sam.frame_commands() == Bytes{0x04, 0x04, 0x04, 0x04});
}

TEST_CASE("a wrong-MAC fault on a frame that is not an UNWRAP is a model error", "[sam][faults]") {
  Harness h;
  h.sam.add_fault(SamFault{1, SamFaultKind::WrongMac});
  h.sam.board_write(test::sam_frame(0x04, {}));
  CHECK_THROWS_WITH(h.q.run_until(h.q.now() + 500 * kMs, [] { return false; }),
                    Catch::Contains("not an UNWRAP"));
}
