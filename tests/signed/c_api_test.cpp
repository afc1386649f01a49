// The C API for signed reads (idr/idr_signed.h) end to end, called from C++: a verified read
// gives the card and a verdict; without trust IDR_OK with no card and the chain check
// FAILED; the record saved from the verdict verifies offline, and a reduced record keeps
// only the disclosed fields.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "idr/blocklist.h"
#include "idr/ca.h"
#include "idr/idr.h"
#include "idr/idr_signed.h"
#include "idr/reader.h"
#include "idr/sim/scenario.h"
#include "reader_processes.h"

using namespace std::chrono_literals;

namespace {

const std::string kScenario =
    std::string(IDR_SOURCE_DIR) + "/tests/signed/scenarios/card-returns.json";

void wait_card(idr_reader* reader, bool present) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    int found = -1;
    REQUIRE(idr_reader_find_card(reader, &found) == IDR_OK);
    if ((found != 0) == present) return;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(20ms);
  }
}

// One result of a verdict by check name (and field), or SIZE_MAX.
size_t find(const idr_verdict* v, const char* check) {
  for (size_t i = 0; i < idr_verdict_count(v); ++i)
    if (std::strcmp(idr_verdict_check(v, i), check) == 0) return i;
  return SIZE_MAX;
}

}  // namespace

