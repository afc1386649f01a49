// Seeded fuzz-style test of the legacy server: random and mutated byte streams with random
// fragmentation and gaps, random reader outcomes. Asserts: serve_once always returns, every
// reply is one well-formed legacy frame, and a good frame after a quiet line always works.
#include <catch2/catch.hpp>

#include <random>

#include "hostlink_fakes.h"
#include "idr/core/hostlink/legacy_server.h"
#include "idr/proto/hostlink.h"

using idr::Status;
using idr::test::Bytes;
using idr::test::frame_of;
namespace hl = idr::hostlink;

namespace {

const std::vector<Bytes>& legacy_bodies() {
  static const std::vector<Bytes> bodies = {
      {0x10, 0xFF},       {0x11, 0xFF},       {0x12, 0xFF}, {0x20, 0x01}, {0x20, 0x02},
      {0x30, 0x01},       {0x30, 0x03},       {0x30, 0x10}, {0x60, 0x00}, {0x60, 0x04},
      {0x61, 0xFF, 0x50}, {0xE0, 0x01, 0x02}, {0x99, 0x99}};
  return bodies;
}

Status random_status(std::mt19937& rng) {
  static const Status pool[] = {Status::Ok,
                                Status::Ok,
                                Status::Ok,
                                Status::NoCard,
                                Status::Collision,
                                Status::Timeout,
                                Status::CardRemoved,
                                Status::CardAuthFailed,
                                Status::SamAuthFailed,
                                Status::DataCheckFailed,
                                Status::NoSuchContent,
                                Status::SamError};
  return pool[std::uniform_int_distribution<size_t>(0, std::size(pool) - 1)(rng)];
}

// One piece of the stream: garbage, a good frame, or a damaged frame.
Bytes random_piece(std::mt19937& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto byte = [&] { return static_cast<uint8_t>(pick(256)); };
  Bytes f = frame_of(legacy_bodies()[pick(legacy_bodies().size())]);
  switch (pick(8)) {
    case 0: {  // garbage, sometimes rich in preamble bytes
      Bytes g(pick(64));
      const uint8_t alphabet[] = {0xAA, 0x96, 0x69, 0x00, 0x03};
      for (auto& b : g) b = pick(2) ? byte() : alphabet[pick(5)];
      return g;
    }
    case 1:  // flip one byte
      f[pick(f.size())] ^= static_cast<uint8_t>(1 + pick(255));
      return f;
    case 2:  // truncate
      f.resize(pick(f.size()));
      return f;
    case 3:  // insert a byte
      f.insert(f.begin() + static_cast<long>(pick(f.size() + 1)), byte());
      return f;
    case 4: {  // random LEN, possibly huge
      f[5] = byte();
      f[6] = byte();
      return f;
    }
    case 5:  // delete a byte
      f.erase(f.begin() + static_cast<long>(pick(f.size())));
      return f;
    default:
      return f;
  }
}

// Every reply must be exactly one well-formed legacy reply frame.
void check_reply(const Bytes& reply) {
  hl::ReplyParser parser;
  hl::ParseEvent ev = hl::ParseEvent::kNone;
  const size_t used = parser.push(reply.data(), reply.size(), ev);
  REQUIRE(ev == hl::ParseEvent::kFrame);
  REQUIRE(used == reply.size());
  REQUIRE(reply[0] == 0xAA);  // nothing before the preamble
  const hl::Reply r = parser.reply();
  REQUIRE(r.sw1 == 0x00);
  REQUIRE(r.sw2 == 0x00);
  static const std::vector<uint8_t> known = {0x90, 0x91, 0x9F, 0x10, 0x11, 0x21, 0x31,
                                             0x32, 0x33, 0x41, 0x60, 0x80, 0x81};
  REQUIRE(std::find(known.begin(), known.end(), r.sw3) != known.end());
  if (r.sw3 != 0x90 && r.sw3 != 0x9F) REQUIRE(reply.size() == hl::kStatusReplySize);
  REQUIRE(hl::legacy_len_ok(reply.size()));
}

}  // namespace

TEST_CASE("fuzz: random and mutated streams never crash, hang or garble a reply",
          "[legacy][fuzz]") {
  constexpr int kRuns = 3000;
  std::mt19937 rng(0x1D5EED);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  size_t total_replies = 0;

  for (int run = 0; run < kRuns; ++run) {
    INFO("run " << run);
    idr::test::FakeClock clock;
    idr::test::FakeHostLink link{clock};
    idr::test::FakeReader reader;
    idr::core::LegacyServer server{link, clock, reader};
    reader.sam_reset_status = random_status(rng);
    reader.sam_self_test_status = random_status(rng);
    reader.find_status = random_status(rng);
    reader.select_status = random_status(rng);
    reader.read_base_status = random_status(rng);
    reader.fingerprint_status = random_status(rng);
    reader.fingerprint_len = std::vector<size_t>{0, 512, 1024, 7}[pick(4)];
    reader.addresses_status = random_status(rng);
    reader.address_entries = pick(5);
    link.max_per_read = 1 + pick(300);

    size_t preambles = 0;
    const size_t pieces = 1 + pick(12);
    for (size_t i = 0; i < pieces; ++i) {
      const Bytes piece = random_piece(rng);
      for (size_t k = 0; k + 5 <= piece.size(); ++k)
        if (piece[k] == 0xAA && piece[k + 1] == 0xAA && piece[k + 2] == 0xAA &&
            piece[k + 3] == 0x96 && piece[k + 4] == 0x69)
          ++preambles;
      // Gaps: none, short, or longer than the inter-byte timeout.
      const uint64_t gap = std::vector<uint64_t>{0, 0, 1'000, 30'000, 60'000, 400'000}[pick(6)];
      link.send_after(gap, piece);
    }

    // Serve until the host has nothing left and the line stays quiet; bounded.
    int calls = 0;
    for (; calls < 200; ++calls) {
      const Status s = server.serve_once(100'000);
      REQUIRE((s == Status::Ok || s == Status::Timeout));
      if (s == Status::Timeout && link.drained()) break;
    }
    REQUIRE(calls < 200);
    // One reply at most per recognisable frame start (pieces may join into extra preambles
    // only across piece borders, counted generously).
    REQUIRE(link.writes.size() <= preambles + pieces);
    for (const auto& w : link.writes) check_reply(w.bytes);

    // After a quiet line (the last serve_once timed out: more than the inter-byte timeout),
    // a good frame always gets its own, correct reply.
    reader.sam_self_test_status = Status::Ok;
    const size_t before = link.writes.size();
    link.send_after(100'000, frame_of({0x11, 0xFF}));
    REQUIRE(server.serve_once(1'000'000) == Status::Ok);
    REQUIRE(link.writes.size() == before + 1);
    REQUIRE(link.writes.back().bytes == idr::test::bare_reply(0x90));
    total_replies += link.writes.size();
  }
  CHECK(total_replies > static_cast<size_t>(kRuns));  // the fuzz did exercise replies
}
