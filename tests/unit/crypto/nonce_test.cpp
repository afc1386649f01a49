// Precomputed ECDSA nonces (p256.h NoncePair, nonce_pool.h, ReaderIdentity::sign_digest):
// every signature made from a pair verifies with the host's mbedTLS AND with OpenSSL (an
// independent implementation); 10,000 of them have 10,000 different r; a pair is never
// used twice (taken out of the pool before use, burnt even when the signature fails); an
// empty pool signs the slow way (RFC 6979); a pair with any field out of [1, n-1] is
// refused; the blinding value b cancels out of s; a restart (RAM lost) starts with no pairs;
// a TRNG that sticks, or repeats its stream after each restart, still gives every
// signature its own k (the hedge), and a pair signs only after the counter moved past it.
#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "idr/crypto/nonce_pool.h"
#include "idr/crypto/p256.h"
#include "idr/crypto/reader_identity.h"
#include "idr/testing/crypto_rig.h"

namespace crypto = idr::crypto;
using idr::Status;
using idr::testing::from_hex;
using idr::testing::ModelFlash;
using idr::testing::SeededRng;
using idr::testing::StickingRng;

namespace {

using Sig = std::vector<uint8_t>;

// OpenSSL 3 as the independent verifier: the public point as an EVP_PKEY, the signature
// re-encoded as DER (ECDSA-Sig-Value), verified over the digest.
class OpensslVerifier {
 public:
  explicit OpensslVerifier(const uint8_t (&pub)[crypto::kPublicKeySize]) {
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    REQUIRE(bld != nullptr);
    REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1);
    REQUIRE(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) == 1);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    REQUIRE(ctx != nullptr);
    REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
    REQUIRE(EVP_PKEY_fromdata(ctx, &key_, EVP_PKEY_PUBLIC_KEY, params) == 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    verify_ = EVP_PKEY_CTX_new_from_pkey(nullptr, key_, nullptr);
    REQUIRE(verify_ != nullptr);
  }
  ~OpensslVerifier() {
    EVP_PKEY_CTX_free(verify_);
    EVP_PKEY_free(key_);
  }
  OpensslVerifier(const OpensslVerifier&) = delete;
  OpensslVerifier& operator=(const OpensslVerifier&) = delete;

  bool accepts(const uint8_t (&digest)[crypto::kSha256Size],
               const uint8_t (&sig)[crypto::kSignatureSize]) {
    ECDSA_SIG* s = ECDSA_SIG_new();
    if (s == nullptr) return false;
    BIGNUM* r = BN_bin2bn(sig, 32, nullptr);
    BIGNUM* ss = BN_bin2bn(sig + 32, 32, nullptr);
    if (r == nullptr || ss == nullptr || ECDSA_SIG_set0(s, r, ss) != 1) {
      BN_free(r);
      BN_free(ss);
      ECDSA_SIG_free(s);
      return false;
    }
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(s, &der);
    ECDSA_SIG_free(s);
    if (der_len <= 0) return false;
    const bool ok =
        EVP_PKEY_verify_init(verify_) == 1 &&
        EVP_PKEY_verify(verify_, der, static_cast<size_t>(der_len), digest, sizeof(digest)) == 1;
    OPENSSL_free(der);
    return ok;
  }

 private:
  EVP_PKEY* key_ = nullptr;
  EVP_PKEY_CTX* verify_ = nullptr;
};

void digest_of(uint64_t i, uint8_t (&out)[crypto::kSha256Size]) {
  const std::string message = "idr record " + std::to_string(i);
  const crypto::ByteView part{reinterpret_cast<const uint8_t*>(message.data()), message.size()};
  REQUIRE(crypto::sha256(&part, 1, out) == Status::Ok);
}

Sig as_vector(const uint8_t (&sig)[crypto::kSignatureSize]) {
  return Sig(sig, sig + crypto::kSignatureSize);
}
Sig r_of(const uint8_t (&sig)[crypto::kSignatureSize]) {
  return Sig(sig, sig + 32);
}

