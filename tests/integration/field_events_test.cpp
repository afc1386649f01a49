// Integration: several cards in the field, removal mid-read,
// tampered card data and a noisy field. The rule under test: the reader returns either
// one card's exact data or a clean error status, never a mix and never wrong bytes.
#include <catch2/catch.hpp>

#include "idr/sim/model_peripherals.h"
#include "idr/sim/resident_id_card.h"
#include "reader_rig.h"

using namespace idr;
using namespace idr::testing;

namespace {

bool is_clean_failure(Status st) {
  return st == Status::CardRemoved || st == Status::Timeout || st == Status::NoCard ||
         st == Status::Collision || st == Status::Integrity || st == Status::Protocol ||
         st == Status::DataCheckFailed || st == Status::SamError;
}

// A resident card whose chip declares another PUPI (DESIGN 6: observed variants exist), so
// REQB slotting can tell it from a card with PUPI 00000000.
class VariantPupiCard : public sim::ResidentIdCard {
 public:
  using ResidentIdCard::ResidentIdCard;

 protected:
  std::array<uint8_t, 4> pupi() const override { return {0x12, 0x34, 0x56, 0x78}; }
};

std::unique_ptr<sim::Simulator> simulator_with_cards(const sim::Scenario& s, bool variant_second) {
  return std::make_unique<sim::Simulator>(
      sim::Simulator::Config{s.timing, s.seed},
      [&s, variant_second](const sim::Simulator::Context& ctx) {
        auto field = std::make_unique<sim::RfField>(ctx.queue, ctx.accounts, ctx.timing, ctx.seed);
        for (size_t i = 0; i < s.cards.size(); ++i) {
          const auto image = sim::make_card_image(s.cards[i].spec);
          if (variant_second && i == 1) {
            field->add_card(std::make_shared<VariantPupiCard>(s.cards[i].spec.label, image, s.keys,
                                                              ctx.timing, ctx.seed + i));
          } else {
            field->add_card(std::make_shared<sim::ResidentIdCard>(
                s.cards[i].spec.label, image, s.keys, ctx.timing, ctx.seed + i));
          }
        }
        return sim::make_model_peripherals(ctx.queue, ctx.accounts, std::move(field),
                                           sim::build_sam(s, ctx.queue, ctx.accounts, ctx.timing),
                                           sim::build_flash(s));
      });
}

sim::ResidentIdCard& id_card(ReaderRig& rig, size_t index) {
  auto* c = dynamic_cast<sim::ResidentIdCard*>(&rig.sim->field()->card(index));
  REQUIRE(c != nullptr);
  return *c;
}

}  // namespace

TEST_CASE("two ID cards with the same PUPI in the field are reported as a collision") {
  const sim::Scenario s = sim::load_scenario(scenario_path("two-cards-in-field"));
  REQUIRE(s.cards.size() == 2);
  ReaderRig rig(s);
  REQUIRE(rig.init_status == Status::Ok);
  const CardRead got = rig.read_card();
  CHECK(got.status == Status::Collision);
  CHECK(got.text.empty());  // no data from either card was handed out
  CHECK(rig.sim->field()->collisions() > 0);
}

TEST_CASE("two cards with different PUPIs are separated by slotting and one is read whole") {
  const sim::Scenario s = sim::load_scenario(scenario_path("two-cards-in-field"));
  ReaderRig rig(s, simulator_with_cards(s, /*variant_second=*/true));
  REQUIRE(rig.init_status == Status::Ok);
  const CardRead got = rig.read_card();
  REQUIRE(got.status == Status::Ok);
  const Expected a = expected_from(s.cards[0].spec);
  const Expected b = expected_from(s.cards[1].spec);
  const Expected& which = uid_of(got) == a.uid ? a : b;
  REQUIRE((uid_of(got) == a.uid || uid_of(got) == b.uid));
  // Every part from the same card: never mixed.
  CHECK(got.text == which.text);
  CHECK(got.photo == which.photo);
  CHECK(got.fingerprint == which.fingerprint);
  CHECK(got.addresses == which.addresses);
  CHECK(rig.sim->model_errors().empty());
}

