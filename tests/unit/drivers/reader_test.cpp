// Reader state machine (Rc663IdCardReader) against fake cards in a fake field and a fake
// SAM. Frame bytes are from ISO/IEC 14443-3:2001 clause 7 and DESIGN 6.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "fake_card_field.h"
#include "idr/core/rc663_id_card_reader.h"

using idr::Status;
using idr::core::Rc663IdCardReader;
using idr::test::Bytes;
using idr::test::FakeField;
using idr::test::FakeIdCard;
using idr::test::FakeSam;
namespace card = idr::card;
namespace typeb = idr::core::typeb;

namespace {

struct Rig {
  FakeField field;
  FakeSam sam;
  Rc663IdCardReader reader{field, sam, field};
};

const Bytes kReqb1 = {0x05, 0x00, 0x00};

size_t count_frames(const FakeField& f, const Bytes& prefix) {
  return static_cast<size_t>(std::count_if(f.sent.begin(), f.sent.end(), [&](const Bytes& s) {
    return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin());
  }));
}

std::vector<Bytes> reads_sent(const FakeField& f) {
  std::vector<Bytes> r;
  for (const auto& s : f.sent)
    if (s.size() == 5 && s[0] == 0x80 && s[1] == 0xB0) r.push_back(s);
  return r;
}

void find_and_select(Rig& r, Bytes* uid_out = nullptr) {
  REQUIRE(r.reader.find_card() == Status::Ok);
  uint8_t uid[8] = {};
  REQUIRE(r.reader.select_card(uid) == Status::Ok);
  if (uid_out) uid_out->assign(uid, uid + 8);
}

}  // namespace

TEST_CASE("Type B helpers: FWT, REQB PARAM, Slot-MARKER, ATTRIB, ATQB", "[reader]") {
  // 7.9.4.3: FWT = (256 * 16 / fc) * 2^FWI, fc = 13.56 MHz; FWI 0 ~302 us, 14 ~4949 ms.
  for (uint8_t fwi = 0; fwi <= 14; ++fwi) {
    const double exact = 256.0 * 16.0 / 13.56e6 * std::pow(2.0, fwi) * 1e6;
    CHECK(typeb::fwt_us(fwi) >= exact);
    CHECK(typeb::fwt_us(fwi) < exact + 1.0);
  }
  CHECK(typeb::fwt_us(15) == typeb::fwt_us(14));  // 15 is RFU
  uint8_t f[3];
  // Table 13: N 1, 2, 4, 8, 16 -> 0..4.
  const std::pair<uint8_t, uint8_t> codes[] = {{1, 0}, {2, 1}, {4, 2}, {8, 3}, {16, 4}};
  for (auto [n, code] : codes) {
    REQUIRE(typeb::reqb(n, f) == Status::Ok);
    CHECK(Bytes(f, f + 3) == Bytes{0x05, 0x00, code});
  }
  CHECK(typeb::reqb(3, f) == Status::InvalidArgument);
  uint8_t apn = 0;
  REQUIRE(typeb::slot_marker(2, apn) == Status::Ok);
  CHECK(apn == 0x15);  // Table 14: nnnn 0001 = slot 2
  REQUIRE(typeb::slot_marker(16, apn) == Status::Ok);
  CHECK(apn == 0xF5);
  CHECK(typeb::slot_marker(1, apn) == Status::InvalidArgument);
  uint8_t a[9];
  typeb::attrib({0, 0, 0, 0}, a);
  CHECK(Bytes(a, a + 9) == Bytes{0x1D, 0, 0, 0, 0, 0x00, 0x08, 0x01, 0x08});  // DESIGN 6
  const Bytes atqb = {0x50, 1, 2, 3, 4, 0, 0, 0, 0, 0x00, 0x80, 0x80};        // DESIGN 6 ATQB
  typeb::Atqb p;
  REQUIRE(typeb::parse_atqb(atqb.data(), atqb.size(), p) == Status::Ok);
  CHECK(p.fwi == 8);
  CHECK(p.max_frame == 256);
  CHECK(p.protocol_type == 0);
  CHECK(p.pupi[3] == 4);
  Bytes bad = atqb;
  bad[0] = 0x51;
  CHECK(typeb::parse_atqb(bad.data(), bad.size(), p) == Status::Protocol);
  CHECK(typeb::parse_atqb(atqb.data(), 11, p) == Status::Protocol);
}

