#pragma once
// Where the firmware calls mbedTLS (with sha256.h, incremental SHA-256): SHA-256, ECDSA P-256
// key generation, signing and verification, and the DER walk to a certificate's public key.
// Everything else in the firmware sees bytes only, so the Cortex-M build (mbedTLS with
// MBEDTLS_MEMORY_BUFFER_ALLOC_C and a static pool) differs from the host board only in mbedTLS's
// configuration.
//
// Host board note: Debian's libmbedcrypto has no MBEDTLS_PLATFORM_MEMORY, so there mbedTLS
// itself allocates its bignums on the process heap. Our code never allocates.
//
// Only the modules DESIGN 10 lists are used: bignum, ecp, ecp_curves, ecdsa, hmac_drbg, md,
// sha256, asn1parse, platform_util (zeroize), constant_time.
#include <cstddef>
#include <cstdint>

#include "idr/crypto/bytes.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::crypto {

inline constexpr size_t kPrivateKeySize = 32;
inline constexpr size_t kPublicKeySize = 65;  // 04 || X || Y (SEC 1 uncompressed)
inline constexpr size_t kSignatureSize = 64;  // r || s, 32 bytes each, big endian
inline constexpr size_t kSha256Size = 32;

// The P-256 group kept loaded for the life of its owner (ReaderIdentity). mbedTLS caches the
// fixed-point comb table of the base point in the group (grp->T) after the first
// multiplication by G, so with one kept group only the first signature pays for building it
// (DESIGN 9: on Cortex-M4 a signature costs about 13.1 M instructions the first time and
// 6.05 M after, toolchain/bench-footprint). Holds public constants only: no key material.
// The table lives in mbedTLS's heap (the board's static pool on Cortex-M); our code never
// allocates. One owner, one thread: mbedTLS writes the table on first use.
class P256Group {
 public:
  P256Group();
  ~P256Group();
  P256Group(const P256Group&) = delete;
  P256Group& operator=(const P256Group&) = delete;

  // Loads the curve and builds the comb table now (one multiplication by G), so that no
  // later operation pays for it. Ok at once when already prepared. Call at start-up.
  [[nodiscard]] Status prepare();
  [[nodiscard]] bool prepared() const;
  // Frees the table and forgets the curve; the next use loads it again. Needed before
  // mbedTLS's pool is handed over afresh (the table would point into the old pool).
  void release();

  // Storage for mbedtls_ecp_group (kept out of this header: its layout depends on the
  // mbedTLS configuration, which only p256.cpp sees; p256.cpp checks the size).
  static constexpr size_t kStorageSize = 320;

 private:
  friend struct P256GroupAccess;  // p256.cpp
  alignas(8) unsigned char storage_[kStorageSize];
  bool loaded_ = false;
};

// SHA-256 over the concatenation of `count` parts (so callers need not copy into one buffer).
[[nodiscard]] Status sha256(const ByteView* parts, size_t count, uint8_t (&out)[kSha256Size]);

// The four operations below without a group load P-256 for the call and free it after
// (each pays for the comb table): for tests and one-off use. The firmware uses the
// P256Group overloads further down.

// A new key pair. The private scalar comes from an HMAC-DRBG (SHA-256) seeded with 48 bytes
// from `rng` (entropy + nonce per NIST SP 800-90A); the DRBG state is wiped before return.
[[nodiscard]] Status generate_key(hal::Rng& rng, uint8_t (&private_key)[kPrivateKeySize],
                                  uint8_t (&public_key)[kPublicKeySize]);

// 04 || X || Y of private_key * G.
[[nodiscard]] Status public_key_of(const uint8_t (&private_key)[kPrivateKeySize],
                                   uint8_t (&public_key)[kPublicKeySize]);

// Deterministic ECDSA (RFC 6979, HMAC-SHA-256) over a SHA-256 digest. `blinding` seeds the
// side-channel blinding of the scalar multiplication only: the signature does not depend
// on it (so it equals the RFC 6979 known answers).
[[nodiscard]] Status sign_digest(const uint8_t (&private_key)[kPrivateKeySize],
                                 const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                                 uint8_t (&signature)[kSignatureSize]);

// Ok when `signature` (r || s) is valid for `digest` under `public_key`; DataCheckFailed
// when it is not; InvalidArgument when the key is not a point on P-256.
[[nodiscard]] Status verify_digest(const uint8_t (&public_key)[kPublicKeySize],
                                   const uint8_t (&digest)[kSha256Size],
                                   const uint8_t (&signature)[kSignatureSize]);

