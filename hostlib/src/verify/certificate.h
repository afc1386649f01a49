#pragma once
// Certificates as the verifier accepts them (DESIGN 11): strict DER with the signature in
// its one canonical form, and the profile of reader (device) and CA certificates, read with
// OpenSSL. Shared by the chain and revocation checks (chain_cache.cpp, verify.cpp), the trust
// store and the CA.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "idr/verify.h"

namespace idr::detail {

inline constexpr size_t kMaxCertificateSize = 8192;
inline constexpr size_t kMaxChainLength = 4;  // certificates in x5chain

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// SHA-256 (OpenSSL; the algorithm is fetched once per process, not per call).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const uint8_t* p, size_t n);
  [[nodiscard]] std::array<uint8_t, 32> finish();

 private:
  EVP_MD_CTX* ctx_;
};
[[nodiscard]] std::array<uint8_t, 32> sha256(const uint8_t* p, size_t n);

// True when `der` is exactly one certificate in strict DER: definite, minimal lengths, no
// byte after it, minimal INTEGERs, the signature algorithm ecdsa-with-SHA256 without
// parameters, and the signature value (r, s) with 0 < r < n, 0 < s <= n/2 (low s, P-256),
// so the bytes equal the certificate's canonical re-encoding. Else false and `why`.
[[nodiscard]] bool strict_certificate(const uint8_t* der, size_t size, std::string& why);

// The certificate in `der` (every byte consumed) whose public key decodes (an EC point must
// lie on its curve); nullptr otherwise.
[[nodiscard]] X509Ptr parse_certificate(const uint8_t* der, size_t size);

// A P-256 public key from its uncompressed point (04 || X || Y) as a provider key, which any
// number of threads may verify with at once; nullptr when the point is not on the curve.
[[nodiscard]] PkeyPtr p256_public_key(const uint8_t* point65);

// ES256 (RFC 9053 2.1): the raw signature r || s (64 bytes) over a SHA-256 digest, on a
// context made by EVP_PKEY_verify_init for the key (reusable, one thread at a time).
[[nodiscard]] bool verify_es256(EVP_PKEY_CTX* verify_ctx, const uint8_t (&digest)[32],
                                const uint8_t* signature64);

// The certificate's key point (04 || X || Y, 65 bytes) when it is an uncompressed one.
[[nodiscard]] const uint8_t* uncompressed_point(X509* c);

enum class CertRole { Device, Ca };

// The profile (DESIGN 11): P-256 key as an uncompressed point, ECDSA-SHA256 signature,
// keyUsage present with digitalSignature (device, and no keyCertSign) or keyCertSign (CA),
// basicConstraints CA:TRUE for a CA and absent or CA:FALSE for a device. Reason::Ok, or
// the reason and `why`.
[[nodiscard]] Reason check_profile(X509* c, CertRole role, std::string& why);

// The RFC 5280 pathLenConstraint of a CA certificate; -1 when unlimited.
[[nodiscard]] int path_length(X509* c);

// What a revocation list can name `c` by.
[[nodiscard]] RevocationKeys revocation_keys_of(X509* c);

// The subject's common name ("" when none).
[[nodiscard]] std::string subject_cn(X509* c);

// notBefore / notAfter in Unix seconds.
[[nodiscard]] int64_t valid_from(X509* c);
[[nodiscard]] int64_t valid_to(X509* c);

// The DER of every CERTIFICATE block of a PEM text, exactly as encoded. InvalidArgument and
// `why` when a block is bad or there is none.
[[nodiscard]] Result<std::vector<Bytes>> pem_certificates(const std::string& pem, std::string& why);

}  // namespace idr::detail
