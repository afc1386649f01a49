// Scenario JSON parsing, card personalisation (text encoding per DESIGN 8) and the sample
// scenarios shipped in hw-sim/scenarios/.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "helpers.h"

using namespace idr::sim;
using test::Bytes;
namespace card = idr::card;

namespace {

std::string scenarios_dir() {
  return std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios";
}

// Expects parse_scenario to throw with a message containing `needle`.
void expect_error(const std::string& json, const std::string& needle) {
  INFO(json);
  try {
    (void)parse_scenario(json);
    FAIL("no error; expected one mentioning " << needle);
  } catch (const std::runtime_error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
  }
}

std::u16string field_text(const CardImage& img, card::Field f) {
  std::u16string s;
  for (size_t i = 0; i < f.size; i += 2)
    s.push_back(static_cast<char16_t>(img.text[f.offset + i] | (img.text[f.offset + i + 1] << 8)));
  while (!s.empty() && s.back() == u' ') s.pop_back();
  return s;
}

std::string ascii(const std::u16string& s) {
  std::string out;
  for (char16_t c : s) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  return out;
}

// GB 11643-1999 check digit, ISO 7064 MOD 11-2 (DESIGN 7).
char check_digit(const std::string& first17) {
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[static_cast<size_t>(i)] - '0') * w[i];
  return "10X98765432"[sum % 11];
}

}  // namespace

TEST_CASE("MOD 11-2 check digit helper agrees with the GB 11643 example", "[scenario]") {
  CHECK(check_digit("11010519491231002") == 'X');
}

TEST_CASE("text block: UCS-2LE, right padding with 20 00, card type at 248", "[scenario][text]") {
  CardSpec spec;
  spec.text = {{"name", "张三"}, {"gender", "1"}, {"valid_to", "长期"}};
  const CardImage img = make_card_image(spec);
  // 张 U+5F20, 三 U+4E09, then spaces to 30 bytes.
  CHECK(Bytes(img.text.begin(), img.text.begin() + 6) == Bytes{0x20, 0x5F, 0x09, 0x4E, 0x20, 0x00});
  for (size_t i = 4; i < 30; i += 2) {
    CHECK(img.text[i] == 0x20);
    CHECK(img.text[i + 1] == 0x00);
  }
  CHECK(Bytes(img.text.begin() + 30, img.text.begin() + 32) == Bytes{'1', 0x00});
  // 长 U+957F 期 U+671F at 204.
  CHECK(Bytes(img.text.begin() + 204, img.text.begin() + 208) == Bytes{0x7F, 0x95, 0x1F, 0x67});
  CHECK(img.text[248] == 0x20);
  CHECK(img.text[249] == 0x00);

  spec.type = CardType::PermitJ;
  spec.text = {{"pass_number", "H12345678"}};
  const CardImage j = make_card_image(spec);
  CHECK(j.text[248] == 'J');
  CHECK(j.text[249] == 0x00);
  CHECK(ascii(field_text(j, card::permit_j::kPassNumber)) == "H12345678");

  spec.type = CardType::ForeignI;
  spec.text = {{"english_name", "SMITH, JOHN"}, {"authority_code", "1500"}};
  const CardImage i = make_card_image(spec);
  CHECK(i.text[248] == 'I');
  CHECK(ascii(field_text(i, card::foreign_i::kEnglishName)) == "SMITH, JOHN");
  CHECK(ascii(field_text(i, card::foreign_i::kAuthorityCode)) == "1500");

  spec.type = CardType::ForeignY;
  spec.text = {};
  CHECK(make_card_image(spec).text[248] == 'Y');
}

TEST_CASE("personalisation errors name the field", "[scenario][text]") {
  CardSpec spec;
  spec.label = "x";
  spec.text = {{"name", "一二三四五六七八九十一二三四五六"}};  // 16 > 15 characters
  CHECK_THROWS_WITH(make_card_image(spec),
                    Catch::Contains("text.name") && Catch::Contains("16 characters"));
  spec.text = {{"pass_number", "H1"}};  // not a resident field
  CHECK_THROWS_WITH(make_card_image(spec), Catch::Contains("text.pass_number"));
  spec.text = {{"name", "\xF0\x9F\x98\x80"}};  // outside the BMP
  CHECK_THROWS_WITH(make_card_image(spec), Catch::Contains("Basic Multilingual Plane"));
  spec.text = {{"name", "\xE5\xBC"}};  // truncated UTF-8
  CHECK_THROWS_WITH(make_card_image(spec), Catch::Contains("UTF-8"));
}