TEST_CASE("init brings up the front end, resets the SAM and raises its baud", "[reader]") {
  Rig r;
  REQUIRE(r.reader.init() == Status::Ok);
  CHECK(r.field.inits == 1);
  CHECK(r.sam.resets == 1);
  CHECK(r.sam.bauds == std::vector<uint32_t>{921600});
  SECTION("a refused baud change is not fatal") {
    r.sam.baud_status = Status::SamError;
    CHECK(r.reader.init() == Status::Ok);
  }
}

TEST_CASE("find: field on, guard time, then REQB 05 00 00", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(1);
  SECTION("no card") {
    CHECK(r.reader.find_card() == Status::NoCard);
    CHECK(r.field.sent == std::vector<Bytes>{kReqb1});
  }
  SECTION("one card") {
    r.field.cards.push_back(&c);
    REQUIRE(r.reader.find_card() == Status::Ok);
    CHECK(r.field.sent == std::vector<Bytes>{kReqb1});
    CHECK(r.reader.state() == Rc663IdCardReader::State::Found);
    CHECK(r.reader.atqb().fwi == 8);
  }
  REQUIRE(r.field.field_log.size() == 1);
  CHECK(r.field.field_log[0].first);
  // ISO/IEC 14443-3 clause 5: 5 ms of unmodulated field before the first request.
  CHECK(r.field.sent_at[0] - r.field.field_log[0].second >= 5000);
}

TEST_CASE("select: ATTRIB with the card's PUPI, then GET UID", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(7);
  r.field.cards.push_back(&c);
  Bytes uid;
  find_and_select(r, &uid);
  CHECK(uid == c.uid);
  REQUIRE(r.field.sent.size() == 3);
  CHECK(r.field.sent[1] == Bytes{0x1D, 0, 0, 0, 0, 0x00, 0x08, 0x01, 0x08});
  CHECK(r.field.sent[2] == Bytes{0x00, 0x36, 0x00, 0x00, 0x08});
  // FWT from the ATQB's FWI 8.
  CHECK(r.field.fwts[1] == typeb::fwt_us(8));
  CHECK(r.reader.state() == Rc663IdCardReader::State::Selected);
  uint8_t again[8];
  CHECK(r.reader.select_card(again) == Status::NoCard);  // selecting needs a fresh find
}

TEST_CASE("read_base: SELECT 60 01, SAM authentication, READ in 0xE6 chunks, issuer MACs",
          "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(3);
  r.field.cards.push_back(&c);
  find_and_select(r);
  Bytes text(card::kTextSize), photo(card::kPhotoSize);
  REQUIRE(r.reader.read_base(text.data(), photo.data()) == Status::Ok);
  const Bytes& base = c.files[card::kFileBase];
  CHECK(text == Bytes(base.begin(), base.begin() + 256));
  CHECK(photo == Bytes(base.begin() + 256, base.end()));
  CHECK(count_frames(r.field, {0x00, 0xA4, 0x00, 0x00, 0x02, 0x60, 0x01}) == 1);
  CHECK(count_frames(r.field, {0x00, 0x88}) == 1);  // authenticated once
  CHECK(count_frames(r.field, {0x00, 0x84}) == 1);
  CHECK(count_frames(r.field, {0x00, 0x82}) == 1);
  const auto reads = reads_sent(r.field);
  // 1280 bytes: 5 x 0xE6 + 0x82, then the 32-byte security file.
  const std::vector<Bytes> expected = {
      {0x80, 0xB0, 0x00, 0x00, 0xE6}, {0x80, 0xB0, 0x00, 0xE6, 0xE6},
      {0x80, 0xB0, 0x01, 0xCC, 0xE6}, {0x80, 0xB0, 0x02, 0xB2, 0xE6},
      {0x80, 0xB0, 0x03, 0x98, 0xE6}, {0x80, 0xB0, 0x04, 0x7E, 0x82},
      {0x80, 0xB0, 0x00, 0x00, 0x20}};
  CHECK(reads == expected);
  CHECK(count_frames(r.field, {0x00, 0xA4, 0x00, 0x00, 0x02, 0x60, 0x04}) == 1);
  CHECK(r.sam.unwraps.back() == std::make_pair(uint8_t{4}, uint16_t{0}));
  CHECK(r.sam.unwraps[1] == std::make_pair(uint8_t{1}, uint16_t{0xE6}));
  for (uint32_t fwt : r.field.fwts) CHECK(fwt >= typeb::fwt_us(Rc663IdCardReader::kAtqbFwi));

  SECTION("the card stays ACTIVE: REQB finds nothing until it leaves and comes back") {
    CHECK(r.reader.find_card() == Status::NoCard);
    r.field.remove(c);
    CHECK(r.reader.find_card() == Status::NoCard);
    r.field.place(c);
    CHECK(r.reader.find_card() == Status::Ok);
  }
  SECTION("fingerprint after base") {
    Bytes fp(card::kFingerprintSize);
    size_t n = 0;
    REQUIRE(r.reader.read_fingerprint(fp.data(), n) == Status::Ok);
    CHECK(n == card::kFingerprintSize);
    CHECK(fp == c.files[card::kFileFingerprint]);
    CHECK(count_frames(r.field, {0x00, 0x88}) == 1);  // still the same authentication
  }
}

