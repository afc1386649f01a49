// idr::Reader over a scripted transport: the legacy command sequence, strict reply checks,
// and a seeded fuzz of reply streams mutated from real replies (truncation at every
// length, bad CHK, wrong LEN, wrong length fields, unknown SW3, garbage, random bytes).
// Every call must give a defined Error or exactly the original card.
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "card_expect.h"
#include "idr/proto/hostlink.h"
#include "idr/reader.h"
#include "idr/testing/scripted_transport.h"

using namespace idr;
using testing::Bytes;
using testing::ScriptedTransport;
namespace hl = idr::hostlink;

namespace {

Bytes reply(uint8_t sw3, const Bytes& data = {}) {
  Bytes out(hl::kMaxReplyFrame);
  const size_t n = hl::build_reply(sw3, data.data(), data.size(), out.data(), out.size());
  REQUIRE(n != 0);
  out.resize(n);
  return out;
}
Bytes request(uint8_t cmd, uint8_t para) {
  Bytes out(64);
  out.resize(hl::build_request(cmd, para, nullptr, 0, out.data(), out.size()));
  return out;
}
void put_be16(Bytes& b, size_t at, size_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v & 0xFF);
}
// Recomputes CHK after a deliberate structural change (so only the structure is wrong).
void reseal(Bytes& f) {
  f.back() = hl::checksum(f.data() + hl::kPreambleSize, f.size() - hl::kPreambleSize - 1);
}

// The sample card of the fuzz: resident with fingerprint and two appended addresses.
sim::CardSpec sample_spec() {
  sim::CardSpec s = test::resident_spec();
  s.label = "fuzz";
  s.fingerprint_size = 1024;
  s.addresses = {"北京市海淀区中关村大街1号", "上海市徐汇区漕溪北路88号1202室"};
  return s;
}

struct Replies {
  Bytes select, base_fp, addresses;
};

// What the reader sends for read_card(kAll), built with the firmware's own codec
// (DESIGN 8: lengths big endian, then text, photo, fingerprint; addresses 70 B each).
Replies real_replies(const sim::CardSpec& spec) {
  const sim::CardImage img = sim::make_card_image(spec);
  Replies r;
  r.select = reply(0x90, Bytes(8, 0));
  Bytes d = {0x01, 0x00, 0x04, 0x00, 0x00, 0x00};
  put_be16(d, 4, img.fingerprint.size());
  d.insert(d.end(), img.text.begin(), img.text.end());
  d.insert(d.end(), img.photo.begin(), img.photo.end());
  d.insert(d.end(), img.fingerprint.begin(), img.fingerprint.end());
  r.base_fp = reply(0x90, d);
  Bytes a;
  for (const auto& e : img.addresses) a.insert(a.end(), e.begin(), e.end());
  r.addresses = reply(0x90, a);
  return r;
}

Result<CardData> read_with(std::deque<Bytes> script, size_t chunk, unsigned fields = kAll,
                           ScriptedTransport::Log* log = nullptr) {
  Reader reader = Reader::over(std::make_unique<ScriptedTransport>(std::move(script), chunk, log));
  return reader.read_card(fields);
}

bool defined_error(Error e) {
  return e != Error::Ok && std::string(message(e)) != "unknown error";
}

bool same_card(const CardData& a, const CardData& b) {
  return a.type == b.type && a.text_raw == b.text_raw && a.name == b.name && a.gender == b.gender &&
         a.birth == b.birth && a.id_number == b.id_number && a.validity.from == b.validity.from &&
         a.validity.to == b.validity.to && a.validity.long_term == b.validity.long_term &&
         a.ethnicity == b.ethnicity && a.address == b.address && a.authority == b.authority &&
         a.photo == b.photo && a.fingerprint == b.fingerprint &&
         a.appended_addresses == b.appended_addresses && a.fields_read == b.fields_read;
}

}  // namespace

TEST_CASE("hostlib reader: read_card(kAll) sends select, 30 10, 30 03 and decodes the card") {
  const sim::CardSpec spec = sample_spec();
  const Replies r = real_replies(spec);
  ScriptedTransport::Log log;
  auto card = read_with({r.select, r.base_fp, r.addresses}, 100, kAll, &log);
  REQUIRE(card.ok());
  test::check_card(*card, spec);
  // DESIGN 8 frames, byte for byte.
  REQUIRE(log.requests.size() == 3);
  CHECK(log.requests[0] == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21});
  CHECK(log.requests[1] == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x10, 0x23});
  CHECK(log.requests[2] == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x03, 0x30});
  CHECK(log.discards == 3);  // stale input dropped before every command
}

