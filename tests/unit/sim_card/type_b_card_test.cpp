// ISO/IEC 14443-3 clause 7 Type B behaviour of the card models, and the resident ID card's
// answers byte-equal to the public trace of DESIGN 6 (CRC_B bytes computed independently).
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace idr::sim;
using test::Bytes;

namespace {

// A Type B card with a chosen PUPI, to tell cards apart in slotting tests.
class PupiCard : public TypeBCard {
 public:
  PupiCard(std::array<uint8_t, 4> pupi, uint64_t seed)
      : TypeBCard("pupi", TimingParams{}, seed), pupi_(pupi) {}

 protected:
  std::array<uint8_t, 4> pupi() const override { return pupi_; }
  std::array<uint8_t, 4> application_data() const override { return {0, 0, 0, 0}; }
  std::array<uint8_t, 3> protocol_info() const override { return {0x00, 0x80, 0x80}; }
  std::optional<std::vector<uint8_t>> on_active_frame(const std::vector<uint8_t>&,
                                                      Time& t) override {
    t = answer_time(1);
    return std::vector<uint8_t>{0xAA};
  }

 private:
  std::array<uint8_t, 4> pupi_;
};

// Four PupiCards (PUPI 00 00 00 01..04, seeds 100..103) put in r's field: the same seeds
// draw the same slots, so two calls give two fields that slot alike.
std::vector<std::shared_ptr<PupiCard>> add_four_pupi_cards(test::Reader& r) {
  std::vector<std::shared_ptr<PupiCard>> cards;
  for (uint8_t i = 0; i < 4; ++i) {
    cards.push_back(std::make_shared<PupiCard>(
        std::array<uint8_t, 4>{0, 0, 0, static_cast<uint8_t>(i + 1)}, 100 + i));
    r.field.add_card(cards.back());
  }
  return cards;
}

std::shared_ptr<ResidentIdCard> resident(const std::string& label = "c1") {
  return std::make_shared<ResidentIdCard>(label, test::sample_image(label), standin::default_keys(),
                                          TimingParams{}, 5);
}

}  // namespace

TEST_CASE("REQB, ATTRIB and GET UID answers are byte-equal to the public trace", "[card][trace]") {
  test::Reader r;
  auto img = test::sample_image();
  img.uid = {0xA1, 0x5C, 0x03, 0x7E, 0x21, 0x90, 0x44, 0xD2};
  r.field.add_card(
      std::make_shared<ResidentIdCard>("t", img, standin::default_keys(), TimingParams{}, 1));
  r.field.set_field(true);

  // DESIGN 6: REQB 05 00 00 + CRC 71 FF.
  const Bytes reqb = test::with_crc({0x05, 0x00, 0x00});
  CHECK(reqb == Bytes{0x05, 0x00, 0x00, 0x71, 0xFF});
  AirFrame f;
  f.bytes = reqb;
  auto atqb = r.field.transmit(f);
  REQUIRE(atqb);
  CHECK_FALSE(atqb->framing_error);
  // 50 | PUPI 00000000 | AppData 00000000 | ProtInfo 00 80 80 (FWI 8 in the upper nibble,
  // ISO/IEC 14443-3 7.9.4 Figure 25) | CRC_B.
  CHECK(atqb->bytes == Bytes{0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x80, 0x80, 0xA2, 0x2A});

  r.queue.advance_to(atqb->end + kMs);
  f.bytes = test::with_crc({0x1D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x08});
  CHECK(f.bytes == Bytes{0x1D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x08, 0xF3, 0x10});
  auto attrib = r.field.transmit(f);
  REQUIRE(attrib);
  CHECK(attrib->bytes == Bytes{0x08, 0x30, 0x7C});

  r.queue.advance_to(attrib->end + kMs);
  f.bytes = test::with_crc({0x00, 0x36, 0x00, 0x00, 0x08});
  auto uid = r.field.transmit(f);
  REQUIRE(uid);
  CHECK(uid->bytes ==
        Bytes{0xA1, 0x5C, 0x03, 0x7E, 0x21, 0x90, 0x44, 0xD2, 0x90, 0x00, 0x96, 0xFD});
}

TEST_CASE("ATQB carries the FWI of the timing parameters", "[card]") {
  TimingParams t;
  t.card_fwi = 11;
  test::Reader r;
  r.field.add_card(
      std::make_shared<ResidentIdCard>("t", test::sample_image(), standin::default_keys(), t, 1));
  r.field.set_field(true);
  const Bytes a = r.ask({0x05, 0x00, 0x00});
  REQUIRE(a.size() == 12);
  CHECK(a[11] == 0xB0);
}

