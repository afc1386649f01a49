// judge_chain and ChainCache (chain_cache.h): the x5chain profile and the path to a trusted
// root with OpenSSL's X509_verify_cert, time left to the per-record check (DESIGN 11).
#include "chain_cache.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <new>

namespace idr::detail {

namespace {

RecordCheckResult chain_failure(Reason reason, std::string message) {
  return {Check::Chain, {}, CheckStatus::Failed, reason, std::move(message), true};
}

std::string cert_name(size_t index, const std::string& cn) {
  if (index == 0) return "the reader certificate ('" + cn + "')";
  return "certificate " + std::to_string(index) + " of x5chain ('" + cn + "')";
}

ChainCert describe(X509* c, std::string name) {
  ChainCert out;
  out.cn = subject_cn(c);
  out.name = std::move(name);
  out.from = valid_from(c);
  out.to = valid_to(c);
  out.keys = revocation_keys_of(c);
  return out;
}

struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // does not own the certs
};
struct ChainFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

// The path to a trusted root (x5chain's first certificate at depth 0), without time:
// fills v.path and sets v.path_failed when there is none.
void verify_path(const std::vector<X509Ptr>& certs, X509_STORE* roots, ChainVerdict& v) {
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!untrusted || !ctx) throw std::bad_alloc();
  for (size_t i = 1; i < certs.size(); ++i)
    if (sk_X509_push(untrusted.get(), certs[i].get()) <= 0) throw std::bad_alloc();
  if (X509_STORE_CTX_init(ctx.get(), roots, certs[0].get(), untrusted.get()) != 1)
    throw std::bad_alloc();
  // Time is the caller's clock, checked per record. A certificate among the roots is
  // trusted as it is, also when it is an intermediate (a trust directory may hold one).
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
  const int rc = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  if (rc < 0 || err == X509_V_ERR_OUT_OF_MEM) {  // an internal error, not a verdict
    ERR_clear_error();
    throw std::bad_alloc();
  }
  std::unique_ptr<STACK_OF(X509), ChainFree> built(X509_STORE_CTX_get1_chain(ctx.get()));
  ERR_clear_error();
  const int depth_count = built ? sk_X509_num(built.get()) : 0;
  for (int depth = 0; depth < depth_count; ++depth) {
    X509* c = sk_X509_value(built.get(), depth);
    ChainCert pc = describe(c, {});
    pc.name = pc.cn.empty() ? "(no CN)" : pc.cn;
    const int allowed = path_length(c);
    if (depth >= 2 && allowed >= 0 && depth - 1 > allowed && !v.path_failed)
      v.path_failed = chain_failure(
          Reason::PathLength, "CA certificate '" + pc.name + "' allows " + std::to_string(allowed) +
                                  " intermediate CAs below it; the path has " +
                                  std::to_string(depth - 1));
    v.path.push_back(std::move(pc));
  }
  if (v.path_failed || rc == 1) return;
  if (err == X509_V_ERR_PATH_LENGTH_EXCEEDED) {
    v.path_failed = chain_failure(Reason::PathLength, "a CA's path length is exceeded");
    return;
  }
  v.path_failed = chain_failure(Reason::UntrustedRoot,
                                std::string("the chain does not lead to a trusted root: ") +
                                    X509_verify_cert_error_string(err));
}

}  // namespace

std::shared_ptr<const ChainVerdict> judge_chain(const std::vector<Bytes>& chain,
                                                X509_STORE* roots) {
  auto v = std::make_shared<ChainVerdict>();
  auto refuse = [&](Reason reason, std::string message) {
    v->refused = chain_failure(reason, std::move(message));
    return v;
  };
  if (chain.size() > kMaxChainLength)
    return refuse(Reason::ChainTooLong, "x5chain has " + std::to_string(chain.size()) +
                                            " certificates; at most " +
                                            std::to_string(kMaxChainLength) + " are accepted");
  if (chain.empty()) return refuse(Reason::NoChain, "the record carries no certificate chain");
  std::string why;
  std::vector<X509Ptr> certs;
  for (size_t i = 0; i < chain.size(); ++i) {
    const std::string which = i == 0 ? std::string("the reader certificate")
                                     : "certificate " + std::to_string(i) + " of x5chain";
    if (!strict_certificate(chain[i].data(), chain[i].size(), why))
      return refuse(Reason::NonCanonicalCertificate, which + " is not strict DER: " + why);
    certs.push_back(parse_certificate(chain[i].data(), chain[i].size()));
    if (!certs.back()) {
      v->lasting = false;  // strict DER passed: OpenSSL refused it, or its allocation failed
      return refuse(Reason::BadCertificate, which + " does not parse");
    }
  }
  for (size_t i = 0; i < certs.size(); ++i) {
    X509* c = certs[i].get();
    const std::string name = cert_name(i, subject_cn(c));
    const Reason bad = check_profile(c, i == 0 ? CertRole::Device : CertRole::Ca, why);
    if (bad != Reason::Ok) return refuse(bad, name + ": " + why);
    const int allowed = i >= 1 ? path_length(c) : -1;
    if (allowed >= 0 && i - 1 > static_cast<size_t>(allowed))
      return refuse(Reason::PathLength, name + " allows " + std::to_string(allowed) +
                                            " intermediate CAs below it; x5chain has " +
                                            std::to_string(i - 1));
    v->x5chain.push_back(describe(c, name));
  }
  v->device_key = p256_public_key(uncompressed_point(certs[0].get()));  // the profile held
  if (!v->device_key) {
    v->lasting = false;  // the profile held: an allocation may have failed
    return refuse(Reason::BadCertificate, "the reader certificate's key");
  }
  if (roots == nullptr)
    v->path_failed = chain_failure(Reason::NoTrustStore, "no trusted roots configured");
  else
    verify_path(certs, roots, *v);
  return v;
}

