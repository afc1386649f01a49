// Signed reads end to end: idr-sim + idr-firmware as processes (tests/e2e), the
// reader provisioned through the Reader API with a CA made here, records read and verified
// by the host library, the counter and replay checks across presences of the card, and a
// record written by `idr read --out` checked by `idr verify` and decoded with libcbor
// (acceptance 1: not the project's decoder) against RFC 9052 section 4.2 (COSE_Sign1).
#include <cbor.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "idr/ca.h"
#include "idr/reader.h"
#include "idr/sim/scenario.h"
#include "idr/testing/provision.h"
#include "idr/testing/temp_dir.h"
#include "idr/verify.h"
#include "libcbor_view.h"
#include "process.h"
#include "reader_processes.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

const std::string kScenario =
    std::string(IDR_SOURCE_DIR) + "/tests/signed/scenarios/card-returns.json";

Reader open_reader(const e2e::ReaderProcesses& p) {
  auto r = Reader::open("tcp://127.0.0.1:" + std::to_string(p.host_port));
  REQUIRE(r);
  return std::move(r).value();
}

// Polls find until the card is (present = true) or is not (false) in the field; bounded.
void wait_card(Reader& reader, bool present) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    const Result<bool> found = reader.find_card();
    REQUIRE(found);
    if (*found == present) return;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(20ms);
  }
}

void require_all_succeeded(const VerifiedRecord& v) {
  for (const auto& r : v.verdict().results()) {
    INFO(to_string(r.check) << "[" << r.field << "] " << to_string(r.outcome) << ": " << r.message);
    // Every check ran and succeeded.
    CHECK(r.outcome == CheckStatus::Succeeded);
  }
  REQUIRE(v.verified());
}

// `idr ...` to its end (bounded: read_all throws after 60 s); its stdout goes to the log.
int run(const std::vector<std::string>& argv) {
  tool::SpawnOptions options;
  options.capture_stdout = true;
  tool::ChildProcess p(argv, options);
  const std::string out = p.read_all(60s);
  const int status = p.wait();
  UNSCOPED_INFO(argv.at(1) << " printed:\n" << out);
  return status;
}

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// --- libcbor, independent of the library's decoder (libcbor_view.h) ---------------------
using test::bstr;
using test::find_text_key;
using test::Item;

