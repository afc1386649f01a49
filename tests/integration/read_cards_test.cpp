// Integration: the firmware core reads each sample card through the
// CLRC663 driver, the SAM driver and the host board, against the simulator's models.
#include <catch2/catch.hpp>

#include "reader_rig.h"

using namespace idr;
using namespace idr::testing;

namespace {

void require_healthy(ReaderRig& rig) {
  CHECK(rig.sim->model_errors().empty());
  CHECK(rig.sim->error_responses() == 0);
}

void check_equals_personalisation(const CardRead& got, const Expected& want) {
  REQUIRE(got.status == Status::Ok);
  CHECK(uid_of(got) == want.uid);
  CHECK(got.text == want.text);
  CHECK(got.photo == want.photo);
  CHECK(got.fingerprint == want.fingerprint);
  CHECK(got.addresses == want.addresses);
}

}  // namespace

TEST_CASE("the reader core reads every sample card equal to its personalisation") {
  // The first card of each sample scenario is in the field from t = 0.
  const char* name = GENERATE("resident-fingerprint", "resident-longterm-address", "permit-j",
                              "foreign-i", "three-cards-sequential");
  INFO("scenario " << name);
  const sim::Scenario s = sim::load_scenario(scenario_path(name));
  ReaderRig rig(s);
  REQUIRE(rig.init_status == Status::Ok);

  const CardRead got = rig.read_card();
  check_equals_personalisation(got, expected_from(s.cards.front().spec));
  require_healthy(rig);
}

TEST_CASE("the samples cover fingerprint, no fingerprint, 长期 and appended addresses") {
  // Guards the test above: if a sample lost its distinguishing feature, it would test less.
  const auto fp =
      expected_from(sim::load_scenario(scenario_path("resident-fingerprint")).cards[0].spec);
  CHECK(fp.fingerprint.size() == card::kFingerprintSize);
  const auto none = expected_from(sim::load_scenario(scenario_path("foreign-i")).cards[0].spec);
  CHECK(none.fingerprint.empty());
  const auto lt = sim::load_scenario(scenario_path("resident-longterm-address")).cards[0].spec;
  CHECK(lt.text.at("valid_to") == "长期");
  CHECK_FALSE(expected_from(lt).addresses.empty());
}

TEST_CASE("a card that was read stays ACTIVE: find answers NoCard until it comes back") {
  const sim::Scenario s = sim::load_scenario(scenario_path("resident-fingerprint"));
  ReaderRig rig(s);
  REQUIRE(rig.init_status == Status::Ok);
  REQUIRE(rig.read_card().status == Status::Ok);
  CHECK(rig.reader.find_card() == Status::NoCard);

  // Leaves and comes back: IDLE again (ISO/IEC 14443-3 7.4), found and read again.
  const sim::Time now = rig.sim->now();
  REQUIRE(rig.sim->field() != nullptr);
  rig.sim->field()->card_leaves(0, now + 1 * sim::kMs);
  rig.sim->field()->card_arrives(0, now + 300 * sim::kMs);
  rig.hb.board().clock.delay_us(500'000);
  check_equals_personalisation(rig.read_card(), expected_from(s.cards[0].spec));
  require_healthy(rig);
}

TEST_CASE("runs are deterministic: the same scenario ends at the same virtual time") {
  const sim::Scenario s = sim::load_scenario(scenario_path("resident-fingerprint"));
  sim::Time end[2] = {};
  sim::Time air[2] = {};
  for (int run = 0; run < 2; ++run) {
    ReaderRig rig(s);
    REQUIRE(rig.read_card().status == Status::Ok);
    end[run] = rig.sim->now();
    air[run] = rig.sim->accounts().rf_air;
  }
  CHECK(end[0] == end[1]);
  CHECK(air[0] == air[1]);
  CHECK(end[0] > 0);
}
