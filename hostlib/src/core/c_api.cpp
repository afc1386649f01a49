// The C API (idr.h) over idr::Reader. Every entry point catches everything: no exception
// crosses into C or another language's FFI; bad_alloc becomes IDR_E_NO_MEMORY.
#include "idr/idr.h"

#include <cstring>

#include "c_boundary.h"
#include "c_handles.h"
#include "idr/reader.h"

#ifndef IDR_VERSION_STRING
#define IDR_VERSION_STRING "0.0.0"
#endif

namespace {

// Same numbers as idr::Error (idr/error.h says so; checked at compile time below).
static_assert(int{IDR_E_CANCELLED} == static_cast<int>(idr::Error::Cancelled), "C and C++ codes");
static_assert(int{IDR_E_IO} == static_cast<int>(idr::Error::Io), "C and C++ codes");
static_assert(int{IDR_E_SW3_UNKNOWN} == static_cast<int>(idr::Error::Sw3Unknown),
              "C and C++ codes");
static_assert(int{IDR_E_SW3_NO_SUCH_CONTENT} == static_cast<int>(idr::Error::Sw3NoSuchContent),
              "C and C++ codes");
static_assert(int{IDR_FIELDS_ALL} == int{idr::kAll} && int{IDR_FIELDS_BASE} == int{idr::kBase},
              "C and C++ fields");
static_assert(int{IDR_CARD_FOREIGN_Y} == static_cast<int>(idr::CardType::ForeignY), "card types");

using idr::detail::code;
using idr::detail::guarded;

int deliver(idr::Result<idr::CardData> r, idr_card** out) {
  if (!r) return code(r.error());
  auto* card = new idr_card{std::move(r).value()};
  *out = card;
  return IDR_OK;
}

}  // namespace

