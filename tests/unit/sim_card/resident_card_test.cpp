// The resident ID card application: SELECT, the stand-in mutual authentication with the SAM
// model, encrypted/MACed READ, issuer MACs, status words of card_layout.h, card timing.
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace idr::sim;
using idr::sam::Cmd;
using test::Bytes;

namespace {

uint16_t sw(const Bytes& r) {
  return static_cast<uint16_t>((r[r.size() - 2] << 8) | r[r.size() - 1]);
}

struct Rig {
  test::Reader r;
  std::shared_ptr<ResidentIdCard> card;
  SamModel sam;
  explicit Rig(CardImage img, standin::Keys sam_keys = standin::default_keys())
      : card(std::make_shared<ResidentIdCard>("c", std::move(img), standin::default_keys(),
                                              TimingParams{}, 11)),
        sam(r.queue, r.accounts, TimingParams{}, SamConfig{default_sam_id(), sam_keys}, 12) {
    r.field.add_card(card);
    r.field.set_field(true);
    r.activate();
  }
  Bytes uid() {
    Bytes u = r.ask({0x00, 0x36, 0x00, 0x00, 0x08});
    u.resize(8);
    return u;
  }
  // Runs AUTH_START / AUTH_NEXT until the SAM says authenticated or fails; returns the
  // final SAM status.
  uint8_t authenticate() {
    auto rep = test::sam_call(r.queue, sam, Cmd::AuthStart, uid());
    for (int step = 0; step < 4 && rep.status == 0x90 && !rep.data.empty(); ++step) {
      const Bytes card_resp = r.ask(rep.data);
      rep = test::sam_call(r.queue, sam, Cmd::AuthNext, card_resp);
    }
    return rep.status;
  }
  Bytes select(uint8_t file) { return r.ask({0x00, 0xA4, 0x00, 0x00, 0x02, 0x60, file}); }
  // Reads a whole file through the SAM in 0xE6 chunks; stops at a short chunk or 6B 00.
  Bytes read_file(uint8_t file, size_t max, uint8_t* last_status = nullptr) {
    REQUIRE(sw(select(file)) == 0x9000);
    Bytes out;
    for (size_t off = 0; off < max;) {
      const size_t le = std::min<size_t>(0xE6, max - off);
      const Bytes resp = r.ask({0x80, 0xB0, static_cast<uint8_t>(off >> 8),
                                static_cast<uint8_t>(off & 0xFF), static_cast<uint8_t>(le)});
      if (sw(resp) == 0x6B00) break;
      Bytes req{file, static_cast<uint8_t>(off >> 8), static_cast<uint8_t>(off & 0xFF)};
      req.insert(req.end(), resp.begin(), resp.end());
      const auto plain = test::sam_call(r.queue, sam, Cmd::Unwrap, req);
      if (last_status) *last_status = plain.status;
      if (plain.status != 0x90) return out;
      out.insert(out.end(), plain.data.begin(), plain.data.end());
      off += plain.data.size();
      if (plain.data.size() < le) break;
    }
    return out;
  }
};

}  // namespace

TEST_CASE("full read through the SAM returns exactly the personalised bytes", "[card][sam]") {
  const CardImage img = test::sample_image("full", 1024);
  Rig rig(img);
  REQUIRE(rig.authenticate() == 0x90);
  CHECK(rig.card->authenticated());
  CHECK(rig.sam.authenticated());
  CHECK(rig.read_file(0x01, 1280) == img.base_file());
  CHECK(rig.read_file(0x02, 1024) == img.fingerprint);
  CHECK(rig.read_file(0x03, 280) == img.address_file());
  uint8_t st = 0;
  const Bytes sec = rig.read_file(0x04, 32, &st);
  CHECK(st == 0x90);
  CHECK(sec.size() == 32);
}

TEST_CASE("one fingerprint template: file 02 is 1024 bytes, zero second half, none is 6A 82",
          "[card][sam]") {
  const CardImage img = test::sample_image("half", 512);
  Rig rig(img);
  REQUIRE(rig.authenticate() == 0x90);
  (void)rig.read_file(0x01, 1280);
  Bytes expected = img.fingerprint;
  expected.resize(1024, 0);
  CHECK(rig.read_file(0x02, 1024) == expected);
  uint8_t st = 0;
  rig.read_file(0x04, 32, &st);
  CHECK(st == 0x90);

  Rig none(test::sample_image("none", 0));
  CHECK(sw(none.select(0x02)) == 0x6A82);
  REQUIRE(none.authenticate() == 0x90);
  (void)none.read_file(0x01, 1280);
  none.read_file(0x04, 32, &st);
  CHECK(st == 0x90);  // zero fingerprint MAC, no fingerprint read: fine
}

TEST_CASE("issuer MAC: altered card data passes the session MAC but fails the SAM check (0x33)",
          "[card][sam]") {
  Rig rig(test::sample_image("bad", 1024));
  rig.card->corrupt_file_byte(0x01, 300, 0x01);  // a photo byte changed after issue
  REQUIRE(rig.authenticate() == 0x90);
  uint8_t st = 0;
  (void)rig.read_file(0x01, 1280, &st);
  CHECK(st == 0x90);
  rig.read_file(0x04, 32, &st);
  CHECK(st == 0x33);
}