// How READ_SIGNED signs: the counter reserved (durably) first, then the signature; a pair
// signs only after that step (ReaderIdentity::sign_digest).
Status reserve_and_sign(crypto::ReaderIdentity& identity,
                        const uint8_t (&digest)[crypto::kSha256Size],
                        uint8_t (&sig)[crypto::kSignatureSize],
                        crypto::ReaderIdentity::SignPath* path = nullptr) {
  uint64_t counter = 0;
  const Status s = identity.reserve_counter(counter);
  if (s != Status::Ok) return s;
  return identity.sign_digest(digest, sig, path);
}

// A reader identity over a flash model, with its key generated (Keyed: it signs).
struct Reader {
  explicit Reader(uint64_t seed) : model(4096, 8), flash(model), rng(seed), identity(flash, rng) {
    REQUIRE(identity.load() == Status::Ok);
    uint8_t challenge[crypto::kChallengeSize] = {1, 2, 3};
    uint8_t proof[crypto::kSignatureSize];
    REQUIRE(identity.provision(challenge, proof) == Status::Ok);
    REQUIRE(identity.provisioned());
  }
  void fill() {
    for (size_t i = 0; i < crypto::NoncePool::kCapacity && !identity.nonces_full(); ++i) {
      bool computed = false;
      REQUIRE(identity.precompute_nonce(computed) == Status::Ok);
      REQUIRE(computed);
    }
    REQUIRE(identity.nonces_full());
  }
  idr::sim::FlashModel model;
  ModelFlash flash;
  SeededRng rng;
  crypto::ReaderIdentity identity;
};

}  // namespace

TEST_CASE("nonce pairs: signatures made from them verify with mbedTLS and OpenSSL") {
  Reader reader(11);
  OpensslVerifier openssl(reader.identity.public_key());
  crypto::P256Group group;
  for (uint64_t i = 0; i < 50; ++i) {
    reader.fill();
    uint8_t digest[crypto::kSha256Size];
    digest_of(i, digest);
    uint8_t sig[crypto::kSignatureSize];
    crypto::ReaderIdentity::SignPath path = crypto::ReaderIdentity::SignPath::Full;
    REQUIRE(reserve_and_sign(reader.identity, digest, sig, &path) == Status::Ok);
    CHECK(path == crypto::ReaderIdentity::SignPath::Precomputed);
    CHECK(crypto::verify_digest(group, reader.identity.public_key(), digest, sig) == Status::Ok);
    CHECK(openssl.accepts(digest, sig));
    // Neither accepts it for another digest or with s altered: the check can fail.
    uint8_t other[crypto::kSha256Size];
    digest_of(i + 1000, other);
    CHECK(crypto::verify_digest(group, reader.identity.public_key(), other, sig) ==
          Status::DataCheckFailed);
    CHECK_FALSE(openssl.accepts(other, sig));
    sig[40] ^= 0x10;
    CHECK_FALSE(openssl.accepts(digest, sig));
  }
}

TEST_CASE("nonce pairs: 10000 signatures have 10000 different r and every one verifies") {
  Reader reader(12);
  OpensslVerifier openssl(reader.identity.public_key());
  crypto::P256Group group;
  std::set<Sig> rs;
  int precomputed = 0;
  int mbedtls_ok = 0;
  int openssl_ok = 0;
  constexpr int kSignatures = 10'000;
  for (int i = 0; i < kSignatures; ++i) {
    bool computed = false;
    REQUIRE(reader.identity.precompute_nonce(computed) == Status::Ok);
    uint8_t digest[crypto::kSha256Size];
    digest_of(static_cast<uint64_t>(i), digest);
    uint8_t sig[crypto::kSignatureSize];
    crypto::ReaderIdentity::SignPath path = crypto::ReaderIdentity::SignPath::Full;
    REQUIRE(reserve_and_sign(reader.identity, digest, sig, &path) == Status::Ok);
    if (path == crypto::ReaderIdentity::SignPath::Precomputed) ++precomputed;
    rs.insert(r_of(sig));
    if (crypto::verify_digest(group, reader.identity.public_key(), digest, sig) == Status::Ok)
      ++mbedtls_ok;
    if (openssl.accepts(digest, sig)) ++openssl_ok;
  }
  CHECK(precomputed == kSignatures);
  CHECK(rs.size() == static_cast<size_t>(kSignatures));
  CHECK(mbedtls_ok == kSignatures);
  CHECK(openssl_ok == kSignatures);
}

