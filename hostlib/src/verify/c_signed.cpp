// The C API for signed reads (idr/idr_signed.h) over idr::Reader::read_signed and
// idr::verify_record. Like c_api.cpp: every entry point catches everything; the card handle
// is made only from VerifiedRecord::card(), which is null unless verified.
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <new>
#include <optional>
#include <sstream>

#include "../core/bounded_file.h"
#include "../core/c_handles.h"
#include "idr/ca.h"
#include "idr/idr_signed.h"
#include "idr/reader.h"
#include "idr/verify.h"

struct idr_verdict {
  idr::RecordVerdict verdict;
  std::string serial;
  uint64_t counter = 0;
  idr::Bytes record;
};

namespace {

int check_status(idr::Outcome o) {
  switch (o) {
    case idr::Outcome::Succeeded:
      return IDR_CHECK_SUCCEEDED;
    case idr::Outcome::Failed:
      return IDR_CHECK_FAILED;
    case idr::Outcome::NotChecked:
      return IDR_CHECK_NOT_CHECKED;
  }
  return IDR_CHECK_FAILED;
}

// The versioned struct at the boundary: only the size this library was built with.
bool config_ok(const idr_verify_config* config) {
  return config == nullptr || config->struct_size == sizeof(idr_verify_config);
}

template <typename F>
int guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return IDR_E_NO_MEMORY;
  } catch (...) {
    return IDR_E_IO;
  }
}

int code(idr::Error e) {
  return static_cast<int>(e);
}

// The verification material of a config; false when a trust or revocation file is refused.
struct Material {
  idr::TrustStore trust;
  std::optional<idr::CounterStore> counters;
};

bool load(const idr_verify_config* config, Material& m) {
  if (config == nullptr) return true;
  std::vector<std::string> lists;
  if (config->trust != nullptr) {
    std::stringstream list(config->trust);
    for (std::string path; std::getline(list, path, ':');) {
      if (path.empty()) continue;
      if (!m.trust.add_roots(path)) return false;
      // No list named: the one beside the trusted root (DESIGN 11).
      if (std::string beside = idr::revocation_list_beside(path); !beside.empty())
        lists.push_back(beside);
    }
  }
  if (config->revoked != nullptr && config->revoked[0] != '\0') lists = {config->revoked};
  for (const auto& path : lists)
    if (!m.trust.load_revoked(path)) return false;
  if (config->counters_db != nullptr) {
    auto store = idr::CounterStore::open(config->counters_db);
    if (!store) return false;
    m.counters.emplace(std::move(store).value());
  }
  return true;
}

idr::VerifyOptions options(const idr_verify_config* config, Material& m) {
  idr::VerifyOptions o;
  o.trust = &m.trust;
  o.counters = m.counters ? &*m.counters : nullptr;
  o.now = config != nullptr && config->now != 0 ? config->now
                                                : static_cast<int64_t>(std::time(nullptr));
  return o;
}

int deliver(idr::Bytes file, const idr::VerifyOptions& o, idr_card** card_out,
            idr_verdict** verdict_out) {
  const idr::VerifiedRecord v = idr::verify_record(file, o);
  auto* verdict = new idr_verdict{v.verdict(), "", 0, std::move(file)};
  if (const idr::SignedRecord* r = v.record()) {
    verdict->serial = r->payload.serial;
    verdict->counter = r->payload.counter;
  }
  idr_card* card = nullptr;
  if (const idr::CardData* data = v.card()) {  // null unless every required check succeeded
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

const idr::RecordCheckResult* at(const idr_verdict* v, size_t index) {
  if (v == nullptr || index >= v->verdict.results().size()) return nullptr;
  return &v->verdict.results()[index];
}

}  // namespace

extern "C" {

int idr_reader_read_verified(idr_reader* reader, unsigned fields, const idr_verify_config* config,
                             idr_card** card_out, idr_verdict** verdict_out) {
  return guarded([&]() -> int {
    if (reader == nullptr || card_out == nullptr || verdict_out == nullptr || !config_ok(config))
      return IDR_E_INVALID_ARGUMENT;
    *card_out = nullptr;
    *verdict_out = nullptr;
    Material m;
    if (!load(config, m)) return IDR_E_INVALID_ARGUMENT;
    const auto nonce = idr::ca::random_nonce();
    if (!nonce) return code(nonce.error());
    auto file = reader->reader.read_signed(*nonce, fields);
    if (!file) return code(file.error());
    idr::VerifyOptions o = options(config, m);
    o.nonce = *nonce;  // a live read: nonce and counter both required (the defaults)
    return deliver(std::move(file).value(), o, card_out, verdict_out);
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
    idr::Bytes file = std::move(read).value();
    Material m;
    if (!load(config, m)) return IDR_E_INVALID_ARGUMENT;
    idr::VerifyOptions o = options(config, m);
    o.require_nonce = nonce != nullptr;
    if (nonce != nullptr) {
      idr::ReadNonce n{};
      std::memcpy(n.data(), nonce, n.size());
      o.nonce = n;
    }
    o.require_counter = m.counters.has_value();
    return deliver(std::move(file), o, card_out, verdict_out);
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
  return verdict != nullptr && verdict->verdict.verified() ? 1 : 0;
}

size_t idr_verdict_count(const idr_verdict* verdict) {
  return verdict == nullptr ? 0 : verdict->verdict.results().size();
}

const char* idr_verdict_check(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? idr::to_string(r->check) : nullptr;
}

const char* idr_verdict_field(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? r->field.c_str() : nullptr;
}

int idr_verdict_outcome(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? check_status(r->outcome) : -1;
}

const char* idr_verdict_reason(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? idr::to_string(r->reason) : nullptr;
}

int idr_verdict_reason_code(const idr_verdict* verdict, size_t index) {
  const auto* r = at(verdict, index);
  return r ? static_cast<int>(r->reason) : -1;
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
  return verdict == nullptr ? nullptr : verdict->serial.c_str();
}

uint64_t idr_verdict_counter(const idr_verdict* verdict) {
  return verdict == nullptr ? 0 : verdict->counter;
}

const uint8_t* idr_verdict_record(const idr_verdict* verdict, size_t* len) {
  if (verdict == nullptr) {
    if (len) *len = 0;
    return nullptr;
  }
  if (len) *len = verdict->record.size();
  return verdict->record.data();
}

}  // extern "C"
