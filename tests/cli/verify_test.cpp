// `idr read` / `idr watch` verify by default: `idr sim` provisions its reader with a
// throwaway CA and hands the trust to the command; a read is shown only when every check of
// DESIGN 5 succeeded, otherwise the verdict and NOT VERIFIED with exit 6 and no card data.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "idr/sim/scenario.h"

using namespace idr::cli_test;
using nlohmann::json;

namespace {

const std::string kScenario = kSamples + "resident-fingerprint.json";

bool has_line_starting(const std::vector<std::string>& out, const std::string& start) {
  return std::any_of(out.begin(), out.end(),
                     [&](const std::string& l) { return l.rfind(start, 0) == 0; });
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("idr sim -- idr read: VERIFIED with one SUCCEEDED line per check", "[verify]") {
  const auto spec = idr::sim::load_scenario(kScenario).cards.at(0).spec;
  const Run r = run_idr({"sim", "--scenario", kScenario, "--port", "0", "--", "idr", "read"});
  REQUIRE(r.status == 0);
  const auto out = lines(r.out);
  REQUIRE_FALSE(out.empty());
  CHECK(out[0].rfind("Verification:    VERIFIED (reader IDR-", 0) == 0);
  for (const char* check : {"decode", "signature", "chain", "revocation", "nonce", "sam",
                            "digest[name]", "digest[id_number]", "digest[photo]", "counter"}) {
    INFO("check " << check);
    std::string start = std::string("  ") + check;
    start.resize(36, ' ');
    CHECK(has_line_starting(out, start + "SUCCEEDED"));
  }
  CHECK(std::find(out.begin(), out.end(), "Name:            " + spec.text.at("name")) != out.end());
}

TEST_CASE("idr read --json without trust: NOT VERIFIED, no card data, exit 6", "[verify]") {
  const auto spec = idr::sim::load_scenario(kScenario).cards.at(0).spec;
  SimulatedReader reader(kScenario);
  ::setenv("IDR_TRUST", "", 1);  // no roots: the chain check must fail
  const Run r = run_idr({"read", "--reader", reader.uri, "--json", "--show-unverified"});
  CHECK(r.status == 6);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 1);
  const json j = json::parse(out[0]);
  CHECK(j.at("verified") == false);
  CHECK(j.at("accepted") == false);
  CHECK_FALSE(j.contains("name"));  // never card data from a record that did not verify
  CHECK_FALSE(j.contains("id_number"));
  bool chain_failed = false;
  for (const auto& c : j.at("verdict"))
    if (c.at("check") == "chain") chain_failed = c.at("outcome") == "FAILED";
  CHECK(chain_failed);
  // --show-unverified: the values are there, under a name that says what they are.
  CHECK(j.at("/unverified_disclosures/id_number"_json_pointer) == spec.text.at("id_number"));
}

TEST_CASE("idr read: the human output of a record that did not verify has no card fields",
          "[verify]") {
  SimulatedReader reader(kScenario);
  ::setenv("IDR_TRUST", "", 1);
  const Run r = run_idr({"read", "--reader", reader.uri});
  CHECK(r.status == 6);
  const auto out = lines(r.out);
  CHECK(has_line_starting(out, "Verification:    NOT VERIFIED"));
  CHECK(has_line_starting(out, "NOT VERIFIED: chain: "));
  CHECK_FALSE(has_line_starting(out, "Name:"));
  CHECK_FALSE(has_line_starting(out, "ID number:"));
}

TEST_CASE("idr read --trust with the dev root verifies, --now after the dev CA expires fails",
          "[verify]") {
  SimulatedReader reader(kScenario);
  const std::string trust = reader.trust;
  ::unsetenv("IDR_TRUST");
  // The dev CA is valid one year from now (idr sim); ten years on it has expired.
  const auto later = std::to_string(std::time(nullptr) + 10LL * 365 * 24 * 3600);
  const Run expired =
      run_idr({"read", "--reader", reader.uri, "--json", "--trust", trust, "--now", later});
  CHECK(expired.status == 6);
  const json e = json::parse(lines(expired.out).at(0));
  CHECK(e.at("verified") == false);
  bool chain_expired = false;
  for (const auto& c : e.at("verdict"))
    if (c.at("check") == "chain") chain_expired = c.at("reason") == "expired";
  CHECK(chain_expired);
}

TEST_CASE("idr sim --no-provision: the reader signs nothing, --legacy still reads", "[verify]") {
  const Run r =
      run_idr({"sim", "--scenario", kScenario, "--port", "0", "--no-provision", "--", "sh", "-c",
               "test -z \"$IDR_TRUST\" && idr read --counters \"$(mktemp -u)\""});
  CHECK(r.status == 4);  // SW3 unauthorized: a card error (exit 4)
  const Run legacy = run_idr({"sim", "--scenario", kScenario, "--port", "0", "--no-provision", "--",
                              "idr", "read", "--legacy"});
  CHECK(legacy.status == 0);
  CHECK(has_line_starting(lines(legacy.out), "Verification:    none (legacy unsigned read"));
}

TEST_CASE("idr sim serving: prints the trust and counter paths, removes them at exit", "[verify]") {
  std::string trust;
  {
    SimulatedReader reader(kScenario);
    trust = reader.trust;
    CHECK(exists(trust));
    CHECK(reader.counters.find("/idr-sim-") != std::string::npos);
  }
  CHECK_FALSE(exists(trust));
}

TEST_CASE("idr watch --json: each card's line says verified", "[verify]") {
  SimulatedReader reader(kSamples + "three-cards-sequential.json");
  const Run r = run_idr({"watch", "--reader", reader.uri, "--json", "--count", "2"});
  REQUIRE(r.status == 0);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 2);
  for (const auto& line : out) {
    const json j = json::parse(line);
    CHECK(j.at("verified") == true);
    CHECK(j.at("accepted") == true);
  }
}

