// Card decoding (DESIGN 8 text layouts), UCS-2LE edge cases, error messages and the SW3
// mapping. Text blocks come from the simulator's personalisation (make_card_image), so the
// layouts are checked against an independent writer.
#include <catch2/catch.hpp>
#include <cstring>
#include <set>

#include "card_expect.h"
#include "idr/card.h"
#include "idr/error.h"
#include "idr/idr.h"

using namespace idr;

namespace {

std::vector<uint8_t> ucs2(std::initializer_list<uint16_t> units) {
  std::vector<uint8_t> b;
  for (uint16_t u : units) {
    b.push_back(static_cast<uint8_t>(u & 0xFF));
    b.push_back(static_cast<uint8_t>(u >> 8));
  }
  return b;
}

std::string utf8(const std::vector<uint8_t>& b) {
  auto r = ucs2le_to_utf8(b.data(), b.size());
  REQUIRE(r.ok());
  return r.value();
}

Error utf8_error(const std::vector<uint8_t>& b) {
  return ucs2le_to_utf8(b.data(), b.size()).error();
}

CardData decode(const sim::CardSpec& spec) {
  const sim::CardImage image = sim::make_card_image(spec);
  auto r = decode_text(image.text.data());
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("hostlib decode: resident card, every field (DESIGN 8 resident layout)") {
  const sim::CardSpec s = test::resident_spec();
  const CardData c = decode(s);
  test::check_text_fields(c, s);
  CHECK(c.name == "张伟");  // literal too: the right padding (spaces) is gone
  CHECK(c.fields_read == unsigned{kText});
}

TEST_CASE("hostlib decode: resident card valid 长期 gives long_term and an empty end date") {
  sim::CardSpec s;
  s.text = {{"name", "孙丽"}, {"valid_from", "20100105"}, {"valid_to", "长期"}};
  const CardData c = decode(s);
  CHECK(c.validity.long_term);
  CHECK(c.validity.to.empty());
  CHECK(c.validity.from == "20100105");
  CHECK(c.gender.empty());  // fields not personalised are spaces: empty
}

TEST_CASE("hostlib decode: residence permit 'J' (32/4 reserved, pass number, issue count)") {
  sim::CardSpec s;
  s.type = sim::CardType::PermitJ;
  s.text = {{"name", "陈大文"},
            {"gender", "1"},
            {"birth", "19880808"},
            {"address", "广东省深圳市福田区福华一路6号"},
            {"id_number", "810000198808080013"},
            {"authority", "深圳市公安局福田分局"},
            {"valid_from", "20220901"},
            {"valid_to", "20270901"},
            {"pass_number", "H12345678"},
            {"issue_count", "01"}};
  const CardData c = decode(s);
  test::check_text_fields(c, s);
  CHECK(c.type == CardType::PermitJ);
}

TEST_CASE("hostlib decode: foreign permanent resident 'I' (2017 layout)") {
  sim::CardSpec s;
  s.type = sim::CardType::ForeignI;
  s.text = {{"english_name", "SMITH, JOHN ALEXANDER"},
            {"gender", "1"},
            {"permanent_number", "USA110085010112"},
            {"nationality", "USA"},
            {"chinese_name", "史密斯"},
            {"issued", "20170601"},
            {"expires", "20270601"},
            {"birth", "19850101"},
            {"card_version", "01"},
            {"authority_code", "1500"}};
  const CardData c = decode(s);
  test::check_text_fields(c, s);
  CHECK(c.id_number == "USA110085010112");
}

TEST_CASE("hostlib decode: foreign permanent resident 'Y' (2023), English name in two parts") {
  sim::CardSpec s;
  s.type = sim::CardType::ForeignY;
  // Part 1 filled to its 35 characters: the name runs on into part 2.
  s.text = {{"chinese_name", "安娜"},
            {"gender", "2"},
            {"renewal_count", "00"},
            {"birth", "19920215"},
            {"english_name_1", "MUELLER-LUEDENSCHEIDT, ANNA KATHARI"},
            {"id_number", "932682199202150024"},
            {"issued", "20230901"},
            {"expires", "20330901"},
            {"english_name_2", "NA"},
            {"country_code", "DEU"},
            {"previous_number_link", "1"}};
  REQUIRE(s.text["english_name_1"].size() == 35);
  CardData c = decode(s);
  test::check_text_fields(c, s);
  CHECK(c.english_name == "MUELLER-LUEDENSCHEIDT, ANNA KATHARINA");

  // Part 1 shorter than its field: the writer broke at a word, joined with one space.
  s.text["english_name_1"] = "LI";
  s.text["english_name_2"] = "MING";
  c = decode(s);
  CHECK(c.english_name == "LI MING");
  s.text.erase("english_name_2");
  CHECK(decode(s).english_name == "LI");
}

TEST_CASE("hostlib decode: a type char 0 is resident, an unknown type char is malformed") {
  sim::CardSpec s;
  s.text = {{"name", "张伟"}};
  sim::CardImage image = sim::make_card_image(s);
  image.text[248] = 0;
  image.text[249] = 0;
  auto r = decode_text(image.text.data());
  REQUIRE(r.ok());
  CHECK(r->type == CardType::Resident);
  image.text[248] = 'X';
  CHECK(decode_text(image.text.data()).error() == Error::MalformedReply);
  CHECK(decode_text(nullptr).error() == Error::InvalidArgument);
}

TEST_CASE("hostlib decode: a bad field makes the whole card malformed, never half a card") {
  sim::CardSpec s;
  s.text = {{"name", "张伟"}, {"id_number", "110101199003071233"}};
  sim::CardImage image = sim::make_card_image(s);
  image.text[122] = 0x00;  // first unit of the ID number: a lone low surrogate DC00
  image.text[123] = 0xDC;
  CHECK(decode_text(image.text.data()).error() == Error::MalformedReply);
}

TEST_CASE("hostlib ucs2: BMP to UTF-8 in 1, 2 and 3 bytes, right padding removed") {
  CHECK(utf8(ucs2({'A', 0x00E9, 0x5F20, 0x0020, 0x0020})) == "A\xC3\xA9\xE5\xBC\xA0");
  CHECK(utf8(ucs2({0x0020, 'B', 0x0020})) == " B");  // left spaces stay (never padded there)
  CHECK(utf8(ucs2({'A', 0x0020, 'B'})) == "A B");    // inner spaces stay
  CHECK(utf8(ucs2({'C', 0x0000, 0x0000})) == "C");   // NUL padding too
  CHECK(utf8(ucs2({'C', 0x0020, 0x0000, 0x0020})) == "C");
  CHECK(utf8(ucs2({0x0020, 0x0020})).empty());
  CHECK(utf8({}).empty());
  CHECK(utf8(ucs2({0xFFFD, 0x07FF, 0x0800, 0x007F})) == "\xEF\xBF\xBD\xDF\xBF\xE0\xA0\x80\x7F");
}

TEST_CASE("hostlib ucs2: surrogate pairs decode to 4-byte UTF-8, unpaired ones are malformed") {
  // U+20000 (CJK Ext. B) = D840 DC00; U+1F600 = D83D DE00 (Unicode 3.9, UTF-16).
  CHECK(utf8(ucs2({0xD840, 0xDC00})) == "\xF0\xA0\x80\x80");
  CHECK(utf8(ucs2({'x', 0xD83D, 0xDE00, 0x0020})) == "x\xF0\x9F\x98\x80");
  CHECK(utf8_error(ucs2({0xD840})) == Error::MalformedReply);          // high at the end
  CHECK(utf8_error(ucs2({0xD840, 0x0020})) == Error::MalformedReply);  // high, then padding
  CHECK(utf8_error(ucs2({0xD840, 'A'})) == Error::MalformedReply);     // high, then a BMP char
  CHECK(utf8_error(ucs2({0xDC00, 'A'})) == Error::MalformedReply);     // lone low
  CHECK(utf8_error(ucs2({0xD840, 0xD840, 0xDC00})) == Error::MalformedReply);
  CHECK(utf8_error(ucs2({'A', 0x0000, 'B'})) == Error::MalformedReply);  // NUL inside
  const uint8_t odd[3] = {'A', 0, 'B'};
  CHECK(ucs2le_to_utf8(odd, 3).error() == Error::MalformedReply);
  CHECK(ucs2le_to_utf8(nullptr, 2).error() == Error::InvalidArgument);
}

namespace {
// Every idr::Error value (error.h) with its C code name's value (idr.h).
const std::vector<std::pair<Error, int>> kAllErrors = {
    {Error::Ok, IDR_OK},
    {Error::InvalidArgument, IDR_E_INVALID_ARGUMENT},
    {Error::Unsupported, IDR_E_UNSUPPORTED},
    {Error::TransportOpen, IDR_E_TRANSPORT_OPEN},
    {Error::TransportClosed, IDR_E_TRANSPORT_CLOSED},
    {Error::Timeout, IDR_E_TIMEOUT},
    {Error::MalformedReply, IDR_E_MALFORMED_REPLY},
    {Error::Cancelled, IDR_E_CANCELLED},
    {Error::NoCard, IDR_E_NO_CARD},
    {Error::CardRemoved, IDR_E_CARD_REMOVED},
    {Error::Io, IDR_E_IO},
    {Error::Sw3ChecksumError, IDR_E_SW3_CHECKSUM},
    {Error::Sw3LengthError, IDR_E_SW3_LENGTH},
    {Error::Sw3CommandError, IDR_E_SW3_COMMAND},
    {Error::Sw3Unauthorized, IDR_E_SW3_UNAUTHORIZED},
    {Error::Sw3Unrecognized, IDR_E_SW3_UNRECOGNIZED},
    {Error::Sw3IdentityFault, IDR_E_SW3_IDENTITY_FAULT},
    {Error::Sw3CardRejectedSam, IDR_E_SW3_CARD_REJECTED_SAM},
    {Error::Sw3SamRejectedCard, IDR_E_SW3_SAM_REJECTED_CARD},
    {Error::Sw3InformationCheck, IDR_E_SW3_INFORMATION_CHECK},
    {Error::Sw3FingerprintCheck, IDR_E_SW3_FINGERPRINT_CHECK},
    {Error::Sw3InformationLength, IDR_E_SW3_INFORMATION_LENGTH},
    {Error::Sw3UnknownCardType, IDR_E_SW3_UNKNOWN_CARD_TYPE},
    {Error::Sw3ReadFailed, IDR_E_SW3_READ_FAILED},
    {Error::Sw3RandomNumberFailed, IDR_E_SW3_RANDOM_NUMBER},
    {Error::Sw3SelfTestFailed, IDR_E_SW3_SELF_TEST},
    {Error::Sw3SamNotAuthorized, IDR_E_SW3_SAM_NOT_AUTHORIZED},
    {Error::Sw3FindCardFailed, IDR_E_SW3_FIND_CARD},
    {Error::Sw3SelectCardFailed, IDR_E_SW3_SELECT_CARD},
    {Error::Sw3NoSuchContent, IDR_E_SW3_NO_SUCH_CONTENT},
    {Error::Sw3Unknown, IDR_E_SW3_UNKNOWN},
};
}  // namespace

TEST_CASE("hostlib errors: every Error has its own message and the same value in the C API") {
  std::set<std::string> seen;
  for (const auto& [e, c] : kAllErrors) {
    INFO("error " << static_cast<int>(e));
    CHECK(static_cast<int>(e) == c);
    const std::string m = message(e);
    CHECK_FALSE(m.empty());
    CHECK(m != "unknown error");
    CHECK(seen.insert(m).second);  // distinct
    CHECK(std::string(idr_strerror(c)) == m);
  }
  CHECK(std::string(idr_strerror(IDR_E_NO_MEMORY)) == "out of memory");
  CHECK(seen.count("out of memory") == 0);
  CHECK(std::string(idr_strerror(-12345)) == "unknown error");
}

TEST_CASE("hostlib errors: SW3 mapping for every status of DESIGN 8") {
  // DESIGN 8, "SW3:" list: value, error (plus the extension commands' 0x25).
  const std::vector<std::pair<uint8_t, Error>> table = {
      {0x90, Error::Ok},
      {0x9F, Error::Ok},
      {0x91, Error::Sw3NoSuchContent},
      {0x10, Error::Sw3ChecksumError},
      {0x11, Error::Sw3LengthError},
      {0x21, Error::Sw3CommandError},
      {0x23, Error::Sw3Unauthorized},
      {0x24, Error::Sw3Unrecognized},
      {0x25, Error::Sw3IdentityFault},  // extension commands (extension.h, DESIGN 11)
      {0x31, Error::Sw3CardRejectedSam},
      {0x32, Error::Sw3SamRejectedCard},
      {0x33, Error::Sw3InformationCheck},
      {0x37, Error::Sw3FingerprintCheck},
      {0x3F, Error::Sw3InformationLength},
      {0x40, Error::Sw3UnknownCardType},
      {0x41, Error::Sw3ReadFailed},
      {0x47, Error::Sw3RandomNumberFailed},
      {0x60, Error::Sw3SelfTestFailed},
      {0x66, Error::Sw3SamNotAuthorized},
      {0x80, Error::Sw3FindCardFailed},
      {0x81, Error::Sw3SelectCardFailed},
  };
  std::set<int> listed;
  for (const auto& [sw3, e] : table) {
    INFO("SW3 " << int{sw3});
    CHECK(error_from_sw3(sw3) == e);
    listed.insert(sw3);
    // Values follow -(0x100 + SW3) (error.h).
    if (e != Error::Ok) CHECK(static_cast<int>(e) == -(0x100 + sw3));
  }
  for (int sw3 = 0; sw3 < 256; ++sw3) {
    if (listed.count(sw3) == 0)
      CHECK(error_from_sw3(static_cast<uint8_t>(sw3)) == Error::Sw3Unknown);
  }
}

TEST_CASE("hostlib card: to_string names every card type") {
  CHECK(std::string(to_string(CardType::Resident)) == "resident");
  CHECK(std::string(to_string(CardType::PermitJ)) == "permit-J");
  CHECK(std::string(to_string(CardType::ForeignI)) == "foreign-I");
  CHECK(std::string(to_string(CardType::ForeignY)) == "foreign-Y");
  CHECK(std::string(to_string(CardType::Unknown)) == "unknown");
}