TEST_CASE("Tampered card data is caught by the SAM's issuer MAC check", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(4);
  c.files[card::kFileBase][10] ^= 0x01;  // data changed after the issuer sealed it
  r.field.cards.push_back(&c);
  find_and_select(r);
  Bytes text(card::kTextSize), photo(card::kPhotoSize);
  // The SAM's verdict, not a transfer fault: the bytes are in the buffers, the card stays
  // selected (a signed read goes on and signs sam_ok false; id_card_reader.h).
  CHECK(r.reader.read_base(text.data(), photo.data()) == Status::DataCheckFailed);
  CHECK(r.reader.issuer_macs_rejected());
  CHECK(text[10] == c.files[card::kFileBase][10]);
  CHECK(r.reader.state() == Rc663IdCardReader::State::Selected);
  CHECK(r.field.on);
}

TEST_CASE("Fingerprint: absent, one template, ordering rule", "[reader]") {
  Rig r;
  SECTION("no fingerprint file (6A 82) -> fp_len 0") {
    auto c = FakeIdCard::make(5, /*with_fp=*/false);
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes text(256), photo(1024), fp(1024);
    REQUIRE(r.reader.read_base(text.data(), photo.data()) == Status::Ok);
    size_t n = 99;
    CHECK(r.reader.read_fingerprint(fp.data(), n) == Status::Ok);
    CHECK(n == 0);
  }
  SECTION("second template all zero -> 512") {
    auto c = FakeIdCard::make(6);
    auto& fpf = c.files[card::kFileFingerprint];
    std::fill(fpf.begin() + 512, fpf.end(), 0);
    c.reseal();
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes text(256), photo(1024), fp(1024);
    REQUIRE(r.reader.read_base(text.data(), photo.data()) == Status::Ok);
    size_t n = 0;
    REQUIRE(r.reader.read_fingerprint(fp.data(), n) == Status::Ok);
    CHECK(n == 512);
    CHECK(Bytes(fp.begin(), fp.begin() + 512) == Bytes(fpf.begin(), fpf.begin() + 512));
  }
  SECTION("before read_base it is refused") {
    auto c = FakeIdCard::make(6);
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes fp(1024);
    size_t n = 0;
    CHECK(r.reader.read_fingerprint(fp.data(), n) == Status::InvalidArgument);
  }
}

TEST_CASE("select_card fetches the SAM's id for the selection", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(16);
  r.field.cards.push_back(&c);
  uint8_t id[16] = {};
  CHECK(r.reader.selection_sam_id(id) == Status::NoCard);  // no selection yet
  find_and_select(r);
  REQUIRE(r.reader.selection_sam_id(id) == Status::Ok);
  for (uint8_t i = 0; i < 16; ++i) CHECK(id[i] == i);  // FakeSam's id
  r.reader.field_off();
  CHECK(r.reader.selection_sam_id(id) == Status::NoCard);  // gone with the selection
}

// read_base_fingerprint of `c` (put in the field, found and selected) into buffers of the
// card's sizes; fp_len starts at `fp_len`.
struct BaseFingerprintRead {
  Bytes text = Bytes(card::kTextSize), photo = Bytes(card::kPhotoSize),
        fp = Bytes(card::kFingerprintSize);
  size_t fp_len = 0;
  Status status = Status::Ok;
};
BaseFingerprintRead read_base_fingerprint(Rig& r, FakeIdCard& c, size_t fp_len = 0) {
  r.field.cards.push_back(&c);
  find_and_select(r);
  BaseFingerprintRead out;
  out.fp_len = fp_len;
  out.status =
      r.reader.read_base_fingerprint(out.text.data(), out.photo.data(), out.fp.data(), out.fp_len);
  return out;
}

