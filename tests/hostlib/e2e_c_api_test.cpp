// End to end through the C API (idr.h), called from C++: the same sample cards, the SAM id
// and cancellation, through opaque handles and integer codes.
#include <catch2/catch.hpp>
#include <cstring>
#include <future>

#include "card_expect.h"
#include "e2e_reader.h"
#include "e2e_support.h"
#include "idr/idr.h"

using namespace idr;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string field(const idr_card* c, idr_field f) {
  const char* s = idr_card_field(c, f);
  REQUIRE(s != nullptr);
  return s;
}

// The C view of a card equals the personalisation (via the C++ expectations on a copy).
void check_c_card(const idr_card* c, const sim::CardSpec& spec) {
  CardData d;
  d.type = static_cast<CardType>(idr_card_type(c));
  d.name = field(c, IDR_FIELD_NAME);
  d.gender = field(c, IDR_FIELD_GENDER);
  d.birth = field(c, IDR_FIELD_BIRTH);
  d.id_number = field(c, IDR_FIELD_ID_NUMBER);
  d.validity.from = field(c, IDR_FIELD_VALID_FROM);
  d.validity.to = field(c, IDR_FIELD_VALID_TO);
  d.validity.long_term = idr_card_long_term(c) == 1;
  d.ethnicity = field(c, IDR_FIELD_ETHNICITY);
  d.address = field(c, IDR_FIELD_ADDRESS);
  d.authority = field(c, IDR_FIELD_AUTHORITY);
  d.pass_number = field(c, IDR_FIELD_PASS_NUMBER);
  d.issue_count = field(c, IDR_FIELD_ISSUE_COUNT);
  d.english_name = field(c, IDR_FIELD_ENGLISH_NAME);
  d.nationality = field(c, IDR_FIELD_NATIONALITY);
  d.card_version = field(c, IDR_FIELD_CARD_VERSION);
  d.authority_code = field(c, IDR_FIELD_AUTHORITY_CODE);
  d.renewal_count = field(c, IDR_FIELD_RENEWAL_COUNT);
  d.previous_number_link = field(c, IDR_FIELD_PREVIOUS_NUMBER_LINK);
  CHECK(idr_card_field(c, IDR_FIELD_COUNT_) == nullptr);
  size_t len = 0;
  const uint8_t* text = idr_card_text_raw(c, &len);
  REQUIRE(len == 256);
  std::memcpy(d.text_raw.data(), text, len);
  const uint8_t* photo = idr_card_photo(c, &len);
  d.photo.assign(photo, photo + len);
  const uint8_t* fp = idr_card_fingerprint(c, &len);
  if (len != 0) d.fingerprint.assign(fp, fp + len);
  for (size_t i = 0; i < idr_card_address_count(c); ++i)
    d.appended_addresses.emplace_back(idr_card_address(c, i));
  CHECK(idr_card_address(c, idr_card_address_count(c)) == nullptr);
  d.fields_read = kAll;
  test::check_card(d, spec);
}

}  // namespace

TEST_CASE("hostlib e2e C API: every sample card reads back equal to its personalisation") {
  for (const std::string& file : test::sample_scenarios()) {
    const sim::Scenario s = sim::load_scenario(file);
    if (s.cards.size() != 1 && s.name != "three-cards-sequential") continue;
    SECTION(s.name) {
      const auto procs = test::start_e2e_reader(file);
      const std::string uri = procs->uri();
      idr_reader* reader = nullptr;
      REQUIRE(idr_reader_open(uri.c_str(), 0, &reader) == IDR_OK);
      CHECK(idr_reader_status(reader) == IDR_OK);
      uint8_t raw[16] = {};
      char text[40] = {};
      REQUIRE(idr_reader_sam_id(reader, raw, text, sizeof(text)) == IDR_OK);
      CHECK(std::memcmp(raw, s.sam_id.data(), 16) == 0);
      CHECK(std::strlen(text) == 36);
      idr_card* card = nullptr;
      const int rc = idr_reader_wait_for_card(reader, 10000, IDR_FIELDS_ALL, &card);
      INFO(idr_strerror(rc));
      REQUIRE(rc == IDR_OK);
      REQUIRE(card != nullptr);
      check_c_card(card, s.cards.front().spec);
      int present = -1;
      CHECK(idr_reader_find_card(reader, &present) == IDR_OK);
      CHECK(present == 0);
      idr_card_free(card);
      idr_reader_close(reader);
    }
  }
}

TEST_CASE("hostlib e2e C API: bad arguments, open errors and cancellation give codes") {
  idr_reader* reader = reinterpret_cast<idr_reader*>(0x1);
  CHECK(idr_reader_open("nonsense", 0, &reader) == IDR_E_INVALID_ARGUMENT);
  CHECK(reader == nullptr);
  CHECK(idr_reader_open("nosuch:x", 0, &reader) == IDR_E_UNSUPPORTED);
  CHECK(idr_reader_open(nullptr, 0, &reader) == IDR_E_INVALID_ARGUMENT);
  CHECK(idr_reader_open("tcp://127.0.0.1:1", 0, nullptr) == IDR_E_INVALID_ARGUMENT);
  CHECK(idr_reader_status(nullptr) == IDR_E_INVALID_ARGUMENT);
  CHECK(idr_reader_cancel(nullptr) == IDR_E_INVALID_ARGUMENT);
  CHECK(idr_card_type(nullptr) == IDR_E_INVALID_ARGUMENT);
  CHECK(idr_card_field(nullptr, IDR_FIELD_NAME) == nullptr);
  CHECK(idr_card_address_count(nullptr) == 0);
  idr_reader_close(nullptr);
  idr_card_free(nullptr);
  CHECK(std::string(idr_version()) == "0.1.0");

  const auto procs = test::start_e2e_reader(std::string(IDR_SOURCE_DIR) +
                                            "/tests/hostlib/scenarios/empty-field.json");
  const std::string uri = procs->uri();
  REQUIRE(idr_reader_open(uri.c_str(), 2000, &reader) == IDR_OK);
  idr_card* card = reinterpret_cast<idr_card*>(0x1);
  CHECK(idr_reader_wait_for_card(reader, 100, IDR_FIELDS_BASE, &card) == IDR_E_TIMEOUT);
  CHECK(card == nullptr);
  CHECK(idr_reader_read_card(reader, 0, &card) == IDR_E_INVALID_ARGUMENT);
  CHECK(idr_reader_read_card(reader, IDR_FIELDS_BASE, &card) == IDR_E_NO_CARD);  // select 81
  CHECK(idr_reader_cancel(reader) == IDR_OK);
  CHECK(idr_reader_wait_for_card(reader, 60000, IDR_FIELDS_BASE, &card) == IDR_E_CANCELLED);
  CHECK(idr_reader_reset_cancel(reader) == IDR_OK);
  CHECK(idr_reader_status(reader) == IDR_OK);
  idr_reader_close(reader);
}
