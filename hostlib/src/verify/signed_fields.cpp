#include "signed_fields.h"

namespace idr::detail {

const SignedTextField* signed_text_fields(uint64_t type, size_t& count) {
  // 0 is not a payload type (the firmware sends 0x20 for it): only the four chars count.
  const card::FieldTable t = type == 0 || type > 0xFFFF
                                 ? card::FieldTable{nullptr, 0}
                                 : card::fields_for_type(static_cast<uint32_t>(type));
  count = t.count;
  return t.fields;
}

}  // namespace idr::detail