TEST_CASE("read_base_fingerprint: both files, then the security file once (DESIGN 9)", "[reader]") {
  Rig r;
  SECTION("SELECT 01, 02, 04 once each; the SAM unwraps 01, 02, then 04 last") {
    auto c = FakeIdCard::make(11);
    const auto read = read_base_fingerprint(r, c);
    REQUIRE(read.status == Status::Ok);
    const Bytes &text = read.text, &photo = read.photo, &fp = read.fp;
    const size_t n = read.fp_len;
    const Bytes& base = c.files[card::kFileBase];
    CHECK(text == Bytes(base.begin(), base.begin() + 256));
    CHECK(photo == Bytes(base.begin() + 256, base.end()));
    CHECK(n == card::kFingerprintSize);
    CHECK(fp == c.files[card::kFileFingerprint]);
    for (uint8_t f : {card::kFileBase, card::kFileFingerprint, card::kFileSecurity})
      CHECK(count_frames(r.field, {0x00, 0xA4, 0x00, 0x00, 0x02, 0x60, f}) == 1);
    CHECK(count_frames(r.field, {0x00, 0x88}) == 1);
    CHECK(reads_sent(r.field).size() == 6 + 5 + 1);
    // 6 base chunks, 5 fingerprint chunks, the security file: every data chunk reached the
    // SAM before the check, and the check once, last.
    REQUIRE(r.sam.unwraps.size() == 12);
    for (size_t i = 0; i < 6; ++i) CHECK(r.sam.unwraps[i].first == card::kFileBase);
    for (size_t i = 6; i < 11; ++i) CHECK(r.sam.unwraps[i].first == card::kFileFingerprint);
    CHECK(r.sam.unwraps[11] == std::make_pair(uint8_t{4}, uint16_t{0}));
    CHECK_FALSE(r.reader.issuer_macs_rejected());
  }
  SECTION("a tampered base is the SAM's verdict after both files; the bytes are there") {
    auto c = FakeIdCard::make(12);
    c.files[card::kFileBase][300] ^= 0x80;
    const auto read = read_base_fingerprint(r, c);
    CHECK(read.status == Status::DataCheckFailed);
    CHECK(r.reader.issuer_macs_rejected());
    CHECK(read.photo[300 - 256] == c.files[card::kFileBase][300]);
    CHECK(read.fp_len == card::kFingerprintSize);
    CHECK(read.fp == c.files[card::kFileFingerprint]);
    CHECK(r.reader.state() == Rc663IdCardReader::State::Selected);
  }
  SECTION("a tampered fingerprint: the same verdict") {
    auto c = FakeIdCard::make(13);
    c.files[card::kFileFingerprint][1000] ^= 0x01;
    CHECK(read_base_fingerprint(r, c).status == Status::DataCheckFailed);
    CHECK(r.reader.issuer_macs_rejected());
  }
  SECTION("no fingerprint file: fp_len 0, the base still checked") {
    auto c = FakeIdCard::make(14, /*with_fp=*/false);
    c.files[card::kFileBase][5] ^= 0x10;
    const auto read = read_base_fingerprint(r, c, 99);
    CHECK(read.status == Status::DataCheckFailed);
    CHECK(r.reader.issuer_macs_rejected());
    CHECK(read.fp_len == 0);
    CHECK(r.sam.unwraps.back() == std::make_pair(uint8_t{4}, uint16_t{0}));
  }
  SECTION("a card that leaves during the fingerprint: a failure, not a verdict") {
    auto c = FakeIdCard::make(15);
    r.field.cards.push_back(&c);
    find_and_select(r);
    const size_t frames_so_far = r.field.sent.size();
    // SELECT 01, 3 authentication frames, 6 base READs, SELECT 02, then fingerprint READs.
    r.field.before_frame = [&](size_t i) {
      if (i == frames_so_far + 13) r.field.remove(c);
    };
    Bytes text(256), photo(1024), fp(1024);
    size_t n = 0;
    CHECK(r.reader.read_base_fingerprint(text.data(), photo.data(), fp.data(), n) ==
          Status::CardRemoved);
    CHECK_FALSE(r.reader.issuer_macs_rejected());
    CHECK(r.reader.state() == Rc663IdCardReader::State::Idle);
    CHECK(count_frames(r.field, {0x00, 0xA4, 0x00, 0x00, 0x02, 0x60, 0x04}) == 0);
  }
}

