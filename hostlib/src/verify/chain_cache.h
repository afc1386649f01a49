#pragma once
// Chain verification once per distinct x5chain (DESIGN 11): what x5chain and the path to a
// trusted root say, with OpenSSL, without `now` (validity and revocation are checked on
// every record from the dates and keys kept here). The cache belongs to a TrustStore and is
// emptied when its roots change.
#include <openssl/x509_vfy.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "certificate.h"
#include "idr/verify.h"

namespace idr::detail {

// One certificate of x5chain or of the path OpenSSL built (depth 0 = the reader certificate).
struct ChainCert {
  std::string name;  // for messages: "the reader certificate ('CN')", "certificate 1 ..."
  std::string cn;
  int64_t from = 0, to = 0;
  RevocationKeys keys;
};

struct ChainVerdict {
  ChainVerdict() { idle_.reserve(kIdleContexts); }  // returning a context never allocates
  ~ChainVerdict();
  ChainVerdict(const ChainVerdict&) = delete;
  ChainVerdict& operator=(const ChainVerdict&) = delete;
  // ES256 with the reader certificate's key on verification contexts kept for reuse (making
  // one costs an algorithm fetch; OpenSSL's own `speed` reuses one too). Thread-safe.
  [[nodiscard]] bool verify_signature(const uint8_t (&digest)[32],
                                      const uint8_t* signature64) const;

  // x5chain refused before any signature is checked (length, strict DER, profile, path
  // length within x5chain): the Chain result. Nothing below is set.
  std::optional<RecordCheckResult> refused;
  PkeyPtr device_key;              // the reader certificate's key (shared read-only by threads)
  std::vector<ChainCert> x5chain;  // as the record carries it
  // The path to a trusted root failed (no store, untrusted, path length): the Chain result.
  std::optional<RecordCheckResult> path_failed;
  std::vector<ChainCert> path;  // the path built, reader certificate first (may be partial)
  // False when the refusal may come from a failed allocation inside OpenSSL (a certificate
  // that passed the strict DER check but did not parse, a key OpenSSL did not build): the
  // cache does not keep it, so a transient failure is not a lasting verdict.
  bool lasting = true;

 private:
  mutable std::mutex idle_mutex_;
  mutable std::vector<EVP_PKEY_CTX*> idle_;  // at most kIdleContexts, initialised for verify
  static constexpr size_t kIdleContexts = 8;
};

// Judges `chain` (x5chain, reader certificate first) against `roots` (nullptr: no trust
// store). Independent of the time and of any revocation list.
[[nodiscard]] std::shared_ptr<const ChainVerdict> judge_chain(const std::vector<Bytes>& chain,
                                                              X509_STORE* roots);

// Verdicts by SHA-256 of the chain's bytes, at most kEntries, least recently used evicted.
// Thread-safe: lookups and inserts take a mutex; verdicts are immutable and shared.
class ChainCache {
 public:
  static constexpr size_t kEntries = 4096;
  ChainCache() = default;
  ~ChainCache();
  ChainCache(const ChainCache&) = delete;
  ChainCache& operator=(const ChainCache&) = delete;

  // The verdict for `chain` against the DER roots `roots` (the same vector on every call
  // until clear()).
  [[nodiscard]] std::shared_ptr<const ChainVerdict> verdict(const std::vector<Bytes>& chain,
                                                            const std::vector<Bytes>& roots);
  // Forgets every verdict and the store of roots (the roots changed).
  void clear();

 private:
  using Key = std::array<uint8_t, 32>;
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept;
  };
  struct Entry {
    Key key;
    std::shared_ptr<const ChainVerdict> verdict;
  };
  X509_STORE* store(const std::vector<Bytes>& roots);  // under mutex_; up-referenced

  std::mutex mutex_;
  X509_STORE* store_ = nullptr;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
};

}  // namespace idr::detail