TEST_CASE("generated photo is the documented open codec and deterministic", "[scenario]") {
  const auto p = generated_photo("a");
  CHECK(Bytes(p.begin(), p.begin() + 4) == Bytes{'I', 'D', 'R', 'G'});
  CHECK(p[4] == 28);
  CHECK(p[5] == 36);
  CHECK(std::all_of(p.begin() + 6 + 28 * 36, p.end(), [](uint8_t b) { return b == 0; }));
  CHECK(p == generated_photo("a"));
  CHECK(p != generated_photo("b"));
  CHECK(generated_fingerprint("a", 512).size() == 512);
  CHECK(derived_uid("a") != derived_uid("b"));
}

TEST_CASE("parse errors name the offending field", "[scenario][json]") {
  expect_error("{", "not valid JSON");
  // A number beyond a double: nlohmann reports it as out_of_range, not parse_error (found
  // by the scenario_json fuzz target).
  expect_error(R"({"name": "x", "seed": -1e+300403020100})", "not valid JSON");
  expect_error(R"({"seed": 1})", "name");
  expect_error(R"({"name": "x", "colour": 1})", "colour: unknown key");
  expect_error(R"({"name": 5})", "name: expected a string");
  expect_error(R"({"name": "x", "seed": -1})", "seed:");
  expect_error(R"({"name": "x", "timing": {"card_fwi": 15}})", "timing.card_fwi");
  expect_error(R"({"name": "x", "timing": {"sam_per_byte_ms": 1}})",
               "timing.sam_per_byte_ms: unknown key");
  expect_error(R"({"name": "x", "keys": {"master": "00"}})", "keys.master: expected 16 bytes");
  expect_error(R"({"name": "x", "keys": {"issuer": "zz000000000000000000000000000000"}})",
               "keys.issuer");
  expect_error(R"({"name": "x", "sam": {"id": [100, 1, 1, 1, 1]}})", "sam.id[0]");
  expect_error(R"({"name": "x", "sam": {"id": [1, 1, 100000000, 1, 1]}})", "sam.id[2]");
  expect_error(R"({"name": "x", "faults": {"bit_error_rate": 2}})", "faults.bit_error_rate");
  expect_error(R"({"name": "x", "flash": {"page_size": 0}})", "flash.page_size");
  expect_error(R"({"name": "x", "cards": {}})", "cards: expected an array");
  expect_error(R"({"name": "x", "cards": [{"type": "Q"}]})", "cards[0].type");
  expect_error(R"({"name": "x", "cards": [{}, {"uid": "0102"}]})", "cards[1].uid");
  expect_error(R"({"name": "x", "cards": [{"text": {"gender": "男男"}}]})",
               "cards[0]: card 'card0': text.gender");
  expect_error(R"({"name": "x", "cards": [{"fingerprint": 700}]})", "cards[0].fingerprint");
  expect_error(R"({"name": "x", "cards": [{"addresses": ["a","b","c","d","e"]}]})",
               "cards[0].addresses");
  expect_error(R"({"name": "x", "cards": [{"timeline": [{"arrive_ms": 5, "remove_ms": 5}]}]})",
               "cards[0].timeline[0].remove_ms");
  expect_error(R"({"name": "x", "cards": [{"timeline": [{"arrive_ms": 0}, {"arrive_ms": 5}]}]})",
               "cards[0].timeline[1].arrive_ms");
  expect_error(R"({"name": "x", "cards": [{"photo": {"file": "does-not-exist.bin"}}]})",
               "cards[0].photo.file");
  expect_error(R"({"name": "x", "cards": [{"issuer_key": "0011"}]})",
               "cards[0].issuer_key: expected 16 bytes");
  CHECK_THROWS_WITH(load_scenario("/nonexistent/x.json"), Catch::Contains("/nonexistent/x.json"));
}