// The record file [COSE_Sign1, disclosures] field by field (extension.h, RFC 9052 4.2:
// COSE_Sign1 = tag 18 [protected bstr, unprotected map, payload bstr, signature bstr]).
void check_record_with_libcbor(const Bytes& file, const std::string& expected_serial,
                               uint64_t expected_counter) {
  // RFC 8949 section 3: 0x82 = array of 2 items; 0xD2 = major type 6 (tag), value 18
  // (COSE_Sign1_Tagged, RFC 9052 section 4.2). Checked by hand: libcbor 0.8 rejects tags
  // 6..20 as unassigned, so it decodes what follows the tag.
  REQUIRE(file.size() > 2);
  CHECK(file[0] == 0x82);
  CHECK(file[1] == 0xD2);
  cbor_load_result res{};
  Item body(cbor_load(file.data() + 2, file.size() - 2, &res));
  INFO("libcbor error " << res.error.code << " at " << res.error.position);
  REQUIRE(body.p != nullptr);
  const size_t sign1_size = res.read;
  REQUIRE(cbor_isa_array(body.p));
  REQUIRE(cbor_array_size(body.p) == 4);
  cbor_item_t** parts = cbor_array_handle(body.p);
  Item disclosures_item(
      cbor_load(file.data() + 2 + sign1_size, file.size() - 2 - sign1_size, &res));
  REQUIRE(disclosures_item.p != nullptr);
  REQUIRE(2 + sign1_size + res.read == file.size());  // nothing after the array

  const Bytes protected_bytes = bstr(parts[0]);
  Item protected_map(cbor_load(protected_bytes.data(), protected_bytes.size(), &res));
  REQUIRE(protected_map.p != nullptr);
  REQUIRE(cbor_isa_map(protected_map.p));
  REQUIRE(cbor_map_size(protected_map.p) == 1);
  const cbor_pair alg = cbor_map_handle(protected_map.p)[0];
  CHECK(cbor_get_int(alg.key) == 1);  // label 1: alg (RFC 9052 section 3.1)
  REQUIRE(cbor_isa_negint(alg.value));
  CHECK(cbor_get_int(alg.value) == 6);  // -1 - 6 = -7: ES256 (RFC 9053 section 2.1)

  REQUIRE(cbor_isa_map(parts[1]));
  REQUIRE(cbor_map_size(parts[1]) == 1);
  CHECK(cbor_get_int(cbor_map_handle(parts[1])[0].key) == 33);  // x5chain (RFC 9360)
  const cbor_item_t* chain = cbor_map_handle(parts[1])[0].value;
  REQUIRE(cbor_isa_array(chain));
  CHECK(cbor_array_size(chain) == 2);  // device certificate, intermediate

  const Bytes payload_bytes = bstr(parts[2]);
  Item payload(cbor_load(payload_bytes.data(), payload_bytes.size(), &res));
  REQUIRE(payload.p != nullptr);
  REQUIRE(cbor_isa_map(payload.p));
  const cbor_item_t* serial = find_text_key(payload.p, "serial");
  REQUIRE(serial != nullptr);
  CHECK(std::string(reinterpret_cast<const char*>(cbor_string_handle(serial)),
                    cbor_string_length(serial)) == expected_serial);
  const cbor_item_t* ctr = find_text_key(payload.p, "ctr");
  REQUIRE(ctr != nullptr);
  CHECK(cbor_get_int(ctr) == expected_counter);
  const cbor_item_t* nonce = find_text_key(payload.p, "nonce");
  REQUIRE(nonce != nullptr);
  CHECK(bstr(nonce).size() == 16);
  CHECK(bstr(parts[3]).size() == 64);  // r || s of P-256

  const cbor_item_t* disclosures = disclosures_item.p;
  REQUIRE(cbor_isa_array(disclosures));
  CHECK(cbor_array_size(disclosures) >= 9);  // the resident text fields at least
  for (size_t i = 0; i < cbor_array_size(disclosures); ++i) {
    const cbor_item_t* d = cbor_array_handle(disclosures)[i];
    REQUIRE(cbor_isa_array(d));
    REQUIRE(cbor_array_size(d) == 3);
    CHECK(cbor_isa_string(cbor_array_handle(d)[0]));
    CHECK(bstr(cbor_array_handle(d)[1]).size() == 16);  // salt
    CHECK(cbor_isa_bytestring(cbor_array_handle(d)[2]));
  }
}

}  // namespace