TEST_CASE("a card removed mid-read gives a clean error and reads fine when presented again") {
  const sim::Scenario s = sim::load_scenario(scenario_path("resident-fingerprint"));
  const Expected want = expected_from(s.cards[0].spec);

  // How long a full read takes, in virtual time, on an undisturbed run.
  sim::Time start = 0, duration = 0;
  {
    ReaderRig probe(s);
    start = probe.sim->now();
    REQUIRE(probe.read_card().status == Status::Ok);
    duration = probe.sim->now() - start;
  }
  REQUIRE(duration > 0);

  // Remove the card at several points of the read: early, middle, late.
  const int percent = GENERATE(10, 35, 50, 75, 95);
  INFO("removed at " << percent << "% of the read");
  ReaderRig rig(s);
  REQUIRE(rig.sim->now() == start);
  rig.sim->field()->card_leaves(0, start + duration * static_cast<unsigned>(percent) / 100);
  const CardRead broken = rig.read_card();
  CHECK(broken.status != Status::Ok);
  CHECK(is_clean_failure(broken.status));
  CHECK(rig.sim->model_errors().empty());

  // Presented again: a fresh find, select and read succeed with the exact data.
  rig.sim->field()->card_arrives(0, rig.sim->now() + 200 * sim::kMs);
  rig.hb.board().clock.delay_us(300'000);
  const CardRead again = rig.read_card();
  REQUIRE(again.status == Status::Ok);
  CHECK(uid_of(again) == want.uid);
  CHECK(again.text == want.text);
  CHECK(again.photo == want.photo);
  CHECK(again.fingerprint == want.fingerprint);
}

TEST_CASE("altered card data fails the SAM's issuer MAC check: its verdict, still selected") {
  const sim::Scenario s = sim::load_scenario(scenario_path("resident-fingerprint"));
  SECTION("text byte") {
    ReaderRig rig(s);
    id_card(rig, 0).corrupt_file_byte(card::kFileBase, 130, 0x01);
    REQUIRE(rig.reader.find_card() == Status::Ok);
    uint8_t uid[card::kUidSize];
    REQUIRE(rig.reader.select_card(uid) == Status::Ok);
    std::vector<uint8_t> text(card::kTextSize), photo(card::kPhotoSize);
    CHECK_FALSE(rig.reader.issuer_macs_rejected());
    CHECK(rig.reader.read_base(text.data(), photo.data()) == Status::DataCheckFailed);
    CHECK(rig.reader.issuer_macs_rejected());
    // The bytes arrived intact (session MACs right): the altered byte is what the card holds.
    CHECK(text[130] == (sim::make_card_image(s.cards.front().spec).text[130] ^ 0x01));
    CHECK(rig.reader.state() == core::Rc663IdCardReader::State::Selected);
  }
  SECTION("fingerprint byte") {
    ReaderRig rig(s);
    id_card(rig, 0).corrupt_file_byte(card::kFileFingerprint, 700, 0x80);
    REQUIRE(rig.reader.find_card() == Status::Ok);
    uint8_t uid[card::kUidSize];
    REQUIRE(rig.reader.select_card(uid) == Status::Ok);
    std::vector<uint8_t> text(card::kTextSize), photo(card::kPhotoSize), fp(card::kFingerprintSize);
    REQUIRE(rig.reader.read_base(text.data(), photo.data()) == Status::Ok);
    size_t fp_len = 99;
    CHECK(rig.reader.read_fingerprint(fp.data(), fp_len) == Status::DataCheckFailed);
    CHECK(rig.reader.issuer_macs_rejected());
    CHECK(fp_len == card::kFingerprintSize);
  }
}

TEST_CASE("on a noisy field every read is either exact or a clean error") {
  sim::Scenario s = sim::load_scenario(scenario_path("resident-fingerprint"));
  const Expected want = expected_from(s.cards[0].spec);
  s.field_faults.bit_error_rate = 1e-4;  // about one flipped bit in 1.2 KB on the air
  s.field_faults.frame_loss_rate = 0.01;
  int ok = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    s.seed = seed;
    ReaderRig rig(s);
    REQUIRE(rig.init_status == Status::Ok);
    const CardRead got = rig.read_card();
    INFO("seed " << seed << ": " << to_string(got.status));
    if (got.status == Status::Ok) {
      ++ok;
      CHECK(got.text == want.text);
      CHECK(got.photo == want.photo);
      CHECK(got.fingerprint == want.fingerprint);
    } else {
      CHECK(is_clean_failure(got.status));
    }
  }
  CHECK(ok > 0);  // retries recover most frames at this error rate
}