ChainVerdict::~ChainVerdict() {
  for (EVP_PKEY_CTX* ctx : idle_) EVP_PKEY_CTX_free(ctx);
}

bool ChainVerdict::verify_signature(const uint8_t (&digest)[32], const uint8_t* signature64) const {
  EVP_PKEY_CTX* ctx = nullptr;
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    if (!idle_.empty()) {
      ctx = idle_.back();
      idle_.pop_back();
    }
  }
  if (ctx == nullptr) {
    ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, device_key.get(), nullptr);
    if (ctx == nullptr || EVP_PKEY_verify_init(ctx) != 1) {
      EVP_PKEY_CTX_free(ctx);
      ERR_clear_error();
      throw std::bad_alloc();  // the key verified at judge time: only memory can fail here
    }
  }
  const bool ok = verify_es256(ctx, digest, signature64);
  std::lock_guard<std::mutex> lock(idle_mutex_);
  if (idle_.size() < kIdleContexts) {
    idle_.push_back(ctx);
  } else {
    EVP_PKEY_CTX_free(ctx);
  }
  return ok;
}

size_t ChainCache::KeyHash::operator()(const Key& k) const noexcept {
  size_t h = 0;
  std::memcpy(&h, k.data(), sizeof(h));  // a SHA-256: any 8 bytes are uniform
  return h;
}

ChainCache::~ChainCache() {
  X509_STORE_free(store_);
}

void ChainCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  index_.clear();
  lru_.clear();
  X509_STORE_free(store_);
  store_ = nullptr;
}

X509_STORE* ChainCache::store(const std::vector<Bytes>& roots) {
  if (store_ == nullptr) {
    store_ = X509_STORE_new();
    if (store_ == nullptr) throw std::bad_alloc();
    for (const Bytes& der : roots) {
      // Parsed and checked against the profile when added to the TrustStore: a root that
      // does not parse or add now met a failed allocation. No store is kept without it (it
      // would make every chain to that root untrusted until the roots change).
      const X509Ptr c = parse_certificate(der.data(), der.size());
      // OpenSSL caches a certificate's extensions (key ids, flags) on first use; the roots
      // are shared by every thread judging a chain outside the lock, so fill that cache now,
      // while this thread alone holds them: path building then only reads them.
      if (c) (void)X509_check_purpose(c.get(), -1, 0);
      if (!c || X509_STORE_add_cert(store_, c.get()) != 1) {  // takes its own reference
        X509_STORE_free(store_);
        store_ = nullptr;
        ERR_clear_error();
        throw std::bad_alloc();
      }
    }
    ERR_clear_error();
  }
  X509_STORE_up_ref(store_);
  return store_;
}

std::shared_ptr<const ChainVerdict> ChainCache::verdict(const std::vector<Bytes>& chain,
                                                        const std::vector<Bytes>& roots) {
  Sha256 h;
  for (const Bytes& cert : chain) {
    const uint8_t len[4] = {
        static_cast<uint8_t>(cert.size() >> 24), static_cast<uint8_t>(cert.size() >> 16),
        static_cast<uint8_t>(cert.size() >> 8), static_cast<uint8_t>(cert.size())};
    h.update(len, sizeof(len));  // lengths too: two chains never hash the same bytes
    h.update(cert.data(), cert.size());
  }
  const Key key = h.finish();
  X509_STORE* roots_store = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->verdict;
    }
    roots_store = store(roots);
  }
  // Judged outside the lock: other threads go on meanwhile (two may judge one new chain).
  std::shared_ptr<const ChainVerdict> v;
  try {
    v = judge_chain(chain, roots_store);
  } catch (...) {
    X509_STORE_free(roots_store);
    throw;
  }
  X509_STORE_free(roots_store);
  if (!v->lasting) return v;
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) return it->second->verdict;
  lru_.push_front(Entry{key, v});
  index_.emplace(key, lru_.begin());
  if (lru_.size() > kEntries) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  return v;
}

}  // namespace idr::detail
