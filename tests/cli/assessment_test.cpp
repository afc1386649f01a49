// `idr read` / `idr watch` beyond the fields: the checks of DESIGN 7,
// the lost/stolen list status, the photo decoded to PNG, the read journal, exit code 6.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_support.h"
#include "idr/testing/temp_dir.h"

using namespace idr::cli_test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The card of resident-fingerprint.json (hw-sim/scenarios).
const std::string kScenario = kSamples + "resident-fingerprint.json";
const std::string kIdNumber = "110101199003071233";
const std::string kValidFrom = "20160310";

// Builds a list from id_number,valid_from lines with `idr blocklist build`.
std::string build_list(const idr::testing::TempDir& dir, const std::string& name,
                       const std::vector<std::string>& rows) {
  const std::string csv = dir.path + "/" + name + ".csv";
  std::ofstream(csv) << [&] {
    std::string s;
    for (const auto& r : rows) s += r + "\n";
    return s;
  }();
  const std::string list = dir.path + "/" + name + ".idrbl";
  REQUIRE(run_idr({"blocklist", "build", csv, list}).status == 0);
  return list;
}

json read_json(const std::vector<std::string>& extra, int& status) {
  SimulatedReader reader(kScenario);  // a fresh card each time: a read card stays ACTIVE
  std::vector<std::string> args{"read", "--reader", reader.uri, "--json", "--today", "20250601"};
  args.insert(args.end(), extra.begin(), extra.end());
  const Run r = run_idr(args);
  status = r.status;
  return r.out.empty() ? json{} : json::parse(r.out);
}

}  // namespace

TEST_CASE("idr read: every check is its own verdict and a good card is accepted", "[assess]") {
  int status = -1;
  const json j = read_json({}, status);
  CHECK(status == 0);
  CHECK(j.at("accepted") == true);
  CHECK(j.at("/checks/overall"_json_pointer) == "SUCCEEDED");
  std::set<std::string> names;
  for (const auto& v : j.at("/checks/verdicts"_json_pointer)) names.insert(v.at("name"));
  for (const char* n : {"id_number.format", "id_number.check_digit", "id_number.region",
                        "id_number.birth_date", "id_number.gender_parity", "validity.current"})
    CHECK(names.count(n) == 1);
}

TEST_CASE("idr read --blocklist: a listed card is reported and exits 6, others pass", "[assess]") {
  idr::testing::TempDir dir("idr-cli-assess");
  const std::string listed =
      build_list(dir, "listed", {"11010519491231002X,20100101", kIdNumber + "," + kValidFrom});
  // The same person's replacement card (another validity start) must not be blocked.
  const std::string replacement = build_list(dir, "replacement", {kIdNumber + ",20060310"});

  int status = -1;
  json j = read_json({"--blocklist", listed}, status);
  CHECK(status == 6);
  CHECK(j.at("lost_stolen_listed") == true);
  CHECK(j.at("lost_stolen_reason") == "listed");
  CHECK(j.at("accepted") == false);

  j = read_json({"--blocklist", replacement}, status);
  CHECK(status == 0);
  CHECK(j.at("lost_stolen_listed") == false);
  CHECK(j.at("lost_stolen_reason") == "not_listed");
  CHECK(j.at("accepted") == true);
}

TEST_CASE("idr read: a corrupt list is refused before any read, with exit 7", "[assess]") {
  idr::testing::TempDir dir("idr-cli-assess");
  const std::string bad = dir.path + "/bad.idrbl";
  std::ofstream(bad) << "not a list";
  SimulatedReader reader(kScenario);
  const Run r = run_idr({"read", "--reader", reader.uri, "--blocklist", bad});
  CHECK(r.status == 7);  // a list that cannot be used
  CHECK(r.out.empty());
}

TEST_CASE("idr read: an expired card fails validity.current and exits 6", "[assess]") {
  int status = -1;
  const json j = read_json({"--today", "20370101"}, status);  // valid to 20360310
  CHECK(status == 6);
  bool found = false;
  for (const auto& v : j.at("/checks/verdicts"_json_pointer)) {
    if (v.at("name") != "validity.current") continue;
    found = true;
    CHECK(v.at("status") == "FAILED");
  }
  CHECK(found);
}

TEST_CASE("idr read --photo writes a PNG, --journal appends a verifiable row", "[assess]") {
  idr::testing::TempDir dir("idr-cli-assess");
  const std::string png = dir.path + "/photo.png";
  const std::string db = dir.path + "/journal.db";
  ::setenv("IDR_JOURNAL_KEY", "00112233445566778899aabbccddeeff", 1);
  int status = -1;
  const json j = read_json({"--photo", png, "--journal", db}, status);
  CHECK(status == 0);
  CHECK(j.at("journal_row") == 1);
  std::ifstream f(png, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  CHECK(std::string(sig, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(run_idr({"journal", "verify", db}).status == 0);  // with the key
  ::unsetenv("IDR_JOURNAL_KEY");
  CHECK(run_idr({"journal", "verify", db}).status == 7);  // the chain is keyed: no key
}

TEST_CASE("idr read --journal without a key cannot journal: exit 7", "[assess]") {
  idr::testing::TempDir dir("idr-cli-assess");
  ::unsetenv("IDR_JOURNAL_KEY");
  SimulatedReader reader(kScenario);
  const Run r = run_idr({"read", "--reader", reader.uri, "--journal", dir.path + "/j.db"});
  CHECK(r.status == 7);
  CHECK(r.err.find("IDR_JOURNAL_KEY") != std::string::npos);
}
