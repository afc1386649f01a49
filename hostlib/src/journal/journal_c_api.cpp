// C API for the read journal (idr_checks.h).
#include <cstring>

#include "../core/c_boundary.h"
#include "idr/idr_checks.h"
#include "idr/journal.h"

struct idr_journal {
  idr::Journal journal;
};

extern "C" {

int idr_journal_open(const char* path, int id_policy, const uint8_t* key, size_t key_len,
                     idr_journal** out) {
  if (!path || !out || (id_policy != IDR_JOURNAL_ID_HMAC && id_policy != IDR_JOURNAL_ID_FULL) ||
      (key_len && !key))
    return IDR_E_INVALID_ARGUMENT;
  *out = nullptr;
  return idr::detail::guarded([&]() -> int {
    idr::JournalOptions options;
    options.id_policy = static_cast<idr::JournalIdPolicy>(id_policy);
    if (key_len) options.key.assign(key, key + key_len);
    auto j = idr::Journal::open(path, std::move(options));
    if (!j) return idr::detail::code(j.error());
    *out = new idr_journal{std::move(j).value()};
    return IDR_OK;
  });
}

int idr_journal_append_record(idr_journal* journal, const char* time_utc, const uint8_t* record,
                              size_t record_len, int card_type, const char* id_number,
                              const char* verdict_summary, int64_t* row) {
  if (!journal || !time_utc || !record || !record_len || !id_number || !verdict_summary)
    return IDR_E_INVALID_ARGUMENT;
  return idr::detail::guarded([&]() -> int {
    idr::JournalEntry e{time_utc, std::vector<uint8_t>(record, record + record_len),
                        static_cast<idr::CardType>(card_type), id_number, verdict_summary};
    auto r = journal->journal.append(e);
    if (!r) return idr::detail::code(r.error());
    if (row) *row = *r;
    return IDR_OK;
  });
}

void idr_journal_close(idr_journal* journal) {
  delete journal;
}

int idr_journal_verify_keyed(const char* path, const uint8_t* key, size_t key_len,
                             int64_t* first_bad_row, char* msg, size_t msg_cap) {
  if (!path || (key_len && !key)) return IDR_E_INVALID_ARGUMENT;
  return idr::detail::guarded([&]() -> int {
    std::string why;
    auto r =
        idr::verify_journal(path, std::vector<uint8_t>(key, key + key_len), std::nullopt, &why);
    const std::string text = r ? r->problem : why;
    if (msg && msg_cap) {
      const size_t n = text.size() < msg_cap - 1 ? text.size() : msg_cap - 1;
      std::memcpy(msg, text.data(), n);
      msg[n] = '\0';
    }
    if (!r) return idr::detail::code(r.error());
    if (first_bad_row) *first_bad_row = r->first_bad_row;
    return r->ok ? IDR_OK : IDR_E_INVALID_ARGUMENT;
  });
}

}  // extern "C"
