// The RF field: reply timing (ISO/IEC 14443-3 7.1 guard times, DESIGN 9 card times),
// collisions from what cards really answer, presence timelines, faults.
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace idr::sim;
using test::Bytes;

namespace {
std::shared_ptr<ResidentIdCard> resident(const std::string& label, uint64_t seed = 5) {
  return std::make_shared<ResidentIdCard>(label, test::sample_image(label), standin::default_keys(),
                                          TimingParams{}, seed);
}
AirFrame frame(const Bytes& payload) {
  AirFrame f;
  f.bytes = test::with_crc(payload);
  return f;
}
}  // namespace

TEST_CASE("reply timing: start = EOF + max(TR0 min, card time), end = start + TR1 + frame",
          "[field][timing]") {
  test::Reader r;
  r.field.add_card(resident("a"));
  r.field.set_field(true);
  r.activate();
  const Time before = r.accounts.card_processing;
  r.queue.advance_by(kMs);
  const Time eof = r.queue.now();
  auto reply = r.field.transmit(frame({0x00, 0x36, 0x00, 0x00, 0x08}));
  REQUIRE(reply);
  // DESIGN 9: 1 ms + 10 us per response byte (8 UID bytes + SW, CRC_B not counted).
  const Time card = 1 * kMs + 10 * 10 * kUs;
  CHECK(reply->start == eof + card);
  CHECK(reply->end == reply->start + kTr1Min + type_b_frame_time(12));
  CHECK(r.accounts.card_processing - before == card);
  // TR0 min = 64/fs = 1024/fc (ISO/IEC 14443-3 7.1.6) ~ 75.5 us: the floor for a fast card.
  CHECK(kTr0Min == fc_cycles(1024));
  CHECK(type_b_frame_time(1) == fc_cycles(128 * 32));  // SOF 12 etu + 10 etu + EOF 10 etu
}

TEST_CASE("a zero-time card still waits TR0 min", "[field][timing]") {
  TimingParams fast;
  fast.card_turnaround = 0;
  fast.card_per_response_byte = 0;
  test::Reader r;
  r.field.add_card(std::make_shared<ResidentIdCard>("f", test::sample_image(),
                                                    standin::default_keys(), fast, 1));
  r.field.set_field(true);
  const Time eof = r.queue.now();
  auto reply = r.field.transmit(frame({0x05, 0x00, 0x00}));
  REQUIRE(reply);
  CHECK(reply->start == eof + kTr0Min);
}

TEST_CASE("two ID cards: identical ATQB and ATTRIB answers superpose, different UIDs collide",
          "[field][collision]") {
  test::Reader r;
  r.field.add_card(resident("a"));
  r.field.add_card(resident("b"));
  r.field.set_field(true);
  // Both PUPIs are 00000000: the same bytes at the same time, a clean frame.
  auto atqb = r.send({0x05, 0x00, 0x00});
  REQUIRE(atqb);
  CHECK_FALSE(atqb->framing_error);
  CHECK(test::strip_crc(atqb->bytes).size() == 12);
  auto attrib = r.send({0x1D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x08});
  REQUIRE(attrib);
  CHECK_FALSE(attrib->framing_error);
  CHECK(r.field.collisions() == 0);
  // GET UID: two different answers in the same slot -> framing error.
  auto uid = r.send({0x00, 0x36, 0x00, 0x00, 0x08});
  REQUIRE(uid);
  CHECK(uid->framing_error);
  CHECK(r.field.collisions() == 1);
}