TEST_CASE("nonce pool: a pair is handed out once and oldest first") {
  SeededRng rng(3);
  crypto::P256Group group;
  crypto::NoncePool pool;
  CHECK(pool.ready() == 0);
  crypto::NoncePair out{};
  uint64_t made_at = 0;
  CHECK_FALSE(pool.take(out, made_at));
  for (size_t i = 0; i < crypto::NoncePool::kCapacity; ++i)
    REQUIRE(pool.refill_one(group, rng, {}, 0) == Status::Ok);
  CHECK(pool.full());
  // Full: a refill does nothing (no pair is overwritten, none computed).
  REQUIRE(pool.refill_one(group, rng, {}, 0) == Status::Ok);
  CHECK(pool.ready() == crypto::NoncePool::kCapacity);
  std::set<Sig> rs;
  for (size_t i = 0; i < crypto::NoncePool::kCapacity; ++i) {
    REQUIRE(pool.take(out, made_at));
    rs.insert(Sig(out.r, out.r + 32));
    CHECK(pool.ready() == crypto::NoncePool::kCapacity - 1 - i);
  }
  CHECK(rs.size() == crypto::NoncePool::kCapacity);
  CHECK_FALSE(pool.take(out, made_at));
  // A refilled pool hands out new pairs, never one taken before.
  REQUIRE(pool.refill_one(group, rng, {}, 0) == Status::Ok);
  REQUIRE(pool.take(out, made_at));
  CHECK(rs.count(Sig(out.r, out.r + 32)) == 0);
}

TEST_CASE("nonce pairs: never used twice and an empty pool signs the slow way (RFC 6979)") {
  Reader reader(13);
  reader.fill();
  uint8_t digest[crypto::kSha256Size];
  digest_of(7, digest);
  std::set<Sig> rs;
  using Path = crypto::ReaderIdentity::SignPath;
  // The same digest signed from each pair: a different r each time.
  for (size_t i = 0; i < crypto::NoncePool::kCapacity; ++i) {
    uint8_t sig[crypto::kSignatureSize];
    Path path = Path::Full;
    REQUIRE(reserve_and_sign(reader.identity, digest, sig, &path) == Status::Ok);
    CHECK(path == Path::Precomputed);
    CHECK(rs.insert(r_of(sig)).second);
  }
  CHECK(reader.identity.nonces_ready() == 0);
  // No pair left: the slow way, deterministic (the same digest gives the same signature),
  // never an r of a pair.
  uint8_t slow1[crypto::kSignatureSize];
  uint8_t slow2[crypto::kSignatureSize];
  Path path = Path::Precomputed;
  REQUIRE(reader.identity.sign_digest(digest, slow1, &path) == Status::Ok);
  CHECK(path == Path::Full);
  REQUIRE(reader.identity.sign_digest(digest, slow2, &path) == Status::Ok);
  CHECK(as_vector(slow1) == as_vector(slow2));
  CHECK(rs.count(r_of(slow1)) == 0);
  crypto::P256Group group;
  CHECK(crypto::verify_digest(group, reader.identity.public_key(), digest, slow1) == Status::Ok);
}

