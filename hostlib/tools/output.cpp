#include "output.h"

#include <ctime>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <utility>

#include "../src/core/hex.h"
#include "cli.h"
#include "idr/checks.h"

namespace idr::tool {

namespace {

std::string type_name(CardType t) {
  switch (t) {
    case CardType::Resident:
      return "resident ID card";
    case CardType::PermitJ:
      return "HK/Macao/Taiwan residence permit (J)";
    case CardType::ForeignI:
      return "foreign permanent resident ID card (I, 2017)";
    case CardType::ForeignY:
      return "foreign permanent resident ID card (Y, 2023)";
    default:
      return "unknown card type";
  }
}

// "19900307" -> "1990-03-07"; anything else as it is.
std::string date(const std::string& d) {
  if (d.size() != 8) return d;
  for (const char c : d)
    if (c < '0' || c > '9') return d;
  return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
}

std::string with_meaning(const std::string& code, const char* meaning) {
  if (code.empty()) return code;
  return meaning ? code + " (" + meaning + ")" : code + " (unknown code)";
}

std::string validity_text(const Validity& v) {
  if (v.from.empty() && v.to.empty() && !v.long_term) return "";
  return date(v.from) + " to " + (v.long_term ? std::string("long-term (长期)") : date(v.to));
}

nlohmann::json bytes_json(const std::vector<uint8_t>& b, bool was_read) {
  if (!was_read) return nullptr;
  return {{"size", b.size()}, {"base64", base64(b)}};
}

// GB/T 2261.1 (DESIGN 7) in English, for people who do not read the card's Chinese.
const char* gender_meaning(const std::string& code) {
  if (code == "0") return "unknown";
  if (code == "1") return "male";
  if (code == "2") return "female";
  if (code == "9") return "unspecified";
  return nullptr;
}

std::string gender_text(const std::string& code) {
  const char* en = gender_meaning(code);
  const char* zh = gender_name(code);
  return with_meaning(code, en && zh ? (std::string(en) + ", " + zh).c_str() : nullptr);
}

nlohmann::json or_null(const char* s) {
  return s ? nlohmann::json(s) : nlohmann::json(nullptr);
}

}  // namespace

std::string base64(const std::vector<uint8_t>& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";  // RFC 4648 section 4
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint32_t{bytes[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

nlohmann::json card_json(const CardData& c) {
  nlohmann::json j;
  j["type"] = to_string(c.type);
  j["name"] = c.name;
  j["gender"] = c.gender;
  j["gender_meaning"] = or_null(gender_meaning(c.gender));
  j["gender_name"] = or_null(gender_name(c.gender));
  j["ethnicity"] = c.ethnicity;
  j["ethnicity_name"] = or_null(ethnicity_name(c.ethnicity));
  j["birth"] = c.birth;
  j["address"] = c.address;
  j["id_number"] = c.id_number;
  j["authority"] = c.authority;
  j["validity"] = {
      {"from", c.validity.from}, {"to", c.validity.to}, {"long_term", c.validity.long_term}};
  j["pass_number"] = c.pass_number;
  j["issue_count"] = c.issue_count;
  j["english_name"] = c.english_name;
  j["nationality"] = c.nationality;
  j["card_version"] = c.card_version;
  j["authority_code"] = c.authority_code;
  j["renewal_count"] = c.renewal_count;
  j["previous_number_link"] = c.previous_number_link;
  j["photo"] = bytes_json(c.photo, (c.fields_read & kPhoto) != 0);
  j["fingerprint"] = bytes_json(c.fingerprint, (c.fields_read & kFingerprint) != 0);
  j["appended_addresses"] =
      (c.fields_read & kAddresses) ? nlohmann::json(c.appended_addresses) : nlohmann::json(nullptr);
  j["fields_read"] = field_names(c.fields_read);
  j["text_raw_hex"] = detail::to_hex(c.text_raw.data(), c.text_raw.size());
  return j;
}

void print_card(std::ostream& out, const CardData& c) {
  const std::vector<std::pair<const char*, std::string>> lines = {
      {"Type", type_name(c.type)},
      {"Name", c.name},
      {"English name", c.english_name},
      {"Gender", gender_text(c.gender)},
      {"Ethnicity", with_meaning(c.ethnicity, ethnicity_name(c.ethnicity))},
      {"Nationality", c.nationality},
      {"Birth", date(c.birth)},
      {"Address", c.address},
      {"ID number", c.id_number},
      {"Authority", c.authority},
      {"Authority code", c.authority_code},
      {"Valid", validity_text(c.validity)},
      {"Pass number", c.pass_number},
      {"Issue count", c.issue_count},
      {"Renewal count", c.renewal_count},
      {"Previous number", c.previous_number_link},
      {"Card version", c.card_version},
  };
  constexpr int kWidth = 17;  // longest label + ": "
  for (const auto& [label, value] : lines) {
    if (value.empty()) continue;
    out << std::left << std::setw(kWidth) << (std::string(label) + ":") << value << "\n";
  }
  if (c.fields_read & kPhoto)
    out << std::left << std::setw(kWidth) << "Photo:" << c.photo.size() << " bytes\n";
  if (c.fields_read & kFingerprint)
    out << std::left << std::setw(kWidth) << "Fingerprint:"
        << (c.fingerprint.empty() ? std::string("none on the card")
                                  : std::to_string(c.fingerprint.size()) + " bytes")
        << "\n";
  if (c.fields_read & kAddresses) {
    if (c.appended_addresses.empty())
      out << std::left << std::setw(kWidth) << "New address:"
          << "none\n";
    for (const auto& a : c.appended_addresses)
      out << std::left << std::setw(kWidth) << "New address:" << a << "\n";
  }
}

std::string card_line(const CardData& c) {
  std::ostringstream s;
  const std::string name = c.name.empty() ? c.english_name : c.name;
  s << to_string(c.type) << "  " << c.id_number << "  " << name << "  " << gender_text(c.gender)
    << "  valid " << validity_text(c.validity);
  return s.str();
}

nlohmann::json sam_json(const SamId& id) {
  return {{"sam_id", id.text}, {"raw_hex", detail::to_hex(id.raw.data(), id.raw.size())}};
}

std::string to_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string utc_now_text() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm));
}

}  // namespace idr::tool