TEST_CASE("scenario and card files are size-checked before reading", "[scenario][json]") {
  const std::string dir = std::filesystem::temp_directory_path() / "idr-scenario-size";
  std::filesystem::create_directories(dir);
  {
    std::ofstream big(dir + "/big.json");
    big << std::string(4 * 1024 * 1024 + 1, ' ');
  }
  CHECK_THROWS_WITH(load_scenario(dir + "/big.json"), Catch::Contains("is larger than 4194304"));
  CHECK_THROWS_WITH(load_scenario("/dev/zero"), Catch::Contains("not a regular file"));
  {
    std::ofstream photo(dir + "/photo.bin", std::ios::binary);
    photo << std::string(64 * 1024 + 1, 'x');
  }
  CHECK_THROWS_WITH(
      parse_scenario(R"({"name": "x", "cards": [{"photo": {"file": "photo.bin"}}]})", dir),
      Catch::Contains("is larger than 65536"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a scenario sets timing, keys, SAM id, faults, flash and timelines", "[scenario][json]") {
  const Scenario s = parse_scenario(R"({
    "name": "t", "seed": 77,
    "timing": {"card_turnaround_us": 500, "card_auth_total_us": 12000.5, "sam_baud": 230400, "card_fwi": 7},
    "keys": {"master": "000102030405060708090a0b0c0d0e0f"},
    "sam": {"id": [6, 2, 20240101, 5, 6]},
    "faults": {"frame_loss_rate": 0.25},
    "flash": {"page_size": 2048, "page_count": 8},
    "cards": [{"label": "a", "uid": "0102030405060708", "faults": {"bit_error_rate": 0.001},
               "timeline": [{"arrive_ms": 1.5, "remove_ms": 20}, {"arrive_ms": 30}]}]
  })");
  CHECK(s.seed == 77);
  CHECK(s.timing.card_turnaround == 500 * kUs);
  CHECK(s.timing.card_auth_total == 12'000'500);
  CHECK(s.timing.sam_baud == 230400);
  CHECK(s.timing.card_fwi == 7);
  CHECK(s.timing.sam_per_operation == TimingParams{}.sam_per_operation);  // untouched default
  CHECK(s.keys.master[15] == 0x0F);
  CHECK(s.keys.issuer == standin::default_keys().issuer);
  CHECK(s.sam_id == sam_id_from(6, 2, 20240101, 5, 6));
  CHECK(s.field_faults.frame_loss_rate == 0.25);
  CHECK(s.flash_page_size == 2048);
  REQUIRE(s.cards.size() == 1);
  CHECK(s.cards[0].faults.bit_error_rate == 0.001);
  REQUIRE(s.cards[0].timeline.size() == 2);
  CHECK(s.cards[0].timeline[0].arrive == 1'500'000);
  CHECK(*s.cards[0].timeline[0].remove == 20 * kMs);
  CHECK_FALSE(s.cards[0].timeline[1].remove);
  CHECK_FALSE(s.cards[0].issuer_key);  // sealed with the scenario's K_issuer

  ScenarioRig rig(s);
  CHECK(rig.field->card_count() == 1);
  CHECK(rig.flash->page_size() == 2048);
  CHECK(rig.sam->sam_baud() == 230400);
  CHECK(rig.images[0].uid == std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK_FALSE(rig.field->card_present(0, kMs));
  CHECK(rig.field->card_present(0, 2 * kMs));
}

TEST_CASE("a scenario arms faults on given RF frames and SAM frames and names bad ones",
          "[scenario][json][faults]") {
  const Scenario s = parse_scenario(R"({
    "name": "f",
    "faults": {"bit_error_rate": 0.001,
               "frames": [{"frame": 12, "kind": "tear", "direction": "answer"},
                          {"frame": 3, "kind": "crc_error", "direction": "command", "bit": 7}]},
    "sam": {"faults": [{"frame": 4, "kind": "late_reply"}, {"frame": 9, "kind": "wrong_mac"}]}
  })");
  CHECK(s.field_faults.bit_error_rate == 0.001);
  REQUIRE(s.frame_faults.size() == 2);
  CHECK(s.frame_faults[0].frame == 12);
  CHECK(s.frame_faults[0].kind == FrameFaultKind::Tear);
  CHECK(s.frame_faults[0].direction == FrameDirection::Answer);
  CHECK(s.frame_faults[1].kind == FrameFaultKind::CrcError);
  CHECK(s.frame_faults[1].bit == 7);
  REQUIRE(s.sam_faults.size() == 2);
  CHECK(s.sam_faults[0].kind == SamFaultKind::LateReply);
  CHECK(s.sam_faults[1].frame == 9);
  CHECK(s.sam_faults[1].kind == SamFaultKind::WrongMac);

  expect_error(
      R"({"name": "x", "faults": {"frames": [{"frame": 1, "kind": "zap", "direction": "answer"}]}})",
      "faults.frames[0].kind");
  expect_error(R"({"name": "x", "faults": {"frames": [{"frame": 1, "kind": "tear"}]}})",
               "faults.frames[0].direction");
  expect_error(
      R"({"name": "x", "faults": {"frames": [{"frame": 0, "kind": "tear", "direction": "answer"}]}})",
      "faults.frames[0].frame");
  expect_error(R"({"name": "x", "sam": {"faults": [{"frame": 1, "kind": "slow"}]}})",
               "sam.faults[0].kind");
  expect_error(R"({"name": "x", "cards": [{"faults": {"frames": []}}]})", "frames");
}

TEST_CASE("every sample scenario loads, with valid-looking card data", "[scenario][samples]") {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(scenarios_dir())) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    INFO(entry.path().string());
    const Scenario s = load_scenario(entry.path().string());
    CHECK(s.name == entry.path().stem().string());
    CHECK_FALSE(s.cards.empty());
    std::set<std::array<uint8_t, 8>> uids;
    for (const auto& c : s.cards) {
      const CardImage img = make_card_image(c.spec);
      uids.insert(img.uid);
      if (c.spec.type != CardType::Resident && c.spec.type != CardType::PermitJ) continue;
      const std::string id = ascii(field_text(img, card::resident::kIdNumber));
      const std::string birth = ascii(field_text(img, card::resident::kBirth));
      const std::string gender = ascii(field_text(img, card::resident::kGender));
      INFO("card " << c.spec.label << " id " << id);
      REQUIRE(id.size() == 18);
      CHECK(id[17] == check_digit(id.substr(0, 17)));
      CHECK(id.substr(6, 8) == birth);
      CHECK(((id[16] - '0') % 2 == 1 ? "1" : "2") == gender);
    }
    CHECK(uids.size() == s.cards.size());  // each card its own UID
    ScenarioRig rig(s);
    CHECK(rig.field->card_count() == s.cards.size());
  }
  CHECK(count >= 6);
}

TEST_CASE("sample: three cards one after another are each alone in the field",
          "[scenario][samples]") {
  ScenarioRig rig(load_scenario(scenarios_dir() + "/three-cards-sequential.json"));
  REQUIRE(rig.field->card_count() == 3);
  for (Time t : {1 * kSec, 4 * kSec, 7 * kSec}) {
    int present = 0;
    for (size_t i = 0; i < 3; ++i) present += rig.field->card_present(i, t) ? 1 : 0;
    CHECK(present == 1);
  }
  for (Time t : {2500 * kMs, 5500 * kMs, 9 * kSec}) {
    for (size_t i = 0; i < 3; ++i) CHECK_FALSE(rig.field->card_present(i, t));
  }
}

TEST_CASE("a card's issuer_key: personalised with it, the SAM keeps the scenario's K_issuer",
          "[scenario][json]") {
  const Scenario s = parse_scenario(R"({"name": "t", "cards": [{"label": "forged",
    "issuer_key": "000102030405060708090a0b0c0d0e0f"}]})");
  REQUIRE(s.cards.at(0).issuer_key);
  CHECK((*s.cards[0].issuer_key)[15] == 0x0F);
  CHECK(s.keys.issuer == standin::default_keys().issuer);  // what the SAM holds
}
