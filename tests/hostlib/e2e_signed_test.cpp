// Signed reads over whichever transport start_e2e_reader() of the executable serves
// (the same e2e suite, signed read included, on every transport):
// provision the reader with a CA made here, READ_SIGNED with a fresh nonce, verify the
// record with the host library (signature, chain, nonce, counter, every field digest), and
// the verified data equals the scenario's personalisation.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>

#include "card_expect.h"
#include "e2e_reader.h"
#include "e2e_support.h"
#include "idr/ca.h"
#include "idr/reader.h"
#include "idr/testing/provision.h"
#include "idr/testing/temp_dir.h"
#include "idr/verify.h"

using namespace idr;
using namespace std::chrono_literals;

TEST_CASE("hostlib e2e: a signed read verifies over this transport") {
  const std::string file = test::sample_dir() + "resident-fingerprint.json";
  const sim::Scenario s = sim::load_scenario(file);
  const auto procs = test::start_e2e_reader(file);
  auto opened = Reader::open(procs->uri());
  REQUIRE(opened.ok());
  Reader reader = std::move(opened).value();

  // Provision as `idr provision` does: key on the reader, certificate from our CA.
  idr::testing::TempDir dir("idr-e2e-signed");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const ca::CaDirectory ca =
      idr::testing::provision_with_test_ca(reader, dir.path + "/ca", now, "e2e transport CA");

  // The card is in the field: find it, then READ_SIGNED with a fresh nonce.
  auto found = reader.find_card();
  REQUIRE(found.ok());
  REQUIRE(*found);
  const auto nonce = ca::random_nonce();
  REQUIRE(nonce);
  const Result<Bytes> record = reader.read_signed(*nonce, kAll);
  INFO(message(record.error()));
  REQUIRE(record.ok());

  TrustStore trust;
  REQUIRE(trust.add_root_der(ca.root_der()));
  REQUIRE(trust.load_revoked(ca.dir() + "/revoked.txt"));
  auto counters = CounterStore::open(dir.path + "/counters.db");
  REQUIRE(counters);
  VerifyOptions o;
  o.trust = &trust;
  o.counters = &*counters;
  o.nonce = *nonce;
  o.now = now;
  const VerifiedRecord v = verify_record(record->data(), record->size(), o);
  for (const auto& c : v.verdict().results()) {
    INFO(to_string(c.check) << " " << c.field << ": " << c.message);
    if (c.required) CHECK(c.outcome == CheckStatus::Succeeded);
  }
  REQUIRE(v.verified());
  REQUIRE(v.card() != nullptr);
  const CardData& card = *v.card();
  const auto& spec = s.cards.front().spec;
  CHECK(card.name == spec.text.at("name"));
  CHECK(card.id_number == spec.text.at("id_number"));
  CHECK(card.photo.size() == 1024);
  CHECK(card.fingerprint.size() == 1024);

  // One flipped bit anywhere in the signed part and it no longer verifies.
  Bytes tampered = *record;
  tampered[tampered.size() / 2] ^= 0x01;
  CHECK_FALSE(verify_record(tampered.data(), tampered.size(), o).verified());
}