TEST_CASE("SAM refuses the security file before the base file was read (0x24)", "[card][sam]") {
  Rig rig(test::sample_image("order", 0));
  REQUIRE(rig.authenticate() == 0x90);
  uint8_t st = 0;
  rig.read_file(0x04, 32, &st);
  CHECK(st == 0x24);
}

TEST_CASE("flipped MAC bit in a READ answer -> SAM says 0x33", "[card][sam]") {
  Rig rig(test::sample_image("flip", 0));
  REQUIRE(rig.authenticate() == 0x90);
  REQUIRE(sw(rig.select(0x01)) == 0x9000);
  Bytes resp = rig.r.ask({0x80, 0xB0, 0x00, 0x00, 0xE6});
  REQUIRE(resp.size() == 0xE6 + 8 + 2);
  Bytes req{0x01, 0x00, 0x00};
  req.insert(req.end(), resp.begin(), resp.end());
  req[3 + 0xE6 + 7] ^= 0x80;  // last MAC byte
  CHECK(test::sam_call(rig.r.queue, rig.sam, Cmd::Unwrap, req).status == 0x33);
  req[3 + 0xE6 + 7] ^= 0x80;
  CHECK(test::sam_call(rig.r.queue, rig.sam, Cmd::Unwrap, req).status == 0x90);
}

TEST_CASE("wrong keys: the SAM rejects the card (0x32)", "[card][sam]") {
  standin::Keys other = standin::default_keys();
  other.master[0] ^= 1;
  Rig rig(test::sample_image("keys", 0), other);
  CHECK(rig.authenticate() == 0x32);
  CHECK_FALSE(rig.sam.authenticated());
}

TEST_CASE("card rejects a wrong EXTERNAL AUTHENTICATE with 63 00, SAM reports 0x31",
          "[card][sam]") {
  Rig rig(test::sample_image("ext", 0));
  auto rep = test::sam_call(rig.r.queue, rig.sam, Cmd::AuthStart, rig.uid());
  rep = test::sam_call(rig.r.queue, rig.sam, Cmd::AuthNext, rig.r.ask(rep.data));
  rep = test::sam_call(rig.r.queue, rig.sam, Cmd::AuthNext, rig.r.ask(rep.data));
  REQUIRE(rep.data.size() == 5 + 16);
  Bytes ext = rep.data;
  ext[10] ^= 0xFF;
  const Bytes card = rig.r.ask(ext);
  CHECK(card == Bytes{0x63, 0x00});
  CHECK_FALSE(rig.card->authenticated());
  CHECK(test::sam_call(rig.r.queue, rig.sam, Cmd::AuthNext, card).status == 0x31);
}

TEST_CASE("status words: read before auth, beyond file, unknown INS/CLA, bad SELECT",
          "[card][apdu]") {
  Rig rig(test::sample_image("sw", 0));
  CHECK(sw(rig.select(0x01)) == 0x9000);
  CHECK(rig.r.ask({0x80, 0xB0, 0x00, 0x00, 0xE6}) == Bytes{0x69, 0x82});  // before auth
  CHECK(rig.r.ask({0x00, 0xCA, 0x00, 0x00, 0x00}) == Bytes{0x6D, 0x00});  // unknown INS
  CHECK(rig.r.ask({0xA0, 0x36, 0x00, 0x00, 0x08}) == Bytes{0x6E, 0x00});  // unknown CLA
  CHECK(rig.r.ask({0x00, 0x36, 0x00, 0x00, 0x04}) == Bytes{0x67, 0x00});  // GET UID Le
  CHECK(sw(rig.select(0x07)) == 0x6A82);                                  // no such file
  CHECK(rig.r.ask({0x00, 0xA4, 0x00, 0x00, 0x01, 0x60}) == Bytes{0x67, 0x00});
  CHECK(rig.r.ask({0x00, 0x82, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) ==
        Bytes{0x69, 0x85});  // EXTERNAL AUTHENTICATE without a challenge
  REQUIRE(rig.authenticate() == 0x90);
  CHECK(rig.r.ask({0x80, 0xB0, 0x00, 0x00, 0xE6}) == Bytes{0x69, 0x86});  // no file selected
  CHECK(sw(rig.select(0x01)) == 0x9000);
  CHECK(rig.r.ask({0x80, 0xB0, 0x05, 0x00, 0x10}) == Bytes{0x6B, 0x00});  // offset 1280 = end
  CHECK(rig.r.ask({0x80, 0xB0, 0x00, 0x00, 0xE7}) == Bytes{0x67, 0x00});  // Le > 0xE6
  const Bytes tail = rig.r.ask({0x80, 0xB0, 0x04, 0xF0, 0xE6});           // 16 bytes left
  CHECK(tail.size() == 16 + 8 + 2);
  CHECK(sw(tail) == 0x9000);
}

TEST_CASE("card timing: the three auth steps cost card_auth_total in all", "[card][timing]") {
  Rig rig(test::sample_image("t", 0));
  auto rep = test::sam_call(rig.r.queue, rig.sam, Cmd::AuthStart, rig.uid());
  Time total = 0;
  for (int i = 0; i < 3; ++i) {
    const Time before = rig.r.accounts.card_processing;
    const Bytes resp = rig.r.ask(rep.data);
    total += rig.r.accounts.card_processing - before;
    rep = test::sam_call(rig.r.queue, rig.sam, Cmd::AuthNext, resp);
  }
  CHECK(rep.status == 0x90);
  CHECK(total == TimingParams{}.card_auth_total);
}
