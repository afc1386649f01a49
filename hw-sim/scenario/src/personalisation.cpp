// Card personalisation: text block encoding, generated photo/fingerprint, card images.
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "idr/sim/scenario.h"

namespace idr::sim {

namespace {

using card::NamedField;  // the layouts' field table lives in card_layout.h

// DESIGN 8 text layouts, by card type.
card::FieldTable layout(CardType t) {
  return card::fields_for_type(static_cast<uint32_t>(card_type_char(t)));
}

// FNV-1a 64: a fixed, documented hash for deterministic generated data.
uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

}  // namespace

const char* to_string(CardType t) {
  switch (t) {
    case CardType::Resident:
      return "resident";
    case CardType::PermitJ:
      return "J";
    case CardType::ForeignI:
      return "I";
    case CardType::ForeignY:
      return "Y";
  }
  return "?";
}

char16_t card_type_char(CardType t) {
  switch (t) {
    case CardType::Resident:
      return u' ';
    case CardType::PermitJ:
      return u'J';
    case CardType::ForeignI:
      return u'I';
    case CardType::ForeignY:
      return u'Y';
  }
  return u' ';
}

std::vector<uint8_t> utf8_to_ucs2le(const std::string& utf8, const std::string& what) {
  std::vector<uint8_t> out;
  size_t i = 0;
  while (i < utf8.size()) {
    const auto c0 = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = 0;
    size_t extra = 0;
    if (c0 < 0x80) {
      cp = c0;
    } else if ((c0 & 0xE0) == 0xC0) {
      cp = c0 & 0x1Fu;
      extra = 1;
    } else if ((c0 & 0xF0) == 0xE0) {
      cp = c0 & 0x0Fu;
      extra = 2;
    } else if ((c0 & 0xF8) == 0xF0) {
      throw std::runtime_error(what +
                               ": character outside the Basic Multilingual Plane (UCS-2 has none)");
    } else {
      throw std::runtime_error(what + ": invalid UTF-8 at byte " + std::to_string(i));
    }
    if (i + extra >= utf8.size() && extra > 0)
      throw std::runtime_error(what + ": truncated UTF-8 at byte " + std::to_string(i));
    for (size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(utf8[i + k]);
      if ((c & 0xC0) != 0x80)
        throw std::runtime_error(what + ": invalid UTF-8 at byte " + std::to_string(i + k));
      cp = (cp << 6) | (c & 0x3Fu);
    }
    const uint32_t min_cp = extra == 1 ? 0x80 : extra == 2 ? 0x800 : 0;
    if (cp < min_cp || (cp >= 0xD800 && cp <= 0xDFFF))
      throw std::runtime_error(what + ": invalid UTF-8 at byte " + std::to_string(i));
    out.push_back(static_cast<uint8_t>(cp & 0xFF));
    out.push_back(static_cast<uint8_t>(cp >> 8));
    i += extra + 1;
  }
  return out;
}

void put_text(std::array<uint8_t, card::kTextSize>& text, card::Field field,
              const std::string& utf8, const std::string& what) {
  const std::vector<uint8_t> enc = utf8_to_ucs2le(utf8, what);
  if (enc.size() > field.size)
    throw std::runtime_error(what + ": " + std::to_string(enc.size() / 2) +
                             " characters do not fit in " + std::to_string(field.size / 2));
  for (size_t k = 0; k < field.size; k += 2) {  // right padding with spaces (DESIGN 8)
    text[field.offset + k] = 0x20;
    text[field.offset + k + 1] = 0x00;
  }
  std::copy(enc.begin(), enc.end(), text.begin() + field.offset);
}

std::array<uint8_t, card::kPhotoSize> generated_photo(const std::string& seed_text) {
  constexpr uint8_t kW = 28;
  constexpr uint8_t kH = 36;
  std::array<uint8_t, card::kPhotoSize> p{};
  p[0] = 'I';
  p[1] = 'D';
  p[2] = 'R';
  p[3] = 'G';
  p[4] = kW;
  p[5] = kH;
  const auto s = static_cast<unsigned>(fnv1a64(seed_text) & 0x1F);
  for (unsigned y = 0; y < kH; ++y) {
    for (unsigned x = 0; x < kW; ++x) {
      // A dark oval "head" on a light background, shaded by a per-card offset.
      const int dx = static_cast<int>(x) * 2 - kW;
      const int dy = static_cast<int>(y) * 2 - kH + 6;
      const bool head = dx * dx * 100 / (22 * 22) + dy * dy * 100 / (26 * 26) <= 100;
      const unsigned v = head ? 0x50 + ((x * 3 + y * 5 + s) & 0x1F) : 0xD0 + ((x + y + s) & 0x0F);
      p[6 + y * kW + x] = static_cast<uint8_t>(v);
    }
  }
  return p;
}

std::vector<uint8_t> generated_fingerprint(const std::string& seed_text, size_t size) {
  // mt19937_64's output sequence is fixed by the C++ standard: same bytes everywhere.
  std::mt19937_64 g(fnv1a64("fingerprint:" + seed_text));
  std::vector<uint8_t> f(size);
  for (auto& b : f) b = static_cast<uint8_t>(g() & 0xFF);
  return f;
}

std::array<uint8_t, card::kUidSize> derived_uid(const std::string& seed_text) {
  const uint64_t h = fnv1a64("uid:" + seed_text);
  std::array<uint8_t, card::kUidSize> u{};
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>(h >> (56 - 8 * i));
  return u;
}

CardImage make_card_image(const CardSpec& spec) {
  const std::string where = spec.label.empty() ? std::string("card") : "card '" + spec.label + "'";
  CardImage img;
  for (size_t k = 0; k < img.text.size(); k += 2) {
    img.text[k] = 0x20;
    img.text[k + 1] = 0x00;
  }
  const card::FieldTable fields = layout(spec.type);
  for (const auto& [name, value] : spec.text) {
    const NamedField* f = nullptr;
    for (size_t k = 0; k < fields.count; ++k) {
      if (name == fields.fields[k].name) f = &fields.fields[k];
    }
    if (f == nullptr)
      throw std::runtime_error(where + ": text." + name + ": no such field on a " +
                               to_string(spec.type) + " card");
    put_text(img.text, f->field, value, where + ": text." + name);
  }
  const char16_t type = card_type_char(spec.type);
  img.text[card::kCardTypeOffset] = static_cast<uint8_t>(type & 0xFF);
  img.text[card::kCardTypeOffset + 1] = static_cast<uint8_t>(type >> 8);

  if (spec.photo) {
    if (spec.photo->size() > card::kPhotoSize)
      throw std::runtime_error(where + ": photo: " + std::to_string(spec.photo->size()) +
                               " bytes, at most 1024");
    std::copy(spec.photo->begin(), spec.photo->end(), img.photo.begin());
  } else {
    img.photo = generated_photo(spec.label);
  }

  if (spec.fingerprint) {
    img.fingerprint = *spec.fingerprint;
  } else if (spec.fingerprint_size > 0) {
    img.fingerprint = generated_fingerprint(spec.label, spec.fingerprint_size);
  }
  const size_t fp = img.fingerprint.size();
  if (fp != 0 && fp != card::kFingerprintTemplateSize && fp != card::kFingerprintSize)
    throw std::runtime_error(where + ": fingerprint: " + std::to_string(fp) +
                             " bytes, must be 0, 512 or 1024");

  if (spec.addresses.size() > card::kAddressEntries)
    throw std::runtime_error(where + ": addresses: " + std::to_string(spec.addresses.size()) +
                             " entries, at most 4");
  for (size_t i = 0; i < spec.addresses.size(); ++i) {
    std::array<uint8_t, card::kTextSize> tmp{};
    put_text(tmp, card::Field{0, static_cast<uint16_t>(card::kAddressEntrySize)}, spec.addresses[i],
             where + ": addresses[" + std::to_string(i) + "]");
    std::array<uint8_t, card::kAddressEntrySize> e{};
    std::copy(tmp.begin(), tmp.begin() + card::kAddressEntrySize, e.begin());
    img.addresses.push_back(e);
  }
  img.uid = spec.uid ? *spec.uid : derived_uid(spec.label);
  return img;
}

}  // namespace idr::sim
