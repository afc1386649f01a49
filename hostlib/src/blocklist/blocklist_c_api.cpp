// C API for the lost/stolen list (idr_checks.h).
#include <cstring>
#include <new>

#include "idr/blocklist.h"
#include "idr/idr_checks.h"

#pragma weak idr_card_field

struct idr_blocklist {
  idr::BlocklistHolder holder;
};

namespace {

void copy_message(const std::string& why, char* err, size_t cap) {
  if (!err || cap == 0) return;
  const size_t n = why.size() < cap - 1 ? why.size() : cap - 1;
  std::memcpy(err, why.data(), n);
  err[n] = '\0';
}

}  // namespace

extern "C" {

int idr_blocklist_open(const char* path, idr_blocklist** out, char* err, size_t err_cap) {
  if (!path || !out) return IDR_E_INVALID_ARGUMENT;
  *out = nullptr;
  auto* list = new (std::nothrow) idr_blocklist;
  if (!list) return IDR_E_NO_MEMORY;
  const int rc = idr_blocklist_reload(list, path, err, err_cap);
  if (rc != IDR_OK) {
    delete list;
    return rc;
  }
  *out = list;
  return IDR_OK;
}

int idr_blocklist_reload(idr_blocklist* list, const char* path, char* err, size_t err_cap) {
  if (!list || !path) return IDR_E_INVALID_ARGUMENT;
  try {
    std::string why;
    auto r = list->holder.reload(path, &why);
    copy_message(why, err, err_cap);
    return static_cast<int>(r.error());
  } catch (const std::bad_alloc&) {
    return IDR_E_NO_MEMORY;
  }
}

int idr_blocklist_contains(const idr_blocklist* list, const char* id_number, const char* valid_from,
                           int* listed) {
  if (!list || !id_number || !valid_from || !listed) return IDR_E_INVALID_ARGUMENT;
  auto r = list->holder.contains(id_number, valid_from);
  if (!r) return static_cast<int>(r.error());
  *listed = *r ? 1 : 0;
  return IDR_OK;
}

int idr_blocklist_contains_card(const idr_blocklist* list, const idr_card* card, int* listed) {
  if (!card) return IDR_E_INVALID_ARGUMENT;
  if (!&idr_card_field) return IDR_E_UNSUPPORTED;
  return idr_blocklist_contains(list, idr_card_field(card, IDR_FIELD_ID_NUMBER),
                                idr_card_field(card, IDR_FIELD_VALID_FROM), listed);
}

uint64_t idr_blocklist_size(const idr_blocklist* list) {
  if (!list) return 0;
  const auto current = list->holder.current();
  return current ? current->size() : 0;
}

void idr_blocklist_close(idr_blocklist* list) {
  delete list;
}

}  // extern "C"
