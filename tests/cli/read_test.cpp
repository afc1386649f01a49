// `idr read --json` through `idr sim ... -- idr read`: every field equals the scenario's
// personalisation (hw-sim/scenarios/README.md), photo and fingerprint byte for byte.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "idr/sim/scenario.h"

using namespace idr::cli_test;
using nlohmann::json;

namespace {

// Scenario text key -> JSON pointer of `idr read --json`, per card type (DESIGN 8 layouts).
const std::map<std::string, std::string> kResidentKeys = {
    {"name", "/name"},           {"gender", "/gender"},           {"ethnicity", "/ethnicity"},
    {"birth", "/birth"},         {"address", "/address"},         {"id_number", "/id_number"},
    {"authority", "/authority"}, {"valid_from", "/validity/from"}};
const std::map<std::string, std::string> kPermitKeys = {{"name", "/name"},
                                                        {"gender", "/gender"},
                                                        {"birth", "/birth"},
                                                        {"address", "/address"},
                                                        {"id_number", "/id_number"},
                                                        {"authority", "/authority"},
                                                        {"valid_from", "/validity/from"},
                                                        {"pass_number", "/pass_number"},
                                                        {"issue_count", "/issue_count"}};
const std::map<std::string, std::string> kForeignIKeys = {
    {"english_name", "/english_name"},  {"gender", "/gender"},
    {"permanent_number", "/id_number"}, {"nationality", "/nationality"},
    {"chinese_name", "/name"},          {"issued", "/validity/from"},
    {"expires", "/validity/to"},        {"birth", "/birth"},
    {"card_version", "/card_version"},  {"authority_code", "/authority_code"}};

// `signed_read`: a verified read shows only what the reader disclosed and signed, so a card
// with no appended addresses has no address field at all (the legacy read says "read, none").
void check_card(const json& got, const idr::sim::CardSpec& spec, bool signed_read = true) {
  const idr::sim::CardImage image = idr::sim::make_card_image(spec);
  const std::map<std::string, std::string>* keys = &kResidentKeys;
  std::string type = "resident";
  if (spec.type == idr::sim::CardType::PermitJ) keys = &kPermitKeys, type = "permit-J";
  if (spec.type == idr::sim::CardType::ForeignI) keys = &kForeignIKeys, type = "foreign-I";
  CHECK(got.at("type") == type);
  for (const auto& [key, pointer] : *keys) {
    INFO("field " << key);
    CHECK(got.at(json::json_pointer(pointer)) == spec.text.at(key));
  }
  if (spec.text.count("valid_to")) {  // resident and J: a date or 长期 (long-term)
    const bool long_term = spec.text.at("valid_to") == "长期";
    CHECK(got.at("/validity/long_term"_json_pointer) == long_term);
    CHECK(got.at("/validity/to"_json_pointer) == (long_term ? "" : spec.text.at("valid_to")));
  }
  // Gender meaning per GB/T 2261.1 (DESIGN 7): 1 male, 2 female.
  CHECK(got.at("gender_meaning") == (spec.text.at("gender") == "1" ? "male" : "female"));

  CHECK(got.at("/photo/size"_json_pointer) == 1024);
  const auto photo = base64_decode(got.at("/photo/base64"_json_pointer));
  CHECK(photo == std::vector<uint8_t>(image.photo.begin(), image.photo.end()));

  // The fingerprint file is 1024 bytes when present; 512 personalised bytes are its first
  // half and the rest zero (hw-sim/scenarios/README.md).
  const bool no_fingerprint = got.at("fingerprint").is_null();
  if (no_fingerprint) {  // signed: a card without the file has nothing to disclose
    CHECK(signed_read);
    CHECK(image.fingerprint.empty());
  } else {
    const auto fp = base64_decode(got.at("/fingerprint/base64"_json_pointer));
    CHECK(got.at("/fingerprint/size"_json_pointer) == fp.size());
    REQUIRE(fp.size() >= image.fingerprint.size());
    CHECK(std::equal(image.fingerprint.begin(), image.fingerprint.end(), fp.begin()));
    for (size_t i = image.fingerprint.size(); i < fp.size(); ++i) CHECK(fp[i] == 0);
  }
  const std::string parts = no_fingerprint ? "text,photo" : "text,photo,fingerprint";
  if (signed_read && spec.addresses.empty()) {
    CHECK(got.at("appended_addresses") == nullptr);
    CHECK(got.at("fields_read") == parts);
  } else {
    CHECK(got.at("appended_addresses") == json(spec.addresses));
    CHECK(got.at("fields_read") == parts + ",addresses");
  }
  CHECK(got.at("verified") == signed_read);
}

}  // namespace