TEST_CASE(
    "signed reads end to end: provision, verify, counter across presences, replay, "
    "idr read --out + idr verify + libcbor",
    "[signed][e2e]") {
  const auto spec = sim::load_scenario(kScenario).cards.at(0).spec;
  const auto image = sim::make_card_image(spec);
  e2e::ReaderProcesses processes(kScenario);
  idr::testing::TempDir dir("idr-signed-e2e");
  const auto now = static_cast<int64_t>(std::time(nullptr));
  const std::string counters_db = dir.path + "/counters.db";
  const std::string root_pem = dir.path + "/ca/root.crt.pem";
  const std::string uri = "tcp://127.0.0.1:" + std::to_string(processes.host_port);
  std::string serial;
  {
    Reader reader = open_reader(processes);
    const ca::CaDirectory ca =
        idr::testing::provision_with_test_ca(reader, dir.path + "/ca", now, "signed e2e test CA");
    const auto info = reader.device_info();
    REQUIRE(info);
    CHECK(info->provisioned);
    serial = info->serial;
    wait_card(reader, true);  // first presence: the card is in the field
  }                           // the host link serves one client: let `idr read` have it

  // Acceptance 1: a record written by `idr read --out rec.cose`.
  const std::string rec = dir.path + "/rec.cose";
  REQUIRE(run({IDR_TOOL_EXE, "read", "--reader", uri, "--trust", root_pem, "--counters",
               counters_db, "--out", rec}) == 0);
  const Bytes first = read_file(rec);
  REQUIRE_FALSE(first.empty());
  CHECK(run({IDR_TOOL_EXE, "verify", rec, "--trust", root_pem}) == 0);
  check_record_with_libcbor(first, serial, 1);
  // The counter store `idr read` used says it saw counter 1 from this reader.
  {
    auto store = CounterStore::open(counters_db);
    REQUIRE(store);
    const auto last = store->last(serial);
    REQUIRE(last);
    CHECK(*last == std::optional<uint64_t>(1));
  }

  TrustStore trust;
  REQUIRE(trust.add_roots(root_pem));
  REQUIRE(trust.load_revoked(revocation_list_beside(root_pem)));
  auto store = CounterStore::open(counters_db);
  REQUIRE(store);
  Reader reader = open_reader(processes);
  wait_card(reader, false);  // it left...
  wait_card(reader, true);   // ...and is back: a fresh read

  const auto nonce = ca::random_nonce();
  REQUIRE(nonce);
  const auto second_file = reader.read_signed(*nonce, kAll);
  REQUIRE(second_file);
  VerifyOptions o;
  o.trust = &trust;
  o.counters = &*store;
  o.nonce = *nonce;
  o.now = now;
  const VerifiedRecord second = verify_record(*second_file, o);
  require_all_succeeded(second);
  CHECK(second.record()->payload.counter > 1);
  // The data equals the scenario's personalisation (hw-sim/scenarios/README.md).
  const CardData& card = *second.card();
  CHECK(card.name == spec.text.at("name"));
  CHECK(card.gender == spec.text.at("gender"));
  CHECK(card.ethnicity == spec.text.at("ethnicity"));
  CHECK(card.birth == spec.text.at("birth"));
  CHECK(card.address == spec.text.at("address"));
  CHECK(card.id_number == spec.text.at("id_number"));
  CHECK(card.authority == spec.text.at("authority"));
  CHECK(card.validity.from == spec.text.at("valid_from"));
  CHECK(card.validity.to == spec.text.at("valid_to"));
  CHECK(card.photo == Bytes(image.photo.begin(), image.photo.end()));
  REQUIRE(card.fingerprint.size() >= image.fingerprint.size());
  CHECK(std::equal(image.fingerprint.begin(), image.fingerprint.end(), card.fingerprint.begin()));

  // Replays: the first record (counter 1 < the last seen) and the second one again.
  VerifyOptions offline = o;
  offline.nonce.reset();
  offline.require_nonce = false;
  const VerifiedRecord replay_first = verify_record(first, offline);
  CHECK_FALSE(replay_first.verified());
  REQUIRE(replay_first.verdict().find(Check::Counter) != nullptr);
  CHECK(replay_first.verdict().find(Check::Counter)->reason == Reason::Regression);
  CHECK(replay_first.card() == nullptr);
  const VerifiedRecord replay_second = verify_record(*second_file, o);
  CHECK_FALSE(replay_second.verified());
  CHECK(replay_second.verdict().find(Check::Counter)->reason == Reason::Replay);

  // A third presence: the counter keeps growing, and a wrong nonce fails its own check.
  wait_card(reader, false);
  wait_card(reader, true);
  const auto third_file = reader.read_signed(*nonce, kText);  // the old nonce: stale
  REQUIRE(third_file);
  VerifyOptions fresh = o;
  fresh.nonce = ca::random_nonce().value();
  const VerifiedRecord third = verify_record(*third_file, fresh);
  CHECK_FALSE(third.verified());
  CHECK(third.verdict().find(Check::Nonce)->reason == Reason::NonceMismatch);
  CHECK(third.record()->payload.counter > second.record()->payload.counter);
}