TEST_CASE("hostlib reader: read_card(kBase) uses 30 01 (1295 bytes) and reads no more") {
  const sim::CardSpec spec = sample_spec();
  const sim::CardImage img = sim::make_card_image(spec);
  Bytes d = {0x01, 0x00, 0x04, 0x00};
  d.insert(d.end(), img.text.begin(), img.text.end());
  d.insert(d.end(), img.photo.begin(), img.photo.end());
  const Bytes base = reply(0x90, d);
  REQUIRE(base.size() == 1295);  // DESIGN 8
  ScriptedTransport::Log log;
  auto card = read_with({reply(0x90, Bytes(8, 0)), base}, 7, kBase, &log);
  REQUIRE(card.ok());
  test::check_text_fields(*card, spec);
  CHECK(card->fingerprint.empty());
  CHECK(card->appended_addresses.empty());
  CHECK(card->fields_read == unsigned{kBase});
  REQUIRE(log.requests.size() == 2);
  CHECK(log.requests[1] == request(0x30, 0x01));
}

TEST_CASE("hostlib reader: replies the legacy protocol defines for absent parts") {
  const Replies r = real_replies(sample_spec());
  SECTION("select 81: no card") {
    CHECK(read_with({reply(0x81)}, 64).error() == Error::NoCard);
  }
  SECTION("30 03 answered 91: a card without appended address") {
    auto card = read_with({r.select, reply(0x91)}, 64, kAddresses);
    REQUIRE(card.ok());
    CHECK(card->appended_addresses.empty());
    CHECK(card->fields_read == unsigned{kAddresses});
  }
  SECTION("a read error SW3 is that error") {
    CHECK(read_with({r.select, reply(0x41)}, 64).error() == Error::Sw3ReadFailed);
    CHECK(read_with({r.select, reply(0x33)}, 64).error() == Error::Sw3InformationCheck);
  }
  SECTION("address slots padded with spaces are not addresses") {
    Bytes a(280, 0);
    const Bytes first(r.addresses.begin() + 10, r.addresses.begin() + 80);
    std::copy(first.begin(), first.end(), a.begin());
    for (size_t i = 70; i < 280; i += 2) a[i] = 0x20;
    auto card = read_with({r.select, reply(0x90, a)}, 64, kAddresses);
    REQUIRE(card.ok());
    REQUIRE(card->appended_addresses.size() == 1);
    CHECK(card->appended_addresses[0] == "北京市海淀区中关村大街1号");
  }
  SECTION("bad field selections") {
    CHECK(read_with({}, 64, 0).error() == Error::InvalidArgument);
    CHECK(read_with({}, 64, 0x10).error() == Error::InvalidArgument);
  }
}

TEST_CASE("hostlib reader: status, reset, SAM id and find parse strictly") {
  auto with = [](std::deque<Bytes> s) {
    return Reader::over(std::make_unique<ScriptedTransport>(std::move(s), 5));
  };
  CHECK(with({reply(0x90)}).status().ok());
  CHECK(with({reply(0x60)}).status().error() == Error::Sw3SelfTestFailed);
  CHECK(with({reply(0x90, {0x00})}).status().error() == Error::MalformedReply);  // OK is bare
  CHECK(with({reply(0x9F)}).status().error() == Error::MalformedReply);  // not a status answer
  CHECK(with({reply(0x90)}).reset().ok());
  CHECK(with({}).status().error() == Error::Timeout);

  // SAM id: u16 LE, u16 LE, u32 LE x3; SDT form %02d.%02d-%08u-%010u-%010u (DESIGN 8).
  const auto raw = sim::sam_id_from(5, 1, 20101126, 17612485, 112360513);  // little endian
  const Bytes id(raw.begin(), raw.end());
  auto sam = with({reply(0x90, id)}).sam_id();
  REQUIRE(sam.ok());
  CHECK(sam->text == "05.01-20101126-0017612485-0112360513");
  CHECK(Bytes(sam->raw.begin(), sam->raw.end()) == id);
  CHECK(with({reply(0x90, Bytes(15, 0))}).sam_id().error() == Error::MalformedReply);  // LEN 00 13
  CHECK(with({reply(0x90, Bytes(17, 0))}).sam_id().error() == Error::MalformedReply);

  auto found = with({reply(0x9F, Bytes(4, 0))}).find_card();
  REQUIRE(found.ok());
  CHECK(*found);
  auto none = with({reply(0x80)}).find_card();
  REQUIRE(none.ok());
  CHECK_FALSE(*none);
  CHECK(with({reply(0x9F)}).find_card().error() == Error::MalformedReply);
  CHECK(with({reply(0x90, Bytes(4, 0))}).find_card().error() == Error::MalformedReply);
  CHECK(with({reply(0x66)}).find_card().error() == Error::Sw3SamNotAuthorized);
}