TEST_CASE(
    "idr read: a card the SAM's issuer MAC check rejects is signed sam_ok false, NOT VERIFIED",
    "[verify]") {
  // The card's issuer MACs were made with another key (issuer_key in the scenario): its
  // files read and unwrap, the reader's SAM answers 0x33 to the issuer MAC check, and the
  // reader signs what it read with sam_ok false (extension.h).
  const std::string scenario = kOwnScenarios + "issuer-mac-rejected.json";
  const Run r = run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "idr", "read",
                         "--json", "--fields", "all"});
  CHECK(r.status == 6);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 1);
  const json j = json::parse(out[0]);
  CHECK(j.at("verified") == false);
  CHECK_FALSE(j.contains("id_number"));  // no card data from a record that did not verify
  bool sam_failed = false, signature_ok = false;
  for (const auto& c : j.at("verdict")) {
    if (c.at("check") == "sam") {
      sam_failed = c.at("outcome") == "FAILED" && c.at("reason") == "sam_rejected";
      CHECK(c.at("message").get<std::string>().find("rejected the issuer MACs") !=
            std::string::npos);
    }
    if (c.at("check") == "signature") signature_ok = c.at("outcome") == "SUCCEEDED";
  }
  CHECK(sam_failed);
  CHECK(signature_ok);  // the reader did sign it: the "no" is the SAM's, carried signed

  // Human output: the verdict names the sam check as the failure.
  const Run h = run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "idr", "read"});
  CHECK(h.status == 6);
  CHECK(has_line_starting(lines(h.out), "NOT VERIFIED: sam: the reader's SAM rejected"));
}

TEST_CASE("idr read: appended addresses are shown as covered by the reader's signature only",
          "[verify]") {
  const std::string scenario = kSamples + "resident-longterm-address.json";
  const Run r = run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "idr", "read",
                         "--json", "--fields", "all"});
  REQUIRE(r.status == 0);
  const json j = json::parse(lines(r.out).at(0));
  CHECK(j.at("covered_by_signature_only") == json::array({"address_1"}));
  const auto issuer = j.at("covered_by_issuer_mac");
  for (const char* f : {"name", "id_number", "address", "photo", "fingerprint"})
    CHECK(std::find(issuer.begin(), issuer.end(), f) != issuer.end());
  CHECK(std::find(issuer.begin(), issuer.end(), "address_1") == issuer.end());
  for (const auto& c : j.at("verdict")) {
    const std::string message = c.at("message");
    if (c.at("check") == "sam")
      CHECK(message.find("not over appended addresses") != std::string::npos);
    if (c.at("check") == "digest" && c.at("field") == "address_1")
      CHECK(message.find("reader's signature only") != std::string::npos);
    if (c.at("check") == "digest" && c.at("field") == "address")
      CHECK(message.find("signature only") == std::string::npos);
  }
}
