// The C API for signed reads (idr/idr_signed.h): a thin wrapper over idr::Session and
// idr::decide_record. Like c_api.cpp: every entry point catches everything; the card handle
// is made only from Decision::card(), which is null unless the record verified.
#include <cstring>
#include <fstream>
#include <sstream>

#include "../core/bounded_file.h"
#include "../core/c_boundary.h"
#include "../core/c_handles.h"
#include "idr/idr_signed.h"
#include "idr/session.h"

struct idr_verdict {
  idr::Decision decision;
};

namespace {

// The versioned struct at the boundary: version 2 or version 1 (no list, no card checks).
bool config_ok(const idr_verify_config* config) {
  return config == nullptr || config->struct_size == sizeof(idr_verify_config) ||
         config->struct_size == IDR_VERIFY_CONFIG_V1_SIZE;
}
bool is_v2(const idr_verify_config* config) {
  return config != nullptr && config->struct_size == sizeof(idr_verify_config);
}

using idr::detail::code;
using idr::detail::guarded;

// The Policy a config names (Policy::load); InvalidArgument when a file is refused.
idr::Result<idr::Policy> policy_of(const idr_verify_config* config) {
  idr::Policy::Files files;
  if (config != nullptr) {
    if (config->trust != nullptr) {
      std::stringstream list(config->trust);
      for (std::string path; std::getline(list, path, ':');)
        if (!path.empty()) files.trust.push_back(path);
    }
    if (config->revoked != nullptr && config->revoked[0] != '\0')
      files.revoked.push_back(config->revoked);
    if (config->counters_db != nullptr) files.counters = config->counters_db;
    if (is_v2(config) && config->lost_stolen != nullptr) files.lost_stolen = config->lost_stolen;
  }
  auto p = idr::Policy::load(files);
  if (!p) return idr::Error::InvalidArgument;
  p->checks = is_v2(config) && config->checks != 0;
  if (is_v2(config) && config->today != nullptr) {
    if (!idr::is_calendar_date(config->today)) return idr::Error::InvalidArgument;
    p->today = config->today;
  }
  if (config != nullptr && config->now != 0) p->now = config->now;
  return p;
}

int deliver(idr::Decision decision, idr_card** card_out, idr_verdict** verdict_out) {
  auto* verdict = new idr_verdict{std::move(decision)};
  idr_card* card = nullptr;
  if (const idr::CardData* data = verdict->decision.card()) {  // null unless verified
    try {
      card = new idr_card{*data};
    } catch (...) {
      delete verdict;
      throw;
    }
  }
  *card_out = card;
  *verdict_out = verdict;
  return IDR_OK;
}

int deliver(const idr::Result<idr::Decision>& decision, idr_card** card_out,
            idr_verdict** verdict_out) {
  if (!decision) return code(decision.error());
  return deliver(*decision, card_out, verdict_out);
}

const idr::Verdict* at(const idr_verdict* v, size_t index) {
  if (v == nullptr || index >= v->decision.verdicts().size()) return nullptr;
  return &v->decision.verdicts()[index];
}

// idr::Reason's value for a record check's reason; -1 for the other checks.
int reason_code(const idr::Verdict& v) {
  if (v.source != idr::CheckSource::Record) return -1;
  for (int r = 0; r <= static_cast<int>(idr::Reason::UnsupportedAlgorithm); ++r)
    if (v.reason == idr::to_string(static_cast<idr::Reason>(r))) return r;
  return -1;
}

template <typename Read>
int read_with_session(idr_reader* reader, const idr_verify_config* config, idr_card** card_out,
                      idr_verdict** verdict_out, Read read) {
  return guarded([&]() -> int {
    if (reader == nullptr || card_out == nullptr || verdict_out == nullptr || !config_ok(config))
      return IDR_E_INVALID_ARGUMENT;
    *card_out = nullptr;
    *verdict_out = nullptr;
    auto policy = policy_of(config);
    if (!policy) return code(policy.error());
    idr::Session session = idr::Session::attach(reader->reader, std::move(policy).value());
    return deliver(read(session), card_out, verdict_out);
  });
}

}  // namespace