TEST_CASE("hostlib reader: SW1 SW2 other than 00 00, and a stale frame before the reply") {
  Bytes f = reply(0x90);
  f[7] = 0x01;  // SW1
  reseal(f);
  CHECK(Reader::over(std::make_unique<ScriptedTransport>(std::deque<Bytes>{f}, 64))
            .status()
            .error() == Error::MalformedReply);

  // Input waiting before the command (a late reply) is discarded, not taken as the answer.
  auto t = std::make_unique<ScriptedTransport>(std::deque<Bytes>{reply(0x90)}, 64);
  t->inject(reply(0x60));
  CHECK(Reader::over(std::move(t)).status().ok());
}

TEST_CASE("hostlib reader: cancel makes every later call Cancelled until reset_cancel") {
  Reader reader = Reader::over(
      std::make_unique<ScriptedTransport>(std::deque<Bytes>{reply(0x90), reply(0x90)}, 64));
  reader.cancel();
  CHECK(reader.status().error() == Error::Cancelled);
  CHECK(reader.wait_for_card(std::chrono::seconds(10)).error() == Error::Cancelled);
  reader.reset_cancel();
  CHECK(reader.status().ok());
}

TEST_CASE("hostlib reader: wait_for_card polls find until a card is there, then reads it") {
  const sim::CardSpec spec = sample_spec();
  const Replies r = real_replies(spec);
  ScriptedTransport::Log log;
  ReaderOptions opt;
  opt.poll_interval = std::chrono::milliseconds(1);
  Reader reader =
      Reader::over(std::make_unique<ScriptedTransport>(
                       std::deque<Bytes>{reply(0x80), reply(0x80), reply(0x9F, Bytes(4, 0)),
                                         r.select, r.base_fp, r.addresses},
                       300, &log),
                   opt);
  auto card = reader.wait_for_card(std::chrono::seconds(10), kAll);
  REQUIRE(card.ok());
  test::check_card(*card, spec);
  CHECK(log.requests.size() == 6);

  // No card for the whole timeout: Timeout (find answers 80 every time).
  std::deque<Bytes> eighty(1000, reply(0x80));
  Reader empty = Reader::over(std::make_unique<ScriptedTransport>(eighty, 64), opt);
  CHECK(empty.wait_for_card(std::chrono::milliseconds(20)).error() == Error::Timeout);
}