TEST_CASE("nonce pairs: a signature that fails still burns its pair") {
  Reader reader(14);
  bool computed = false;
  REQUIRE(reader.identity.precompute_nonce(computed) == Status::Ok);
  REQUIRE(computed);
  REQUIRE(reader.identity.nonces_ready() == 1);
  // The key record goes bad after the pair was made: signing fails, after the pair left the
  // pool. (Bit rot: NOR clears bits without an erase; slot A holds the key.)
  const crypto::FlashLayout layout = crypto::FlashLayout::top(reader.model.page_count());
  const uint32_t at = layout.slot_a * reader.model.page_size() + 20;
  uint8_t byte = 0;
  REQUIRE(reader.model.read(at, &byte, 1) == Status::Ok);
  REQUIRE(byte != 0);
  const uint8_t cleared = static_cast<uint8_t>(byte & (byte - 1));
  REQUIRE(reader.model.program(at, &cleared, 1) == Status::Ok);
  uint8_t digest[crypto::kSha256Size];
  digest_of(1, digest);
  uint8_t sig[crypto::kSignatureSize];
  CHECK(reserve_and_sign(reader.identity, digest, sig) == Status::StorageFault);
  CHECK(reader.identity.nonces_ready() == 0);
}

TEST_CASE("nonce pairs: none without a key, and a pair signs only after the counter moved") {
  // Factory state: no key to hedge a pair with, so none is made.
  idr::sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  SeededRng rng(24);
  crypto::ReaderIdentity factory(flash, rng);
  REQUIRE(factory.load() == Status::Ok);
  bool computed = true;
  REQUIRE(factory.precompute_nonce(computed) == Status::Ok);
  CHECK_FALSE(computed);
  CHECK(factory.nonces_ready() == 0);
  // A pair signs only once the counter was reserved past the value it was made at; asked
  // to sign before, the pair is dropped and the signature made the slow way.
  Reader reader(25);
  REQUIRE(reader.identity.precompute_nonce(computed) == Status::Ok);
  REQUIRE(computed);
  uint8_t digest[crypto::kSha256Size];
  digest_of(9, digest);
  uint8_t sig[crypto::kSignatureSize];
  using Path = crypto::ReaderIdentity::SignPath;
  Path path = Path::Precomputed;
  REQUIRE(reader.identity.sign_digest(digest, sig, &path) == Status::Ok);
  CHECK(path == Path::Full);
  CHECK(reader.identity.nonces_ready() == 0);
  REQUIRE(reader.identity.precompute_nonce(computed) == Status::Ok);
  REQUIRE(reserve_and_sign(reader.identity, digest, sig, &path) == Status::Ok);
  CHECK(path == Path::Precomputed);
}

TEST_CASE("nonce pairs: a wiped or out-of-range pair is refused") {
  uint8_t priv[crypto::kPrivateKeySize];
  const auto x = from_hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
  std::memcpy(priv, x.data(), sizeof(priv));
  uint8_t digest[crypto::kSha256Size];
  digest_of(2, digest);
  crypto::P256Group group;
  uint8_t sig[crypto::kSignatureSize];
  crypto::NoncePair wiped{};  // what take() leaves behind in a slot
  CHECK(crypto::sign_digest(group, priv, digest, wiped, sig) == Status::InvalidArgument);
  crypto::NoncePair too_big{};
  std::memset(too_big.r, 0xFF, sizeof(too_big.r));  // >= n
  std::memset(too_big.b, 0x11, sizeof(too_big.b));
  std::memset(too_big.w, 0x11, sizeof(too_big.w));
  CHECK(crypto::sign_digest(group, priv, digest, too_big, sig) == Status::InvalidArgument);
  // And a genuine pair signs, and the signature verifies under the key.
  SeededRng rng(15);
  crypto::NoncePair pair{};
  REQUIRE(crypto::precompute_nonce(group, rng, {}, pair) == Status::Ok);
  REQUIRE(crypto::sign_digest(group, priv, digest, pair, sig) == Status::Ok);
  uint8_t pub[crypto::kPublicKeySize];
  REQUIRE(crypto::public_key_of(group, priv, pub) == Status::Ok);
  CHECK(crypto::verify_digest(group, pub, digest, sig) == Status::Ok);
  CHECK(std::memcmp(sig, pair.r, 32) == 0);
}