extern "C" {

int idr_reader_read_verified(idr_reader* reader, unsigned fields, const idr_verify_config* config,
                             idr_card** card_out, idr_verdict** verdict_out) {
  return read_with_session(reader, config, card_out, verdict_out,
                           [&](idr::Session& s) { return s.read_found(fields); });
}

int idr_reader_wait_verified(idr_reader* reader, int timeout_ms, unsigned fields,
                             const idr_verify_config* config, idr_card** card_out,
                             idr_verdict** verdict_out) {
  if (timeout_ms < 0) return IDR_E_INVALID_ARGUMENT;
  return read_with_session(reader, config, card_out, verdict_out, [&](idr::Session& s) {
    return s.read_verified(fields, std::chrono::milliseconds(timeout_ms));
  });
}

int idr_record_verify_file(const char* path, const idr_verify_config* config, const uint8_t* nonce,
                           idr_card** card_out, idr_verdict** verdict_out) {
  return guarded([&]() -> int {
    if (path == nullptr || card_out == nullptr || verdict_out == nullptr || !config_ok(config))
      return IDR_E_INVALID_ARGUMENT;
    *card_out = nullptr;
    *verdict_out = nullptr;
    // Size-checked before reading (DESIGN 11): a record is at most kMaxRecordSize bytes.
    auto read = idr::detail::read_file_bounded(path, idr::kMaxRecordSize);
    if (!read) return code(read.error());
    auto policy = policy_of(config);
    if (!policy) return code(policy.error());
    std::optional<idr::ReadNonce> expected;
    if (nonce != nullptr) {
      idr::ReadNonce n{};
      std::memcpy(n.data(), nonce, n.size());
      expected = n;
    }
    return deliver(idr::decide_record(*read, *policy, expected), card_out, verdict_out);
  });
}

int idr_record_disclose_file(const char* in_path, const char* fields, const char* out_path) {
  return guarded([&]() -> int {
    if (in_path == nullptr || fields == nullptr || out_path == nullptr)
      return IDR_E_INVALID_ARGUMENT;
    auto read = idr::detail::read_file_bounded(in_path, idr::kMaxRecordSize);
    if (!read) return code(read.error());
    const idr::Bytes file = std::move(read).value();
    std::vector<std::string> keep;
    std::stringstream list(fields);
    for (std::string field; std::getline(list, field, ',');)
      if (!field.empty()) keep.push_back(field);
    const auto reduced = idr::select_disclosures(file, keep);
    if (!reduced) return code(reduced.error());
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(reduced->data()),
              static_cast<std::streamsize>(reduced->size()));
    return out ? IDR_OK : IDR_E_IO;
  });
}

void idr_verdict_free(idr_verdict* verdict) {
  delete verdict;
}

int idr_verdict_verified(const idr_verdict* verdict) {
  return verdict != nullptr && verdict->decision.verified() ? 1 : 0;
}

int idr_verdict_accepted(const idr_verdict* verdict) {
  return verdict != nullptr && verdict->decision.accepted() ? 1 : 0;
}

size_t idr_verdict_count(const idr_verdict* verdict) {
  return verdict == nullptr ? 0 : verdict->decision.verdicts().size();
}

const char* idr_verdict_check(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? r->name.c_str() : nullptr;
}

const char* idr_verdict_field(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? r->field.c_str() : nullptr;
}

int idr_verdict_outcome(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? static_cast<int>(r->status) : -1;  // idr_check_status values
}

const char* idr_verdict_reason(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? r->reason.c_str() : nullptr;
}

int idr_verdict_reason_code(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? reason_code(*r) : -1;
}

const char* idr_verdict_message(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? r->message.c_str() : nullptr;
}

int idr_verdict_required(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? (r->required ? 1 : 0) : -1;
}

const char* idr_verdict_reader_serial(const idr_verdict* verdict) {
  return verdict == nullptr ? nullptr : verdict->decision.reader_serial().c_str();
}

uint64_t idr_verdict_counter(const idr_verdict* verdict) {
  return verdict == nullptr ? 0 : verdict->decision.counter();
}

const uint8_t* idr_verdict_record(const idr_verdict* verdict, size_t* len) {
  if (verdict == nullptr) {
    if (len) *len = 0;
    return nullptr;
  }
  if (len) *len = verdict->decision.record().size();
  return verdict->decision.record().data();
}

}  // extern "C"