TEST_CASE("Addresses: non-empty 70-byte entries packed in order", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(8);
  auto& addr = c.files[card::kFileAddress];
  SECTION("entries 0 and 2") {
    std::fill(addr.begin(), addr.begin() + 70, 0x41);
    std::fill(addr.begin() + 140, addr.begin() + 210, 0x42);
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes buf(card::kAddressFileSize);
    size_t n = 0;
    REQUIRE(r.reader.read_addresses(buf.data(), n) == Status::Ok);
    CHECK(n == 140);
    CHECK(Bytes(buf.begin(), buf.begin() + 70) == Bytes(70, 0x41));
    CHECK(Bytes(buf.begin() + 70, buf.begin() + 140) == Bytes(70, 0x42));
    const std::vector<Bytes> expected = {{0x80, 0xB0, 0x00, 0x00, 0xE6},
                                         {0x80, 0xB0, 0x00, 0xE6, 0x32}};
    CHECK(reads_sent(r.field) == expected);
    CHECK(r.reader.state() == Rc663IdCardReader::State::Selected);
  }
  SECTION("all entries empty") {
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes buf(card::kAddressFileSize);
    size_t n = 0;
    CHECK(r.reader.read_addresses(buf.data(), n) == Status::NoSuchContent);
    CHECK(n == 0);
  }
  SECTION("no address file") {
    c.files.erase(card::kFileAddress);
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes buf(card::kAddressFileSize);
    size_t n = 0;
    CHECK(r.reader.read_addresses(buf.data(), n) == Status::NoSuchContent);
    CHECK(r.reader.state() == Rc663IdCardReader::State::Selected);  // nothing went wrong
  }
}

TEST_CASE("Card removed mid-read: CardRemoved, selection dropped, field reset", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(9);
  r.field.cards.push_back(&c);
  find_and_select(r);
  const size_t frames_so_far = r.field.sent.size();
  r.field.before_frame = [&](size_t i) {
    if (i == frames_so_far + 6) r.field.remove(c);  // during the READ chunks
  };
  Bytes text(256), photo(1024);
  CHECK(r.reader.read_base(text.data(), photo.data()) == Status::CardRemoved);
  CHECK(r.reader.state() == Rc663IdCardReader::State::Idle);
  CHECK_FALSE(r.field.on);
  CHECK(r.reader.find_card() == Status::NoCard);
  r.field.before_frame = nullptr;
  r.field.place(c);
  CHECK(r.reader.find_card() == Status::Ok);
  uint8_t uid[8];
  CHECK(r.reader.select_card(uid) == Status::Ok);
  CHECK(r.reader.read_base(text.data(), photo.data()) == Status::Ok);
}

TEST_CASE("A lost or corrupted card answer is retried", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(10);
  r.field.cards.push_back(&c);
  find_and_select(r);
  const size_t before = reads_sent(r.field).size();
  const bool lost = GENERATE(true, false);  // lost on the air, or arrives corrupted
  r.field.before_frame = [&](size_t) {
    if (reads_sent(r.field).size() == before + 2) {
      (lost ? r.field.drop_replies : r.field.garble_replies) = 1;
      r.field.before_frame = nullptr;
    }
  };
  Bytes text(256), photo(1024);
  REQUIRE(r.reader.read_base(text.data(), photo.data()) == Status::Ok);
  CHECK(text == Bytes(c.files[card::kFileBase].begin(), c.files[card::kFileBase].begin() + 256));
  CHECK(reads_sent(r.field).size() == 8);  // 7 READs + 1 repeat
}

TEST_CASE("Two ID cards (PUPI 0) superpose into one ATQB: select reports Collision", "[reader]") {
  Rig r;
  auto a = FakeIdCard::make(11);
  auto b = FakeIdCard::make(12);
  r.field.cards = {&a, &b};
  REQUIRE(r.reader.find_card() == Status::Ok);  // identical ATQBs look like one card
  uint8_t uid[8] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
  CHECK(r.reader.select_card(uid) == Status::Collision);
  CHECK(Bytes(uid, uid + 8) == Bytes(8, 0xEE));  // never a mix of two cards
  CHECK(r.reader.state() == Rc663IdCardReader::State::Idle);
  Bytes text(256), photo(1024);
  CHECK(r.reader.read_base(text.data(), photo.data()) == Status::NoCard);
}