TEST_CASE("C API: idr_reader_read_verified, idr_record_verify_file, idr_record_disclose_file",
          "[signed][c_api]") {
  const auto spec = idr::sim::load_scenario(kScenario).cards.at(0).spec;
  idr::e2e::ReaderProcesses processes(kScenario);
  std::string dir = std::filesystem::temp_directory_path().string() + "/idr-c-signed-XXXXXX";
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } cleanup{dir};
  const std::string uri = "tcp://127.0.0.1:" + std::to_string(processes.host_port);
  const auto now = static_cast<int64_t>(std::time(nullptr));
  {  // provisioning as `idr provision` does, through the C++ API
    auto reader = idr::Reader::open(uri);
    REQUIRE(reader);
    auto ca = idr::ca::CaDirectory::create(dir + "/ca", "c api test CA", now, 2);
    REQUIRE(ca);
    const auto challenge = idr::ca::random_nonce();
    REQUIRE(challenge);
    const auto key = reader->provision_key(*challenge);
    REQUIRE(key);
    const auto chain = ca->issue_reader(*key, *challenge, now, 1);
    REQUIRE(chain);
    REQUIRE(reader->provision_certs(*chain));
  }
  const std::string root = dir + "/ca/root.crt.pem";
  const std::string counters = dir + "/counters.db";
  idr_reader* reader = nullptr;
  REQUIRE(idr_reader_open(uri.c_str(), 3000, &reader) == IDR_OK);

  // Verified: the card comes with a verdict where every required check SUCCEEDED.
  idr_verify_config config = IDR_VERIFY_CONFIG_INIT;  // version 2: card data checks on
  config.trust = root.c_str();
  config.counters_db = counters.c_str();
  wait_card(reader, true);
  idr_card* card = nullptr;
  idr_verdict* verdict = nullptr;
  REQUIRE(idr_reader_read_verified(reader, IDR_FIELDS_BASE, &config, &card, &verdict) == IDR_OK);
  REQUIRE(verdict != nullptr);
  CHECK(idr_verdict_verified(verdict) == 1);
  CHECK(idr_verdict_accepted(verdict) == 1);
  REQUIRE(card != nullptr);
  CHECK(std::string(idr_card_field(card, IDR_FIELD_NAME)) == spec.text.at("name"));
  CHECK(std::string(idr_card_field(card, IDR_FIELD_ID_NUMBER)) == spec.text.at("id_number"));
  CHECK(idr_verdict_counter(verdict) == 1);
  // One list: the record's checks (with idr::Reason codes) and the card data checks.
  REQUIRE(find(verdict, "signature") != SIZE_MAX);
  CHECK(idr_verdict_reason_code(verdict, find(verdict, "signature")) == 0);  // Reason::Ok
  REQUIRE(find(verdict, "id_number.check_digit") != SIZE_MAX);
  CHECK(idr_verdict_outcome(verdict, find(verdict, "id_number.check_digit")) ==
        IDR_CHECK_SUCCEEDED);
  CHECK(idr_verdict_reason_code(verdict, find(verdict, "id_number.check_digit")) == -1);
  CHECK(find(verdict, "lost_stolen") == SIZE_MAX);  // no list configured
  CHECK(std::string(idr_verdict_reader_serial(verdict)).rfind("IDR-", 0) == 0);
  for (size_t i = 0; i < idr_verdict_count(verdict); ++i) {
    INFO(idr_verdict_check(verdict, i) << " " << idr_verdict_message(verdict, i));
    if (idr_verdict_required(verdict, i))
      CHECK(idr_verdict_outcome(verdict, i) == IDR_CHECK_SUCCEEDED);
  }
  CHECK(idr_verdict_check(verdict, idr_verdict_count(verdict)) == nullptr);  // past the end
  size_t len = 0;
  const uint8_t* bytes = idr_verdict_record(verdict, &len);
  REQUIRE(len > 0);
  const std::string rec = dir + "/rec.cose";
  std::ofstream(rec, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes), static_cast<std::streamsize>(len));
  idr_card_free(card);
  idr_verdict_free(verdict);

  // Offline: the saved record verifies (no nonce, no counter); a reduced one keeps only
  // what was disclosed.
  // A program built with version 1 of the struct (no list, no card data checks).
  idr_verify_config offline = IDR_VERIFY_CONFIG_INIT;
  offline.struct_size = IDR_VERIFY_CONFIG_V1_SIZE;
  offline.trust = root.c_str();
  idr_verify_config other_size = offline;
  other_size.struct_size = sizeof(idr_verify_config) - sizeof(int64_t);  // an older layout
  CHECK(idr_record_verify_file(rec.c_str(), &other_size, nullptr, &card, &verdict) ==
        IDR_E_INVALID_ARGUMENT);
  REQUIRE(idr_record_verify_file(rec.c_str(), &offline, nullptr, &card, &verdict) == IDR_OK);
  CHECK(idr_verdict_verified(verdict) == 1);
  CHECK(idr_verdict_accepted(verdict) == 1);
  CHECK(find(verdict, "id_number.check_digit") == SIZE_MAX);  // version 1: no card checks
  REQUIRE(card != nullptr);
  idr_card_free(card);
  idr_verdict_free(verdict);
  const std::string reduced = dir + "/reduced.cose";
  REQUIRE(idr_record_disclose_file(rec.c_str(), "id_number,name", reduced.c_str()) == IDR_OK);
  CHECK(idr_record_disclose_file(rec.c_str(), "no_such_field", reduced.c_str()) ==
        IDR_E_INVALID_ARGUMENT);
  REQUIRE(idr_record_verify_file(reduced.c_str(), &offline, nullptr, &card, &verdict) == IDR_OK);
  REQUIRE(card != nullptr);
  CHECK(std::string(idr_card_field(card, IDR_FIELD_NAME)) == spec.text.at("name"));
  CHECK(std::string(idr_card_field(card, IDR_FIELD_ADDRESS)).empty());  // not disclosed
  idr_card_free(card);
  idr_verdict_free(verdict);
  // Replayed through the counter store: the counter check fails, so no card.
  REQUIRE(idr_record_verify_file(rec.c_str(), &config, nullptr, &card, &verdict) == IDR_OK);
  CHECK(idr_verdict_verified(verdict) == 0);
  CHECK(card == nullptr);
  REQUIRE(find(verdict, "counter") != SIZE_MAX);
  CHECK(std::string(idr_verdict_reason(verdict, find(verdict, "counter"))) == "replay");
  idr_verdict_free(verdict);

  // No trust: IDR_OK, a verdict with the chain FAILED, and never a card.
  idr_verify_config untrusted = IDR_VERIFY_CONFIG_INIT;
  untrusted.counters_db = counters.c_str();
  wait_card(reader, false);
  wait_card(reader, true);
  card = reinterpret_cast<idr_card*>(&len);  // must be overwritten with NULL
  REQUIRE(idr_reader_read_verified(reader, IDR_FIELDS_TEXT, &untrusted, &card, &verdict) == IDR_OK);
  CHECK(card == nullptr);
  CHECK(idr_verdict_verified(verdict) == 0);
  REQUIRE(find(verdict, "chain") != SIZE_MAX);
  CHECK(idr_verdict_outcome(verdict, find(verdict, "chain")) == IDR_CHECK_FAILED);
  CHECK(idr_verdict_accepted(verdict) == 0);
  CHECK(find(verdict, "id_number.check_digit") == SIZE_MAX);  // nothing runs on unverified data
  idr_verdict_free(verdict);

  // The third presentation, waited for by the library, with the card on the lost/stolen
  // list: verified (the card is given), not accepted, the list's verdict says why.
  const std::string csv = dir + "/lost.csv", list = dir + "/lost.idrbl";
  std::ofstream(csv) << spec.text.at("id_number") << "," << spec.text.at("valid_from") << "\n";
  REQUIRE(idr::build_blocklist(csv, list));
  idr_verify_config listed = config;
  listed.lost_stolen = list.c_str();
  REQUIRE(idr_reader_wait_verified(reader, 60000, IDR_FIELDS_TEXT, &listed, &card, &verdict) ==
          IDR_OK);
  CHECK(idr_verdict_verified(verdict) == 1);
  CHECK(idr_verdict_accepted(verdict) == 0);
  CHECK(card != nullptr);
  const size_t l = find(verdict, "lost_stolen");
  REQUIRE(l != SIZE_MAX);
  CHECK(idr_verdict_outcome(verdict, l) == IDR_CHECK_FAILED);
  CHECK(std::string(idr_verdict_reason(verdict, l)) == "listed");
  CHECK(idr_verdict_required(verdict, l) == 1);
  CHECK(idr_verdict_reason_code(verdict, l) == -1);
  idr_card_free(card);
  idr_verdict_free(verdict);
  // Nothing more is presented: IDR_E_NO_CARD once the wait is over.
  CHECK(idr_reader_wait_verified(reader, 0, IDR_FIELDS_TEXT, &listed, &card, &verdict) ==
        IDR_E_NO_CARD);
  CHECK(idr_reader_wait_verified(reader, -1, IDR_FIELDS_TEXT, &listed, &card, &verdict) ==
        IDR_E_INVALID_ARGUMENT);
  idr_reader_close(reader);
}