TEST_CASE("card removed mid-reply: truncated frame with framing error, before reply: silence",
          "[field][presence]") {
  test::Reader r;
  const size_t idx = r.field.add_card(resident("a"));
  r.field.set_field(true);
  r.activate();
  r.queue.advance_by(kMs);
  const Time eof = r.queue.now();
  const Time start = eof + 1 * kMs + 100 * kUs;
  const Time char_time = fc_cycles(128 * 10);
  const Time sof = fc_cycles(128 * 12);
  // Leaves after TR1 + SOF + 3.5 characters: three whole bytes made it.
  r.field.card_leaves(idx, start + kTr1Min + sof + 3 * char_time + char_time / 2);
  auto cut = r.field.transmit(frame({0x00, 0x36, 0x00, 0x00, 0x08}));
  REQUIRE(cut);
  CHECK(cut->framing_error);
  CHECK(cut->bytes.size() == 3);
  CHECK(cut->end == start + kTr1Min + sof + 3 * char_time + char_time / 2);

  // Back in the field: a fresh power-up (IDLE), it needs REQB again.
  test::Reader r2;
  const size_t i2 = r2.field.add_card(resident("b"));
  r2.field.set_field(true);
  r2.activate();
  r2.field.card_leaves(i2, r2.queue.now() + 200 * kUs);  // before its answer starts
  CHECK_FALSE(r2.send({0x00, 0x36, 0x00, 0x00, 0x08}));
  r2.field.card_arrives(i2, r2.queue.now() + kMs);
  r2.queue.advance_by(2 * kMs);
  CHECK_FALSE(r2.send({0x00, 0x36, 0x00, 0x00, 0x08}));  // not ACTIVE any more
  CHECK(r2.send({0x05, 0x00, 0x00}));
}

TEST_CASE("presence timeline: absent before arrival, a card arriving mid-frame hears nothing",
          "[field][presence]") {
  test::Reader r;
  r.field.add_card(resident("a"), {PresenceInterval{10 * kMs, 20 * kMs}});
  r.field.set_field(true);
  CHECK_FALSE(r.send({0x05, 0x00, 0x00}));
  CHECK_FALSE(r.field.card_present(0, 9 * kMs));
  CHECK(r.field.card_present(0, 10 * kMs));
  CHECK_FALSE(r.field.card_present(0, 20 * kMs));
  // The REQB frame takes ~ 604 us; start it 100 us before the arrival.
  const Time reqb_time = type_b_frame_time(5);
  r.queue.advance_to(10 * kMs - 100 * kUs);
  AirFrame f = frame({0x05, 0x00, 0x00});
  r.queue.advance_by(reqb_time);
  CHECK_FALSE(r.field.transmit(f));
  CHECK(r.send({0x05, 0x00, 0x00}));
  r.queue.advance_to(21 * kMs);
  CHECK_FALSE(r.send({0x05, 0x00, 0x00}));
}

TEST_CASE("only Type B at 106 kbit/s is answered", "[field]") {
  test::Reader r;
  r.field.add_card(resident("a"));
  r.field.set_field(true);
  AirFrame f = frame({0x05, 0x00, 0x00});
  f.bitrate_kbps = 212;
  CHECK_FALSE(r.field.transmit(f));
  f.bitrate_kbps = 106;
  f.protocol = AirProtocol::TypeA;
  CHECK_FALSE(r.field.transmit(f));
  f.protocol = AirProtocol::TypeB;
  CHECK(r.field.transmit(f));
}

TEST_CASE("frame loss and bit errors are seeded and have effect", "[field][faults]") {
  auto run = [](LinkFaults faults, uint64_t seed) {
    EventQueue q;
    TimeAccounts acc;
    RfField field(q, acc, TimingParams{}, seed);
    field.add_card(std::make_shared<ResidentIdCard>("a", test::sample_image(),
                                                    standin::default_keys(), TimingParams{}, 1),
                   {PresenceInterval{}}, faults);
    field.set_field(true);
    int clean = 0, silent = 0, damaged = 0;
    for (int i = 0; i < 300; ++i) {
      q.advance_by(5 * kMs);
      auto reply = field.transmit(frame({0x05, 0x00, 0x00}));
      if (!reply) {
        ++silent;
      } else if (check_crc_b(reply->bytes.data(), reply->bytes.size())) {
        ++clean;
      } else {
        ++damaged;
      }
    }
    return std::array<int, 3>{clean, silent, damaged};
  };
  CHECK(run({}, 1) == std::array<int, 3>{300, 0, 0});
  CHECK(run({0.0, 1.0}, 1) == std::array<int, 3>{0, 300, 0});
  const auto lossy = run({0.0, 0.3}, 7);
  CHECK(lossy[1] > 30);
  CHECK(lossy[0] > 150);
  CHECK(lossy == run({0.0, 0.3}, 7));  // same seed, same faults
  // 1e-2 per bit: commands (40 bits) and ATQBs (112 bits) get hit often.
  const auto noisy = run({0.01, 0.0}, 3);
  CHECK(noisy[1] > 0);
  CHECK(noisy[2] > 0);
  CHECK(noisy[0] > 0);
}