TEST_CASE("Two ID cards in different slots: same PUPI twice is a Collision", "[reader]") {
  Rig r;
  auto a = FakeIdCard::make(11);
  auto b = FakeIdCard::make(12);
  b.files[card::kFileBase][0] ^= 0xFF;
  a.choose_slot = [](uint8_t) { return uint8_t{1}; };
  b.choose_slot = [](uint8_t) { return uint8_t{2}; };
  r.field.cards = {&a, &b};
  r.field.garble_replies = 1;  // the first REQB (N = 1) collides
  CHECK(r.reader.find_card() == Status::Collision);
}

TEST_CASE("Cards with different PUPIs are separated by slots (REQB N=2 + Slot-MARKER)",
          "[reader]") {
  Rig r;
  auto a = FakeIdCard::make(21);
  auto b = FakeIdCard::make(22);
  a.pupi = {1, 1, 1, 1};
  b.pupi = {2, 2, 2, 2};
  a.choose_slot = [](uint8_t) { return uint8_t{2}; };
  b.choose_slot = [](uint8_t) { return uint8_t{1}; };
  r.field.cards = {&a, &b};
  REQUIRE(r.reader.find_card() == Status::Ok);
  REQUIRE(r.field.sent.size() == 3);
  CHECK(r.field.sent[0] == kReqb1);
  CHECK(r.field.sent[1] == Bytes{0x05, 0x00, 0x01});  // N = 2
  CHECK(r.field.sent[2] == Bytes{0x15});              // Slot-MARKER, slot 2
  uint8_t uid[8];
  REQUIRE(r.reader.select_card(uid) == Status::Ok);
  CHECK(Bytes(uid, uid + 8) == b.uid);  // the card of the first clean slot
  CHECK(r.field.sent[3] == Bytes{0x1D, 2, 2, 2, 2, 0x00, 0x08, 0x01, 0x08});
}

TEST_CASE("Cards that always collide: slots up to 16, then Collision", "[reader]") {
  Rig r;
  auto a = FakeIdCard::make(31);
  auto b = FakeIdCard::make(32);
  a.pupi = {1, 1, 1, 1};
  b.pupi = {2, 2, 2, 2};
  r.field.cards = {&a, &b};  // both always pick slot 1
  CHECK(r.reader.find_card() == Status::Collision);
  CHECK(count_frames(r.field, {0x05, 0x00}) == 5);  // N = 1, 2, 4, 8, 16
  CHECK(count_frames(r.field, {0x05, 0x00, 0x04}) == 1);
  CHECK(std::find(r.field.sent.begin(), r.field.sent.end(), Bytes{0xF5}) != r.field.sent.end());
  CHECK(r.field.sent.size() == 1 + 2 + 4 + 8 + 16);
}

TEST_CASE("Authentication failures map to their statuses", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(40);
  SECTION("the SAM rejects the card") {
    c.wrong_auth = true;
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes text(256), photo(1024);
    CHECK(r.reader.read_base(text.data(), photo.data()) == Status::SamAuthFailed);
  }
  SECTION("the card rejects the SAM") {
    c.rejects_sam = true;
    r.field.cards.push_back(&c);
    find_and_select(r);
    Bytes text(256), photo(1024);
    CHECK(r.reader.read_base(text.data(), photo.data()) == Status::CardAuthFailed);
  }
  CHECK(r.reader.state() == Rc663IdCardReader::State::Idle);
  CHECK(count_frames(r.field, {0x80, 0xB0}) == 0);
}

TEST_CASE("Reads need a selected card", "[reader]") {
  Rig r;
  Bytes text(256), photo(1024), buf(280);
  size_t n = 0;
  CHECK(r.reader.read_base(text.data(), photo.data()) == Status::NoCard);
  CHECK(r.reader.read_addresses(buf.data(), n) == Status::NoCard);
  uint8_t uid[8];
  CHECK(r.reader.select_card(uid) == Status::NoCard);
  CHECK(r.field.sent.empty());
}

TEST_CASE("field_off powers the cards down and forgets the selection", "[reader]") {
  Rig r;
  auto c = FakeIdCard::make(50);
  r.field.cards.push_back(&c);
  find_and_select(r);
  r.reader.field_off();
  CHECK_FALSE(r.field.on);
  CHECK(r.reader.state() == Rc663IdCardReader::State::Idle);
  CHECK(r.reader.find_card() == Status::Ok);  // the card was reset to IDLE
}
