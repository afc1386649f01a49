#pragma once
// Compares a decoded card with the personalisation it was made from (the scenario's UTF-8
// strings and make_card_image's bytes): the source of truth, not copied constants.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "idr/card.h"
#include "idr/sim/scenario.h"

namespace idr::test {

// The resident card the hostlib tests personalise (every text field of the DESIGN 8 resident
// layout, valid 2016-2036); tests add photo, fingerprint or addresses as they need.
inline sim::CardSpec resident_spec() {
  sim::CardSpec s;
  s.type = sim::CardType::Resident;
  s.text = {{"name", "张伟"},
            {"gender", "1"},
            {"ethnicity", "01"},
            {"birth", "19900307"},
            {"address", "北京市东城区景山前街4号"},
            {"id_number", "110101199003071233"},
            {"authority", "北京市公安局东城分局"},
            {"valid_from", "20160310"},
            {"valid_to", "20360310"}};
  return s;
}

inline std::string spec_text(const sim::CardSpec& spec, const std::string& key) {
  const auto it = spec.text.find(key);
  return it == spec.text.end() ? std::string() : it->second;
}

inline const std::string kLongTerm = "\xE9\x95\xBF\xE6\x9C\x9F";  // 长期

inline void check_validity(const CardData& c, const std::string& from, const std::string& to) {
  CHECK(c.validity.from == from);
  if (to == kLongTerm) {
    CHECK(c.validity.long_term);
    CHECK(c.validity.to.empty());
  } else {
    CHECK_FALSE(c.validity.long_term);
    CHECK(c.validity.to == to);
  }
}

// Typed text fields (DESIGN 8 layouts) against the spec's strings.
inline void check_text_fields(const CardData& c, const sim::CardSpec& s) {
  auto t = [&s](const char* key) { return spec_text(s, key); };
  switch (s.type) {
    case sim::CardType::Resident:
    case sim::CardType::PermitJ:
      CHECK(c.type == (s.type == sim::CardType::Resident ? CardType::Resident : CardType::PermitJ));
      CHECK(c.name == t("name"));
      CHECK(c.gender == t("gender"));
      CHECK(c.ethnicity == (s.type == sim::CardType::Resident ? t("ethnicity") : ""));
      CHECK(c.birth == t("birth"));
      CHECK(c.address == t("address"));
      CHECK(c.id_number == t("id_number"));
      CHECK(c.authority == t("authority"));
      check_validity(c, t("valid_from"), t("valid_to"));
      CHECK(c.pass_number == t("pass_number"));
      CHECK(c.issue_count == t("issue_count"));
      break;
    case sim::CardType::ForeignI:
      CHECK(c.type == CardType::ForeignI);
      CHECK(c.english_name == t("english_name"));
      CHECK(c.gender == t("gender"));
      CHECK(c.id_number == t("permanent_number"));
      CHECK(c.nationality == t("nationality"));
      CHECK(c.name == t("chinese_name"));
      check_validity(c, t("issued"), t("expires"));
      CHECK(c.birth == t("birth"));
      CHECK(c.card_version == t("card_version"));
      CHECK(c.authority_code == t("authority_code"));
      break;
    case sim::CardType::ForeignY:
      CHECK(c.type == CardType::ForeignY);
      CHECK(c.name == t("chinese_name"));
      CHECK(c.gender == t("gender"));
      CHECK(c.renewal_count == t("renewal_count"));
      {
        // Part 1 (35 chars) runs into part 2; a part 1 with padding ended at a word.
        const std::string p1 = t("english_name_1"), p2 = t("english_name_2");
        const std::string joined = p2.empty() ? p1 : p1.size() == 35 ? p1 + p2 : p1 + " " + p2;
        CHECK(c.english_name == joined);
      }
      CHECK(c.birth == t("birth"));
      CHECK(c.id_number == t("id_number"));
      check_validity(c, t("issued"), t("expires"));
      CHECK(c.nationality == t("country_code"));
      CHECK(c.previous_number_link == t("previous_number_link"));
      break;
  }
}

// Everything read with kAll: text fields, raw text, photo, fingerprint, addresses.
inline void check_card(const CardData& c, const sim::CardSpec& spec) {
  const sim::CardImage image = sim::make_card_image(spec);
  check_text_fields(c, spec);
  CHECK(std::equal(c.text_raw.begin(), c.text_raw.end(), image.text.begin(), image.text.end()));
  CHECK(std::vector<uint8_t>(image.photo.begin(), image.photo.end()) == c.photo);
  CHECK(c.fingerprint == image.fingerprint);
  CHECK(c.appended_addresses == spec.addresses);
  CHECK(c.fields_read == unsigned{kAll});
}

}  // namespace idr::test