TEST_CASE("nonce pairs: a blinding value of 0 or >= n is refused") {
  uint8_t priv[crypto::kPrivateKeySize];
  const auto x = from_hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
  std::memcpy(priv, x.data(), sizeof(priv));
  uint8_t digest[crypto::kSha256Size];
  digest_of(4, digest);
  crypto::P256Group group;
  SeededRng rng(17);
  crypto::NoncePair genuine{};
  REQUIRE(crypto::precompute_nonce(group, rng, {}, genuine) == Status::Ok);
  // n, the order of P-256 (SEC 2 2.4.2), and n + 1: just out of range.
  const auto n = from_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  const auto n_plus_1 =
      from_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632552");
  const std::vector<std::vector<uint8_t>> bad_b = {std::vector<uint8_t>(32, 0), n, n_plus_1,
                                                   std::vector<uint8_t>(32, 0xFF)};
  uint8_t sig[crypto::kSignatureSize];
  for (const auto& b : bad_b) {
    crypto::NoncePair pair = genuine;
    std::memcpy(pair.b, b.data(), sizeof(pair.b));
    CHECK(crypto::sign_digest(group, priv, digest, pair, sig) == Status::InvalidArgument);
  }
  // w out of range is refused the same way.
  for (const auto& w : bad_b) {
    crypto::NoncePair pair = genuine;
    std::memcpy(pair.w, w.data(), sizeof(pair.w));
    CHECK(crypto::sign_digest(group, priv, digest, pair, sig) == Status::InvalidArgument);
  }
  // The untouched pair signs (so the refusals above are the fields', not the key's).
  REQUIRE(crypto::sign_digest(group, priv, digest, genuine, sig) == Status::Ok);
  uint8_t pub[crypto::kPublicKeySize];
  REQUIRE(crypto::public_key_of(group, priv, pub) == Status::Ok);
  CHECK(crypto::verify_digest(group, pub, digest, sig) == Status::Ok);
}

TEST_CASE("nonce pairs: two pools seeded alike sign the same digest, both signatures verify") {
  uint8_t priv[crypto::kPrivateKeySize];
  const auto x = from_hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
  std::memcpy(priv, x.data(), sizeof(priv));
  uint8_t pub[crypto::kPublicKeySize];
  crypto::P256Group group;
  REQUIRE(crypto::public_key_of(group, priv, pub) == Status::Ok);
  OpensslVerifier openssl(pub);
  uint8_t digest[crypto::kSha256Size];
  digest_of(5, digest);
  SeededRng rng_a(18);
  SeededRng rng_b(18);
  crypto::NoncePool pool_a;
  crypto::NoncePool pool_b;
  REQUIRE(pool_a.refill_one(group, rng_a, {}, 0) == Status::Ok);
  REQUIRE(pool_b.refill_one(group, rng_b, {}, 0) == Status::Ok);
  crypto::NoncePair pair_a{};
  crypto::NoncePair pair_b{};
  uint64_t made_at = 0;
  REQUIRE(pool_a.take(pair_a, made_at));
  REQUIRE(pool_b.take(pair_b, made_at));
  uint8_t sig_a[crypto::kSignatureSize];
  uint8_t sig_b[crypto::kSignatureSize];
  REQUIRE(crypto::sign_digest(group, priv, digest, pair_a, sig_a) == Status::Ok);
  REQUIRE(crypto::sign_digest(group, priv, digest, pair_b, sig_b) == Status::Ok);
  CHECK(crypto::verify_digest(group, pub, digest, sig_a) == Status::Ok);
  CHECK(crypto::verify_digest(group, pub, digest, sig_b) == Status::Ok);
  CHECK(openssl.accepts(digest, sig_a));
  CHECK(openssl.accepts(digest, sig_b));
  // Alike seeds draw the same k and b: the same signature.
  CHECK(as_vector(sig_a) == as_vector(sig_b));
}