extern "C" {

const char* idr_strerror(int c) {
  if (c == IDR_E_NO_MEMORY) return "out of memory";
  // Every other code is an idr::Error; message() names unknown values "unknown error".
  return idr::message(static_cast<idr::Error>(c));
}

const char* idr_version(void) {
  return IDR_VERSION_STRING;
}

int idr_reader_open(const char* uri, int timeout_ms, idr_reader** out) {
  return guarded([&]() -> int {
    if (out == nullptr) return IDR_E_INVALID_ARGUMENT;
    *out = nullptr;
    if (uri == nullptr || timeout_ms < 0) return IDR_E_INVALID_ARGUMENT;
    idr::ReaderOptions options;
    if (timeout_ms > 0) options.command_timeout = std::chrono::milliseconds(timeout_ms);
    auto r = idr::Reader::open(uri, options);
    if (!r) return code(r.error());
    *out = new idr_reader(std::move(r).value());
    return IDR_OK;
  });
}

void idr_reader_close(idr_reader* reader) {
  delete reader;
}

int idr_reader_status(idr_reader* reader) {
  return guarded([&]() -> int {
    if (reader == nullptr) return IDR_E_INVALID_ARGUMENT;
    return code(reader->reader.status().error());
  });
}

int idr_reader_sam_id(idr_reader* reader, uint8_t raw[16], char* text, size_t text_cap) {
  return guarded([&]() -> int {
    if (reader == nullptr || (text == nullptr && text_cap != 0)) return IDR_E_INVALID_ARGUMENT;
    auto r = reader->reader.sam_id();
    if (!r) return code(r.error());
    if (text != nullptr && r->text.size() + 1 > text_cap) return IDR_E_INVALID_ARGUMENT;
    if (raw != nullptr) std::memcpy(raw, r->raw.data(), r->raw.size());
    if (text != nullptr) std::memcpy(text, r->text.c_str(), r->text.size() + 1);
    return IDR_OK;
  });
}

int idr_reader_find_card(idr_reader* reader, int* present) {
  return guarded([&]() -> int {
    if (reader == nullptr || present == nullptr) return IDR_E_INVALID_ARGUMENT;
    auto r = reader->reader.find_card();
    if (!r) return code(r.error());
    *present = *r ? 1 : 0;
    return IDR_OK;
  });
}

int idr_reader_read_card(idr_reader* reader, unsigned fields, idr_card** out) {
  return guarded([&]() -> int {
    if (out == nullptr) return IDR_E_INVALID_ARGUMENT;
    *out = nullptr;
    if (reader == nullptr) return IDR_E_INVALID_ARGUMENT;
    return deliver(reader->reader.read_card(fields), out);
  });
}

int idr_reader_wait_for_card(idr_reader* reader, int timeout_ms, unsigned fields, idr_card** out) {
  return guarded([&]() -> int {
    if (out == nullptr) return IDR_E_INVALID_ARGUMENT;
    *out = nullptr;
    if (reader == nullptr || timeout_ms < 0) return IDR_E_INVALID_ARGUMENT;
    return deliver(reader->reader.wait_for_card(std::chrono::milliseconds(timeout_ms), fields),
                   out);
  });
}

int idr_reader_cancel(idr_reader* reader) {
  return guarded([&]() -> int {
    if (reader == nullptr) return IDR_E_INVALID_ARGUMENT;
    reader->reader.cancel();
    return IDR_OK;
  });
}

int idr_reader_reset_cancel(idr_reader* reader) {
  return guarded([&]() -> int {
    if (reader == nullptr) return IDR_E_INVALID_ARGUMENT;
    reader->reader.reset_cancel();
    return IDR_OK;
  });
}

void idr_card_free(idr_card* card) {
  delete card;
}

int idr_card_type(const idr_card* card) {
  return card == nullptr ? IDR_E_INVALID_ARGUMENT : static_cast<int>(card->data.type);
}

const char* idr_card_field(const idr_card* card, idr_field field) {
  if (card == nullptr) return nullptr;
  const idr::CardData& d = card->data;
  switch (field) {
    case IDR_FIELD_NAME:
      return d.name.c_str();
    case IDR_FIELD_GENDER:
      return d.gender.c_str();
    case IDR_FIELD_BIRTH:
      return d.birth.c_str();
    case IDR_FIELD_ID_NUMBER:
      return d.id_number.c_str();
    case IDR_FIELD_VALID_FROM:
      return d.validity.from.c_str();
    case IDR_FIELD_VALID_TO:
      return d.validity.to.c_str();
    case IDR_FIELD_ETHNICITY:
      return d.ethnicity.c_str();
    case IDR_FIELD_ADDRESS:
      return d.address.c_str();
    case IDR_FIELD_AUTHORITY:
      return d.authority.c_str();
    case IDR_FIELD_PASS_NUMBER:
      return d.pass_number.c_str();
    case IDR_FIELD_ISSUE_COUNT:
      return d.issue_count.c_str();
    case IDR_FIELD_ENGLISH_NAME:
      return d.english_name.c_str();
    case IDR_FIELD_NATIONALITY:
      return d.nationality.c_str();
    case IDR_FIELD_CARD_VERSION:
      return d.card_version.c_str();
    case IDR_FIELD_AUTHORITY_CODE:
      return d.authority_code.c_str();
    case IDR_FIELD_RENEWAL_COUNT:
      return d.renewal_count.c_str();
    case IDR_FIELD_PREVIOUS_NUMBER_LINK:
      return d.previous_number_link.c_str();
    case IDR_FIELD_COUNT_:
      break;
  }
  return nullptr;
}

int idr_card_long_term(const idr_card* card) {
  return card == nullptr ? IDR_E_INVALID_ARGUMENT : (card->data.validity.long_term ? 1 : 0);
}

const uint8_t* idr_card_text_raw(const idr_card* card, size_t* len) {
  if (len != nullptr) *len = card == nullptr ? 0 : card->data.text_raw.size();
  return card == nullptr ? nullptr : card->data.text_raw.data();
}

const uint8_t* idr_card_photo(const idr_card* card, size_t* len) {
  if (len != nullptr) *len = card == nullptr ? 0 : card->data.photo.size();
  return card == nullptr || card->data.photo.empty() ? nullptr : card->data.photo.data();
}

const uint8_t* idr_card_fingerprint(const idr_card* card, size_t* len) {
  if (len != nullptr) *len = card == nullptr ? 0 : card->data.fingerprint.size();
  return card == nullptr || card->data.fingerprint.empty() ? nullptr
                                                           : card->data.fingerprint.data();
}

size_t idr_card_address_count(const idr_card* card) {
  return card == nullptr ? 0 : card->data.appended_addresses.size();
}

const char* idr_card_address(const idr_card* card, size_t index) {
  if (card == nullptr || index >= card->data.appended_addresses.size()) return nullptr;
  return card->data.appended_addresses[index].c_str();
}

}  // extern "C"
