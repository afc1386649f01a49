// Record decode + verify (hostlib/src/verify): any bytes as a record file, checked against a
// fixed test root (data/record_root.der, the root the seed records chain to), the seeds'
// nonce, an in-memory counter store and the seeds' clock. Verification must never crash,
// leak or allocate without bound; a record that verifies must carry card data. Library
// calls fail now and then (failure_injection.h).
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <stdexcept>
#include <string>

#include "failure_injection.h"
#include "idr/verify.h"
#include "record_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static idr::TrustStore* trust = [] {
    auto* t = new idr::TrustStore();
    if (!t->add_root_der(idr::fuzz::read_file(idr::fuzz::kRecordRoot))) abort();
    return t;
  }();
  auto counters = idr::CounterStore::open(":memory:");
  if (!counters) abort();
  idr::VerifyOptions opt;
  opt.trust = trust;
  opt.counters = &*counters;
  opt.nonce = idr::fuzz::kRecordNonce;
  opt.now = idr::fuzz::kRecordNow;
  // Injected failures (allocation, SQLite, libcbor, mbedTLS) may only make it fail.
  idr::fuzz::FailureInjection failures(data, size);
  try {
    const idr::VerifiedRecord r = idr::verify_record(data, size, opt);
    if (r.verified() && r.card() == nullptr) abort();
  } catch (const std::bad_alloc&) {
    // An injected allocation failure: allowed to surface from the C++ API.
  }
  return 0;
}