TEST_CASE("idr read --json: each sample card equals its personalisation", "[read]") {
  for (const char* name :
       {"resident-fingerprint", "resident-longterm-address", "permit-j", "foreign-i"}) {
    const std::string scenario = kSamples + name + ".json";
    INFO("scenario " << scenario);
    const Run r = run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "idr", "read",
                           "--json", "--fields", "all"});
    REQUIRE(r.status == 0);
    const auto out = lines(r.out);
    REQUIRE(out.size() == 1);  // one JSON object; the reader line went to stderr
    check_card(json::parse(out[0]), idr::sim::load_scenario(scenario).cards.at(0).spec);
  }
}

TEST_CASE("idr read --legacy --json: the unsigned read, said so, equals the personalisation",
          "[read]") {
  for (const char* name : {"resident-fingerprint", "resident-longterm-address"}) {
    const std::string scenario = kSamples + name + ".json";
    INFO("scenario " << scenario);
    const Run r = run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "idr", "read",
                           "--legacy", "--json", "--fields", "all"});
    REQUIRE(r.status == 0);
    const auto out = lines(r.out);
    REQUIRE(out.size() == 1);
    const json j = json::parse(out[0]);
    check_card(j, idr::sim::load_scenario(scenario).cards.at(0).spec, false);
    CHECK(j.at("signed") == false);
    CHECK_FALSE(j.contains("verdict"));
  }
}

TEST_CASE("idr read: human output shows the fields with coded values explained", "[read]") {
  const std::string scenario = kSamples + "resident-fingerprint.json";
  const auto spec = idr::sim::load_scenario(scenario).cards.at(0).spec;
  SimulatedReader reader(scenario);
  const Run r = run_idr({"read", "--reader", reader.uri});
  REQUIRE(r.status == 0);
  const auto out = lines(r.out);
  auto has = [&](const std::string& line) {
    return std::find(out.begin(), out.end(), line) != out.end();
  };
  CHECK(has("Name:            " + spec.text.at("name")));
  CHECK(has("ID number:       " + spec.text.at("id_number")));
  CHECK(has("Gender:          1 (male, 男)"));  // GB/T 2261.1
  CHECK(has("Ethnicity:       01 (汉族)"));     // GB 3304: 01 Han
  CHECK(has("Photo:           1024 bytes"));
}

TEST_CASE("idr read --photo-out writes the photo bytes", "[read]") {
  const std::string scenario = kSamples + "resident-fingerprint.json";
  const auto image = idr::sim::make_card_image(idr::sim::load_scenario(scenario).cards.at(0).spec);
  const std::string file = std::string(IDR_BINARY_DIR) + "/photo-out-test.bin";
  std::remove(file.c_str());
  const Run r = run_idr({"sim", "--scenario", scenario, "--port", "0", "--", "idr", "read",
                         "--fields", "text", "--photo-out", file});
  REQUIRE(r.status == 0);
  std::ifstream f(file, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                                   std::istreambuf_iterator<char>());
  CHECK(bytes == std::vector<uint8_t>(image.photo.begin(), image.photo.end()));
}
