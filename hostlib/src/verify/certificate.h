#pragma once
// Certificates as the verifier accepts them (DESIGN 11): strict DER with the signature in
// its one canonical form, and the profile of reader (device) and CA certificates. Shared by
// the chain and revocation checks (verify.cpp), the trust store and the CA.
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "idr/verify.h"

namespace idr::detail {

inline constexpr size_t kMaxCertificateSize = 8192;
inline constexpr size_t kMaxChainLength = 4;  // certificates in x5chain

// True when `der` is exactly one certificate in strict DER: definite, minimal lengths, no
// byte after it, minimal INTEGERs, the signature algorithm ecdsa-with-SHA256 without
// parameters, and the signature value (r, s) with 0 < r < n, 0 < s <= n/2 (low s, P-256),
// so the bytes equal the certificate's canonical re-encoding. Else false and `why`.
[[nodiscard]] bool strict_certificate(const uint8_t* der, size_t size, std::string& why);

enum class CertRole { Device, Ca };

// The profile (DESIGN 11): P-256 key, ECDSA-SHA256 signature, keyUsage present with
// digitalSignature (device, and no keyCertSign) or keyCertSign (CA), basicConstraints CA:TRUE
// for a CA and absent or CA:FALSE for a device. Reason::Ok, or the reason and `why`.
[[nodiscard]] Reason check_profile(const mbedtls_x509_crt& c, CertRole role, std::string& why);

// The RFC 5280 pathLenConstraint of a CA certificate; -1 when unlimited.
[[nodiscard]] int path_length(const mbedtls_x509_crt& c);

// What a revocation list can name `c` by.
[[nodiscard]] RevocationKeys revocation_keys_of(const mbedtls_x509_crt& c);

// The subject's common name ("" when none).
[[nodiscard]] std::string subject_cn(const mbedtls_x509_crt& c);

[[nodiscard]] bool is_p256(const mbedtls_pk_context& pk);

// The DER of every CERTIFICATE block of a PEM text, exactly as encoded (mbedTLS's parser
// would drop bytes after a certificate). InvalidArgument and `why` when a block is bad.
[[nodiscard]] Result<std::vector<Bytes>> pem_certificates(const std::string& pem, std::string& why);

}  // namespace idr::detail