TEST_CASE("state machine: a read card stays ACTIVE/HALT, only WUPB wakes HALT, power off resets",
          "[card][state]") {
  test::Reader r;
  auto card = resident();
  r.field.add_card(card);
  CHECK(card->state() == TypeBState::PowerOff);
  r.field.set_field(true);
  CHECK(card->state() == TypeBState::Idle);

  r.activate();
  CHECK(card->state() == TypeBState::Active);
  // ISO/IEC 14443-3 7.4.7: REQB/WUPB are not answered in ACTIVE.
  CHECK_FALSE(r.send({0x05, 0x00, 0x00}));
  CHECK_FALSE(r.send({0x05, 0x00, 0x08}));
  CHECK(card->state() == TypeBState::Active);
  CHECK(r.ask({0x00, 0x36, 0x00, 0x00, 0x08}).size() == 10);  // still talks APDUs

  // HLTB 50 PUPI -> 00 (7.12); HALT answers only WUPB (7.4.8).
  CHECK(r.ask({0x50, 0x00, 0x00, 0x00, 0x00}) == Bytes{0x00});
  CHECK(card->state() == TypeBState::Halt);
  CHECK_FALSE(r.send({0x05, 0x00, 0x00}));
  CHECK_FALSE(r.send({0x00, 0x36, 0x00, 0x00, 0x08}));
  CHECK(r.ask({0x05, 0x00, 0x08}).at(0) == 0x50);
  CHECK(card->state() == TypeBState::ReadyDeclared);

  // Field off: POWER-OFF; back on: IDLE, answers REQB again.
  r.activate();
  r.field.set_field(false);
  CHECK(card->state() == TypeBState::PowerOff);
  CHECK_FALSE(r.send({0x05, 0x00, 0x00}));
  r.field.set_field(true);
  CHECK(card->state() == TypeBState::Idle);
  CHECK(r.ask({0x05, 0x00, 0x00}).at(0) == 0x50);
}

TEST_CASE("frames with a wrong CRC_B or a foreign PUPI are ignored", "[card][state]") {
  test::Reader r;
  auto card = std::make_shared<PupiCard>(std::array<uint8_t, 4>{1, 2, 3, 4}, 3);
  r.field.add_card(card);
  r.field.set_field(true);
  AirFrame f;
  f.bytes = {0x05, 0x00, 0x00, 0x71, 0xFE};
  CHECK_FALSE(r.field.transmit(f));
  CHECK(card->state() == TypeBState::Idle);
  CHECK(r.ask({0x05, 0x00, 0x00}) == Bytes{0x50, 1, 2, 3, 4, 0, 0, 0, 0, 0x00, 0x80, 0x80});
  CHECK_FALSE(r.send({0x1D, 9, 9, 9, 9, 0x00, 0x08, 0x01, 0x00}));  // another PUPI
  CHECK(card->state() == TypeBState::ReadyDeclared);
  CHECK(r.ask({0x1D, 1, 2, 3, 4, 0x00, 0x08, 0x01, 0x03}) == Bytes{0x03});  // CID echoed
  CHECK(card->state() == TypeBState::Active);
}

TEST_CASE("AFI: non-zero AFI in REQB reaches only cards of that family", "[card][state]") {
  test::Reader r;
  r.field.add_card(resident());
  r.field.set_field(true);
  CHECK_FALSE(r.send({0x05, 0x30, 0x00}));  // family 3 (identification): our card has AFI 00
  CHECK(r.send({0x05, 0x00, 0x00}));
}

TEST_CASE("slotting: each card answers in the slot it drew, Slot-MARKER APn = (n-1)<<4 | 5",
          "[card][slots]") {
  test::Reader r;
  const auto cards = add_four_pupi_cards(r);
  r.field.set_field(true);
  // PARAM 04: N = 16 (Table 13).
  auto first = r.send({0x05, 0x00, 0x04});
  std::vector<unsigned> slot_of(4);
  for (size_t i = 0; i < 4; ++i) {
    slot_of[i] = cards[i]->chosen_slot();
    CHECK(slot_of[i] >= 1);
    CHECK(slot_of[i] <= 16);
  }
  auto expect_in_slot = [&](unsigned slot, const std::optional<AirReply>& reply) {
    std::vector<size_t> who;
    for (size_t i = 0; i < 4; ++i)
      if (slot_of[i] == slot) who.push_back(i);
    INFO("slot " << slot);
    if (who.empty()) {
      CHECK_FALSE(reply);
    } else if (who.size() == 1) {
      REQUIRE(reply);
      CHECK_FALSE(reply->framing_error);
      CHECK(test::strip_crc(reply->bytes).at(4) == who[0] + 1);
    } else {
      REQUIRE(reply);
      CHECK(reply->framing_error);  // different PUPIs in one slot
    }
  };
  expect_in_slot(1, first);
  for (unsigned n = 2; n <= 16; ++n)
    expect_in_slot(n, r.send({static_cast<uint8_t>(((n - 1) << 4) | 0x05)}));
  // The draw is seeded: a second field with the same seeds draws the same slots.
  test::Reader r2;
  const auto again = add_four_pupi_cards(r2);
  r2.field.set_field(true);
  r2.send({0x05, 0x00, 0x04});
  for (size_t i = 0; i < 4; ++i) CHECK(again[i]->chosen_slot() == slot_of[i]);
}

TEST_CASE("N = 1 always answers in the first slot, RFU slot codes are ignored", "[card][slots]") {
  test::Reader r;
  auto card = std::make_shared<PupiCard>(std::array<uint8_t, 4>{7, 7, 7, 7}, 9);
  r.field.add_card(card);
  r.field.set_field(true);
  for (int i = 0; i < 20; ++i) {
    CHECK(r.send({0x05, 0x00, 0x00}));
    CHECK(card->chosen_slot() == 1);
  }
  CHECK_FALSE(r.send({0x05, 0x00, 0x05}));  // b3..b1 = 101: RFU
}