// The subjectPublicKey of an X.509 certificate (RFC 5280 4.1: Certificate -> tbsCertificate
// -> subjectPublicKeyInfo) when it is an uncompressed 65-byte point; Protocol otherwise.
// Checks the DER structure, not the certificate's signature (the host verifies the chain).
[[nodiscard]] Status certificate_public_key(ByteView der, ByteView& point);

// The same four operations on a kept group (faster after the first; results identical).
[[nodiscard]] Status generate_key(P256Group& group, hal::Rng& rng,
                                  uint8_t (&private_key)[kPrivateKeySize],
                                  uint8_t (&public_key)[kPublicKeySize]);
[[nodiscard]] Status public_key_of(P256Group& group, const uint8_t (&private_key)[kPrivateKeySize],
                                   uint8_t (&public_key)[kPublicKeySize]);
[[nodiscard]] Status sign_digest(P256Group& group, const uint8_t (&private_key)[kPrivateKeySize],
                                 const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                                 uint8_t (&signature)[kSignatureSize]);
[[nodiscard]] Status verify_digest(P256Group& group, const uint8_t (&public_key)[kPublicKeySize],
                                   const uint8_t (&digest)[kSha256Size],
                                   const uint8_t (&signature)[kSignatureSize]);

// ---- Precomputed nonces (DESIGN 9: ECDSA off the critical path) ----
// ECDSA's s = k^-1 (e + r d) mod n needs the message only in its last step: r = x(kG) mod n
// and the inverse can be computed in advance, while the reader is idle, from a fresh random
// k. Blinded as mbedTLS's own ecdsa_sign blinds with its t: a random b in [1, n-1] is drawn
// with k, the inversion sees only k*b (never k), and the pair keeps w = (k*b)^-1 with b, so
// that s = w (b e + (b r) d) mod n, where every value reduced online involving d is a
// product with the random b. A pair is a secret as strong as the key (with one signature
// made from it, b and w give d away), and used twice it gives the key away too: each pair
// lives only in RAM (NoncePool), is used for one signature and wiped at once.
struct NoncePair {
  uint8_t r[32];  // x(kG) mod n, big endian, 1 <= r < n
  uint8_t b[32];  // the blinding value, big endian, 1 <= b < n
  uint8_t w[32];  // (k b)^-1 mod n, big endian, 1 <= w < n
};

// One pair from a fresh k: an HMAC-DRBG (SHA-256) seeded with 48 bytes from `rng` (the
// board's TRNG) and with `hedge` draws k and then b, each in [1, n-1]
// (mbedtls_ecp_gen_privkey), and blinds kG; w = (k b)^-1 mod n. The DRBG state and k are
// wiped before return. About one signature's worth of work (kG on the kept group's table):
// meant for idle time. On failure `pair` is wiped.
// `hedge` (at most kMaxNonceHedge bytes; InvalidArgument beyond) is what keeps k unique and
// secret when the TRNG is not: secret bytes that differ for every pair ever used, as RFC 6979
// 3.6 feeds the key and extra data into its generator. A TRNG that sticks or repeats its
// stream then still gives every pair its own k, where the TRNG alone would give two
// signatures one k, and with it the private key to whoever holds the two signatures.
// ReaderIdentity derives it from the key, the counter and the draw's number
// (KeyStore::hedge); an empty hedge leaves k to the TRNG alone.
inline constexpr size_t kMaxNonceHedge = 64;
[[nodiscard]] Status precompute_nonce(P256Group& group, hal::Rng& rng, ByteView hedge,
                                      NoncePair& pair);

// ECDSA over a SHA-256 digest with a precomputed pair: s = w (b e + (b r) d) mod n
// (= k^-1 (e + r d)), four modular multiplications. The signature is r || s.
// InvalidArgument when the key or any field of the pair is out of [1, n-1] (a wiped pair is
// all zero: refused); Unsupported when s came out 0 (probability about 2^-256: the caller
// signs the slow way). The caller wipes the pair afterwards, whatever the result.
[[nodiscard]] Status sign_digest(P256Group& group, const uint8_t (&private_key)[kPrivateKeySize],
                                 const uint8_t (&digest)[kSha256Size], const NoncePair& nonce,
                                 uint8_t (&signature)[kSignatureSize]);

// Overwrites secrets in a way the compiler cannot drop (mbedtls_platform_zeroize).
void wipe(void* data, size_t len);

}  // namespace idr::crypto
