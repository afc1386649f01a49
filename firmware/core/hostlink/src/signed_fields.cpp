#include "idr/core/hostlink/signed_fields.h"

namespace idr::core {
namespace {

constexpr const char* kAddressNames[card::kAddressEntries] = {"address_1", "address_2", "address_3",
                                                              "address_4"};

}  // namespace

uint16_t signed_card_type(const uint8_t (&text)[card::kTextSize]) {
  const uint16_t c =
      static_cast<uint16_t>(text[card::kCardTypeOffset] | (text[card::kCardTypeOffset + 1] << 8));
  return c == 0 ? uint16_t{0x20} : c;
}

const NamedField* text_fields_for(uint16_t card_type, size_t& count) {
  const card::FieldTable t = card::fields_for_type(card_type);
  count = t.count;
  return t.fields;
}

const char* address_field_name(size_t index) {
  return index < card::kAddressEntries ? kAddressNames[index] : "";
}

}  // namespace idr::core
