// Text block decoding (DESIGN 8): UCS-2LE fields at fixed offsets, the layout chosen by the
// card type character at byte 248.
#include <cstring>

#include "idr/card.h"
#include "idr/proto/card_layout.h"

namespace idr {

const char* to_string(CardType t) noexcept {
  switch (t) {
    case CardType::Resident:
      return "resident";
    case CardType::PermitJ:
      return "permit-J";
    case CardType::ForeignI:
      return "foreign-I";
    case CardType::ForeignY:
      return "foreign-Y";
    case CardType::Unknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint16_t unit_at(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

// Decodes one field; a bad field makes the whole card malformed (never a half-right card).
struct FieldReader {
  const uint8_t* text;
  bool ok = true;
  std::string operator()(card::Field f) {
    auto r = ucs2le_to_utf8(text + f.offset, f.size);
    if (!r) {
      ok = false;
      return {};
    }
    return std::move(r).value();
  }
};

constexpr char kLongTerm[] = "\xE9\x95\xBF\xE6\x9C\x9F";  // 长期 (DESIGN 7, 8)

void set_validity(CardData& c, std::string from, std::string to) {
  c.validity.from = std::move(from);
  if (to == kLongTerm) {
    c.validity.long_term = true;
    c.validity.to.clear();
  } else {
    c.validity.to = std::move(to);
  }
}

// 'Y': the English name runs on from part 1 (35 chars) into part 2 (11 chars). A part 1
// that fills its field continues straight into part 2 (the name was cut mid-word);
// otherwise the writer broke at a word and the parts are joined with one space.
std::string join_english_name(const uint8_t* text, FieldReader& field) {
  std::string part1 = field(card::foreign_y::kEnglishName1);
  std::string part2 = field(card::foreign_y::kEnglishName2);
  if (part2.empty()) return part1;
  const card::Field f1 = card::foreign_y::kEnglishName1;
  const uint16_t last = unit_at(text + f1.offset + f1.size - 2);
  const bool part1_full = last != 0x0020 && last != 0x0000;
  if (part1.empty()) return part2;
  return part1_full ? part1 + part2 : part1 + " " + part2;
}

}  // namespace

Result<std::string> ucs2le_to_utf8(const uint8_t* data, size_t len) {
  if (data == nullptr && len != 0) return Error::InvalidArgument;
  if (len % 2 != 0) return Error::MalformedReply;
  size_t units = len / 2;
  // Right padding: spaces (20 00) and NULs; the card never pads on the left (DESIGN 8).
  while (units > 0) {
    const uint16_t u = unit_at(data + 2 * (units - 1));
    if (u != 0x0020 && u != 0x0000) break;
    --units;
  }
  std::string out;
  out.reserve(units * 3);
  for (size_t i = 0; i < units; ++i) {
    const uint16_t u = unit_at(data + 2 * i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      // High surrogate: only valid with a low surrogate right after it.
      if (i + 1 >= units) return Error::MalformedReply;
      const uint16_t lo = unit_at(data + 2 * (i + 1));
      if (lo < 0xDC00 || lo > 0xDFFF) return Error::MalformedReply;
      append_utf8(out, 0x10000u + ((static_cast<uint32_t>(u - 0xD800) << 10) | (lo - 0xDC00u)));
      ++i;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return Error::MalformedReply;  // a low surrogate without its high half
    } else if (u == 0x0000) {
      return Error::MalformedReply;  // NUL inside a field: not text
    } else {
      append_utf8(out, u);
    }
  }
  return out;
}

Result<CardData> decode_text(const uint8_t* text256) {
  if (text256 == nullptr) return Error::InvalidArgument;
  CardData c;
  std::memcpy(c.text_raw.data(), text256, c.text_raw.size());
  FieldReader field{text256};

  const uint16_t type_char = unit_at(text256 + card::kCardTypeOffset);
  switch (type_char) {
    case 0x0020:
    case 0x0000:
    case 'J': {
      namespace r = card::resident;
      c.type = type_char == 'J' ? CardType::PermitJ : CardType::Resident;
      c.name = field(r::kName);
      c.gender = field(r::kGender);
      if (c.type == CardType::Resident) c.ethnicity = field(r::kEthnicity);
      c.birth = field(r::kBirth);
      c.address = field(r::kAddress);
      c.id_number = field(r::kIdNumber);
      c.authority = field(r::kAuthority);
      std::string from = field(r::kValidFrom);
      set_validity(c, std::move(from), field(r::kValidTo));
      if (c.type == CardType::PermitJ) {
        c.pass_number = field(card::permit_j::kPassNumber);
        c.issue_count = field(card::permit_j::kIssueCount);
      }
      break;
    }
    case 'I': {
      namespace f = card::foreign_i;
      c.type = CardType::ForeignI;
      c.english_name = field(f::kEnglishName);
      c.gender = field(f::kGender);
      c.id_number = field(f::kPermanentNumber);
      c.nationality = field(f::kNationality);
      c.name = field(f::kChineseName);
      std::string from = field(f::kIssued);
      set_validity(c, std::move(from), field(f::kExpires));
      c.birth = field(f::kBirth);
      c.card_version = field(f::kCardVersion);
      c.authority_code = field(f::kAuthorityCode);
      break;
    }
    case 'Y': {
      namespace f = card::foreign_y;
      c.type = CardType::ForeignY;
      c.name = field(f::kChineseName);
      c.gender = field(f::kGender);
      c.renewal_count = field(f::kRenewalCount);
      c.birth = field(f::kBirth);
      c.english_name = join_english_name(text256, field);
      c.id_number = field(f::kIdNumber);
      std::string from = field(f::kIssued);
      set_validity(c, std::move(from), field(f::kExpires));
      c.nationality = field(f::kCountryCode);
      c.previous_number_link = field(f::kPreviousNumberLink);
      break;
    }
    default:
      return Error::MalformedReply;
  }
  if (!field.ok) return Error::MalformedReply;
  c.fields_read = kText;
  return c;
}

}  // namespace idr
