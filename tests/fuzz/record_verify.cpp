// Record decode + verify (hostlib/src/verify): any bytes as a record file, checked against a
// fixed test root (data/record_root.der, the root the seed records chain to) four ways: as
// the host's default (the seeds' nonce and clock, an in-memory counter store, no revocation
// list); with a revocation list that names another reader, the card data hooks and the
// counter store, so a good record verifies all the way; with the record's own reader
// revoked; and lax (no nonce, counter or revocation required, a clock 20 years on). A
// record reduced to one of its disclosures (select_disclosures) verifies when it did.
// Verification must never crash, leak or allocate without bound; a record that verifies
// must carry card data. Library calls (allocation, SQLite, libcbor, OpenSSL) fail now and then
// (failure_injection.h): a verification during which one failed never verifies, and once the
// failures stop the record verifies exactly as on a trust store that never saw them (no
// failure is cached).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "failure_injection.h"
#include "idr/verify.h"
#include "record_fixture.h"

namespace {

idr::TrustStore* trust_with_root(const char* revoked_text) {
  auto* t = new idr::TrustStore();
  if (!t->add_root_der(idr::fuzz::read_file(idr::fuzz::kRecordRoot))) abort();
  if (revoked_text != nullptr && !t->load_revoked_text(revoked_text)) abort();
  return t;
}

// A record that verifies carries card data; every verdict names its checks and reasons
// (what callers print) and a failed one names its first failure.
void check(const idr::VerifiedRecord& r) {
  if (r.verified() && r.card() == nullptr) abort();
  const idr::RecordVerdict& v = r.verdict();
  for (const auto& res : v.results())
    if (*idr::to_string(res.check) == '\0' || *idr::to_string(res.reason) == '\0') abort();
  if (!r.verified() && v.first_failure() == nullptr) abort();
  (void)v.find(idr::Check::FieldDigest, "name");
}

// verify_record, where a call failed on purpose must end as a clean error or bad_alloc.
idr::VerifiedRecord verify(const uint8_t* data, size_t size, const idr::VerifyOptions& o) {
  const uint64_t before = idr::fuzz::FailureInjection::injected();
  idr::VerifiedRecord r = idr::verify_record(data, size, o);
  if (r.verified() && idr::fuzz::FailureInjection::injected() != before) abort();
  return r;
}

// After the injected failures: `used` (which saw them, its list `revoked_text`) judges the
// record as a new trust store does (fresh counter stores: no replay).
void no_failure_kept(const uint8_t* data, size_t size, idr::VerifyOptions o,
                     const idr::TrustStore& used, const char* revoked_text) {
  const std::unique_ptr<idr::TrustStore> fresh(trust_with_root(revoked_text));
  auto a = idr::CounterStore::open(":memory:");
  auto b = idr::CounterStore::open(":memory:");
  if (!a || !b) abort();
  o.trust = &used;
  o.counters = &*a;
  const idr::VerifiedRecord then = idr::verify_record(data, size, o);
  o.trust = fresh.get();
  o.counters = &*b;
  const idr::VerifiedRecord now = idr::verify_record(data, size, o);
  if (now.verified() != then.verified()) {
    for (const auto& res : (then.verified() ? now : then).verdict().results())
      if (res.outcome == idr::CheckStatus::Failed)
        std::fprintf(stderr, "a failure was kept: %s\n", res.message.c_str());
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static idr::TrustStore* trust = trust_with_root(nullptr);
  static const char* const kList =
      "idr-revocation-list 2\nreader IDR-0000000000000000\n"
      "spki 0000000000000000000000000000000000000000000000000000000000000000\n";
  // New for each input: the chain is judged (parsed, path built, revocation keys taken)
  // while calls fail, not found in a cache.
  const std::unique_ptr<idr::TrustStore> listed(trust_with_root(kList));
  auto counters = idr::CounterStore::open(":memory:");
  if (!counters) abort();
  idr::VerifyOptions opt;
  opt.trust = trust;
  opt.counters = &*counters;
  opt.nonce = idr::fuzz::kRecordNonce;
  opt.now = idr::fuzz::kRecordNow;
  bool decoded = false;
  try {
    // Injected failures may only make it fail.
    idr::fuzz::FailureInjection failures(data, size);
    const idr::VerifiedRecord r = verify(data, size, opt);
    decoded = r.record() != nullptr;
    check(r);
    if (r.record() == nullptr) return 0;  // did not decode: the other ways end alike

    idr::VerifyOptions full = opt;
    full.trust = listed.get();
    check(verify(data, size, full));
    check(verify(data, size, full));  // the counter again: a replay

    idr::TrustStore revoked;
    if (revoked.add_root_der(idr::fuzz::read_file(idr::fuzz::kRecordRoot))) {
      revoked.revoke_reader(r.record()->payload.serial);
      full.trust = &revoked;
      if (idr::verify_record(data, size, full).verified()) abort();
    }

    // A reduced record (select_disclosures: the first disclosed field only) of a record
    // that verifies verifies too (a fresh counter store: the same counter again).
    if (!r.record()->disclosures.empty()) {
      const idr::Bytes file(data, data + size);
      const auto reduced =
          idr::select_disclosures(file, {r.record()->disclosures.front().field, "no-such-field"});
      const auto one = idr::select_disclosures(file, {r.record()->disclosures.front().field});
      if (reduced) abort();  // a field the record does not disclose is refused
      auto fresh = idr::CounterStore::open(":memory:");
      if (one && fresh && r.verified()) {
        idr::VerifyOptions again = opt;
        again.counters = &*fresh;
        if (!verify(one->data(), one->size(), again).verified() &&
            idr::fuzz::FailureInjection::injected() == 0)
          abort();
      }
    }

    idr::VerifyOptions lax;
    lax.trust = trust;
    lax.now = idr::fuzz::kRecordNow + 20 * 365 * 86400;
    lax.require_nonce = lax.require_counter = lax.require_revocation = false;
    check(verify(data, size, lax));
  } catch (const std::bad_alloc&) {
    // An injected allocation failure: allowed to surface from the C++ API.
  }
  if (decoded) {
    no_failure_kept(data, size, opt, *trust, nullptr);
    no_failure_kept(data, size, opt, *listed, kList);
  }
  return 0;
}