TEST_CASE("frame faults: numbered frames, CRC and bit errors, tearing in command or answer",
          "[field][faults]") {
  const Bytes reqb = {0x05, 0x00, 0x00};
  SECTION("a CRC error in the command: the card ignores it (ISO/IEC 14443-3 7.5)") {
    test::Reader r;
    r.field.add_card(resident("a"));
    r.field.set_field(true);
    r.field.add_frame_fault(FrameFault{2, FrameFaultKind::CrcError, FrameDirection::Command, 3});
    CHECK(r.field.transmit(frame(reqb)));  // frame 1: untouched
    CHECK(r.field.frame_faults_fired() == 0);
    r.queue.advance_by(kMs);
    CHECK_FALSE(r.field.transmit(frame(reqb)));  // frame 2: silence
    CHECK(r.field.frame_faults_fired() == 1);
    CHECK(r.field.frames_on_air() == 2);
  }
  SECTION("a bit error in the answer: the reader gets the flipped bit") {
    test::Reader r;
    r.field.add_card(resident("a"));
    r.field.set_field(true);
    const auto clean = r.field.transmit(frame(reqb));
    REQUIRE(clean);
    r.field.set_field(false);
    r.queue.advance_by(10 * kMs);
    r.field.set_field(true);
    r.queue.advance_by(10 * kMs);
    r.field.add_frame_fault(FrameFault{2, FrameFaultKind::BitError, FrameDirection::Answer, 9});
    const auto hit = r.field.transmit(frame(reqb));
    REQUIRE(hit);
    REQUIRE(hit->bytes.size() == clean->bytes.size());
    CHECK((hit->bytes[1] ^ clean->bytes[1]) == 0x02);  // bit 9 = byte 1, bit 1
    CHECK(r.field.frame_faults_fired() == 1);
  }
  SECTION("tearing in the answer: a cut frame, and the card stays out") {
    test::Reader r;
    r.field.add_card(resident("a"));
    r.field.set_field(true);
    r.field.add_frame_fault(FrameFault{1, FrameFaultKind::Tear, FrameDirection::Answer, 0});
    const auto cut = r.field.transmit(frame(reqb));
    REQUIRE(cut);
    CHECK(cut->framing_error);
    CHECK_FALSE(r.field.card_present(0, r.queue.now() + 10 * kMs));
  }
  SECTION("tearing in the command: the card never hears it") {
    test::Reader r;
    r.field.add_card(resident("a"));
    r.field.set_field(true);
    r.field.add_frame_fault(FrameFault{1, FrameFaultKind::Tear, FrameDirection::Command, 0});
    CHECK_FALSE(r.field.transmit(frame(reqb)));
    CHECK(r.field.frame_faults_fired() == 1);
  }
  SECTION("a CRC fault on a frame without a CRC_B is a model error") {
    test::Reader r;
    r.field.add_card(resident("a"));
    r.field.set_field(true);
    r.field.add_frame_fault(FrameFault{1, FrameFaultKind::CrcError, FrameDirection::Command, 0});
    AirFrame two;
    two.bytes = {0x05, 0x00};
    CHECK_THROWS_WITH(r.field.transmit(two), Catch::Contains("no CRC_B"));
  }
}