TEST_CASE("hostlib fuzz: mutated reply streams give a defined error or the original card") {
  const sim::CardSpec spec = sample_spec();
  const Replies good = real_replies(spec);
  auto original = read_with({good.select, good.base_fp, good.addresses}, 4096);
  REQUIRE(original.ok());

  std::mt19937_64 rng(20240601);  // seeded: the same cases every run
  size_t cases = 0, errors = 0, cards = 0;
  auto run = [&](const Bytes& sel, const Bytes& base, const Bytes& addr) {
    const size_t chunk = 1 + rng() % 600;
    auto r = read_with({sel, base, addr}, chunk);
    ++cases;
    if (r.ok()) {
      ++cards;
      REQUIRE(same_card(*r, *original));
    } else {
      ++errors;
      REQUIRE(defined_error(r.error()));
    }
  };
  // Mutates one of the three replies, leaving the others real.
  auto mutate_each = [&](auto&& f) {
    for (int which = 0; which < 3; ++which) {
      Bytes sel = good.select, base = good.base_fp, addr = good.addresses;
      Bytes& m = which == 0 ? sel : which == 1 ? base : addr;
      if (f(m)) run(sel, base, addr);
    }
  };

  // Truncation at every length.
  for (const Bytes* full : {&good.select, &good.base_fp, &good.addresses}) {
    for (size_t len = 0; len < full->size(); len += (full->size() > 500 ? 3 : 1)) {
      Bytes cut(full->begin(), full->begin() + static_cast<long>(len));
      if (full == &good.select) run(cut, good.base_fp, good.addresses);
      if (full == &good.base_fp) run(good.select, cut, good.addresses);
      if (full == &good.addresses) run(good.select, good.base_fp, cut);
      CHECK_FALSE(read_with({full == &good.select ? cut : good.select,
                             full == &good.base_fp ? cut : good.base_fp,
                             full == &good.addresses ? cut : good.addresses},
                            64)
                      .ok());
    }
  }
  // Any single byte changed (CHK kept): XOR CHK catches it, or the parser never sees a frame.
  for (int i = 0; i < 1500; ++i) {
    mutate_each([&](Bytes& m) {
      m[rng() % m.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      return true;
    });
  }
  // Bad CHK.
  mutate_each([&](Bytes& m) {
    m.back() ^= 0x5A;
    return true;
  });
  // Wrong LEN (CHK recomputed): frames too short or too long for their content.
  for (int delta : {-300, -70, -2, -1, 1, 2, 70, 1000}) {
    mutate_each([&](Bytes& m) {
      const long len = (m[5] << 8 | m[6]) + delta;
      if (len < 0 || len > 0xFFFF) return false;
      put_be16(m, 5, static_cast<size_t>(len));
      reseal(m);
      return true;
    });
  }
  // Wrong length fields in 30 10 (CHK recomputed): text, photo, fingerprint lengths.
  for (size_t field : {10u, 12u, 14u}) {
    for (size_t v : {0x0000u, 0x00FFu, 0x0101u, 0x0200u, 0x03FFu, 0x0401u, 0x0800u, 0xFFFFu}) {
      Bytes base = good.base_fp;
      put_be16(base, field, v);
      reseal(base);
      run(good.select, base, good.addresses);
      CHECK_FALSE(read_with({good.select, base, good.addresses}, 512).ok());
    }
  }
  // Every SW3 that is not success, in a bare frame: that error (never Ok).
  for (int sw3 = 0; sw3 < 256; ++sw3) {
    if (sw3 == 0x90) continue;
    const Bytes bare = reply(static_cast<uint8_t>(sw3));
    for (int which = 0; which < 3; ++which) {
      auto r = read_with({which == 0 ? bare : good.select, which == 1 ? bare : good.base_fp,
                          which == 2 ? bare : good.addresses},
                         64);
      ++cases;
      if (which == 2 && sw3 == 0x91) {
        REQUIRE(r.ok());  // no appended address: the card without them
        CHECK(r->appended_addresses.empty());
        continue;
      }
      REQUIRE_FALSE(r.ok());
      REQUIRE(defined_error(r.error()));
      if (which == 0 && sw3 == 0x81)
        CHECK(r.error() == Error::NoCard);
      else if (sw3 != 0x9F)
        CHECK(r.error() == error_from_sw3(static_cast<uint8_t>(sw3)));
    }
  }
  // Garbage before the reply: skipped by the frame hunt; the card is still exact.
  for (int i = 0; i < 200; ++i) {
    mutate_each([&](Bytes& m) {
      Bytes junk(rng() % 40);
      for (auto& b : junk) b = static_cast<uint8_t>(rng() % 2 ? 0xAA : rng());
      m.insert(m.begin(), junk.begin(), junk.end());
      return true;
    });
  }
  // Random streams instead of a reply.
  for (int i = 0; i < 500; ++i) {
    mutate_each([&](Bytes& m) {
      Bytes noise(rng() % 3000);
      for (auto& b : noise) b = static_cast<uint8_t>(rng());
      if (rng() % 2 && noise.size() > 7) std::memcpy(noise.data(), hl::kPreamble, 5);
      m = noise;
      return true;
    });
  }
  CHECK(cases > 3000);
  CHECK(errors > 0);
  CHECK(cards > 0);  // the garbage-prefix cases still read the exact card
}