TEST_CASE("nonce pairs: the blinding value cancels out of s") {
  // s = w (b e + (b r) d) with w = (k b)^-1: the pair (r, 2b, w/2) is the same k blinded
  // differently and must give the same signature (OpenSSL's BN computes 2b and w/2 mod n).
  uint8_t priv[crypto::kPrivateKeySize];
  const auto x = from_hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
  std::memcpy(priv, x.data(), sizeof(priv));
  uint8_t digest[crypto::kSha256Size];
  digest_of(6, digest);
  crypto::P256Group group;
  SeededRng rng(19);
  crypto::NoncePair pair{};
  REQUIRE(crypto::precompute_nonce(group, rng, {}, pair) == Status::Ok);
  const auto n_hex = from_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  BN_CTX* ctx = BN_CTX_new();
  REQUIRE(ctx != nullptr);
  BIGNUM* n = BN_bin2bn(n_hex.data(), 32, nullptr);
  BIGNUM* b = BN_bin2bn(pair.b, 32, nullptr);
  BIGNUM* w = BN_bin2bn(pair.w, 32, nullptr);
  BIGNUM* two = BN_new();
  BIGNUM* half = BN_new();
  REQUIRE((n && b && w && two && half));
  REQUIRE(BN_set_word(two, 2) == 1);
  REQUIRE(BN_mod_inverse(half, two, n, ctx) != nullptr);
  REQUIRE(BN_mod_mul(b, b, two, n, ctx) == 1);
  REQUIRE(BN_mod_mul(w, w, half, n, ctx) == 1);
  crypto::NoncePair reblinded = pair;
  REQUIRE(BN_bn2binpad(b, reblinded.b, 32) == 32);
  REQUIRE(BN_bn2binpad(w, reblinded.w, 32) == 32);
  BN_free(half);
  BN_free(two);
  BN_free(w);
  BN_free(b);
  BN_free(n);
  BN_CTX_free(ctx);
  CHECK(std::memcmp(reblinded.b, pair.b, 32) != 0);
  uint8_t sig[crypto::kSignatureSize];
  uint8_t sig_reblinded[crypto::kSignatureSize];
  REQUIRE(crypto::sign_digest(group, priv, digest, pair, sig) == Status::Ok);
  REQUIRE(crypto::sign_digest(group, priv, digest, reblinded, sig_reblinded) == Status::Ok);
  CHECK(as_vector(sig) == as_vector(sig_reblinded));
  uint8_t pub[crypto::kPublicKeySize];
  REQUIRE(crypto::public_key_of(group, priv, pub) == Status::Ok);
  CHECK(crypto::verify_digest(group, pub, digest, sig) == Status::Ok);
}

TEST_CASE("nonce pairs: a restarted reader (RAM lost) has none and repeats no r") {
  idr::sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  SeededRng rng(16);  // one TRNG across the restart: it does not repeat itself
  std::set<Sig> rs;
  uint8_t digest[crypto::kSha256Size];
  digest_of(3, digest);
  {
    crypto::ReaderIdentity identity(flash, rng);
    REQUIRE(identity.load() == Status::Ok);
    uint8_t challenge[crypto::kChallengeSize] = {};
    uint8_t proof[crypto::kSignatureSize];
    REQUIRE(identity.provision(challenge, proof) == Status::Ok);
    bool computed = false;
    for (int i = 0; i < 4; ++i) {
      REQUIRE(identity.precompute_nonce(computed) == Status::Ok);
      uint8_t sig[crypto::kSignatureSize];
      REQUIRE(reserve_and_sign(identity, digest, sig) == Status::Ok);
      CHECK(rs.insert(r_of(sig)).second);
    }
    REQUIRE(identity.precompute_nonce(computed) == Status::Ok);
    REQUIRE(identity.nonces_ready() >= 1);  // pairs waiting when the power goes
  }
  crypto::ReaderIdentity restarted(flash, rng);
  REQUIRE(restarted.load() == Status::Ok);
  CHECK(restarted.nonces_ready() == 0);
  using Path = crypto::ReaderIdentity::SignPath;
  Path path = Path::Precomputed;
  uint8_t first[crypto::kSignatureSize];
  REQUIRE(restarted.sign_digest(digest, first, &path) == Status::Ok);
  CHECK(path == Path::Full);  // made fresh: no pair came through the restart
  CHECK(rs.insert(r_of(first)).second);
  for (int i = 0; i < 4; ++i) {
    bool computed = false;
    REQUIRE(restarted.precompute_nonce(computed) == Status::Ok);
    uint8_t sig[crypto::kSignatureSize];
    REQUIRE(reserve_and_sign(restarted, digest, sig, &path) == Status::Ok);
    CHECK(path == Path::Precomputed);
    CHECK(rs.insert(r_of(sig)).second);
  }
}

namespace {

// A signed read's signature of digest i (reserve_and_sign), verified; its r.
Sig sign_reserved(crypto::ReaderIdentity& identity, uint64_t i,
                  crypto::ReaderIdentity::SignPath& path) {
  uint8_t digest[crypto::kSha256Size];
  digest_of(i, digest);
  uint8_t sig[crypto::kSignatureSize];
  REQUIRE(reserve_and_sign(identity, digest, sig, &path) == Status::Ok);
  crypto::P256Group group;
  CHECK(crypto::verify_digest(group, identity.public_key(), digest, sig) == Status::Ok);
  return r_of(sig);
}

}  // namespace

// Two signatures with one k and two digests give the private key away to whoever holds the
// two records (d = (s2 e1 - s1 e2) / (r (s1 - s2)) mod n). A precomputed k must therefore
// not depend on the TRNG alone (RFC 6979 3.6: the key and a value that never repeats go
// into its generator too), or a TRNG that stops working hands out the reader's key.
TEST_CASE("nonce pairs: a TRNG stuck on one value still gives every signature its own k") {
  idr::sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  StickingRng rng(21);
  crypto::ReaderIdentity identity(flash, rng);
  REQUIRE(identity.load() == Status::Ok);
  uint8_t challenge[crypto::kChallengeSize] = {};
  uint8_t proof[crypto::kSignatureSize];
  REQUIRE(identity.provision(challenge, proof) == Status::Ok);
  rng.stuck = true;
  std::set<Sig> rs;
  using Path = crypto::ReaderIdentity::SignPath;
  for (uint64_t i = 0; i < 6; ++i) {
    bool computed = false;
    REQUIRE(identity.precompute_nonce(computed) == Status::Ok);
    REQUIRE(computed);
    Path path = Path::Full;
    const Sig r = sign_reserved(identity, i, path);
    CHECK(path == Path::Precomputed);
    CHECK(rs.insert(r).second);
  }
}

TEST_CASE("nonce pairs: a TRNG that starts its stream again at every restart repeats no k") {
  idr::sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  {
    SeededRng factory(22);
    crypto::ReaderIdentity identity(flash, factory);
    REQUIRE(identity.load() == Status::Ok);
    uint8_t challenge[crypto::kChallengeSize] = {};
    uint8_t proof[crypto::kSignatureSize];
    REQUIRE(identity.provision(challenge, proof) == Status::Ok);
  }
  std::set<Sig> rs;
  using Path = crypto::ReaderIdentity::SignPath;
  for (uint64_t boot = 0; boot < 4; ++boot) {
    INFO("restart " << boot);
    SeededRng replayed(23);  // the same stream after every power-up
    crypto::ReaderIdentity identity(flash, replayed);
    REQUIRE(identity.load() == Status::Ok);
    for (uint64_t i = 0; i < 2; ++i) {
      bool computed = false;
      REQUIRE(identity.precompute_nonce(computed) == Status::Ok);
      REQUIRE(computed);
      Path path = Path::Full;
      const Sig r = sign_reserved(identity, boot * 10 + i, path);
      CHECK(path == Path::Precomputed);
      CHECK(rs.insert(r).second);
    }
  }
}
