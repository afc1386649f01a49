#include "idr/crypto/p256.h"

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

namespace idr::crypto {
namespace {

// mbedTLS entropy callback over the board's TRNG.
int rng_entropy(void* ctx, unsigned char* out, size_t len) {
  return static_cast<hal::Rng*>(ctx)->fill(out, len) == Status::Ok ? 0 : -1;
}

// An HMAC-DRBG seeded from the board RNG; wiped on scope exit.
class Drbg {
 public:
  explicit Drbg(hal::Rng& rng) {
    mbedtls_hmac_drbg_init(&ctx_);
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    static const unsigned char kPersonal[] = "idr-reader-drbg";
    ok_ = md != nullptr && mbedtls_hmac_drbg_seed(&ctx_, md, rng_entropy, &rng, kPersonal,
                                                  sizeof(kPersonal) - 1) == 0;
  }
  ~Drbg() { mbedtls_hmac_drbg_free(&ctx_); }  // zeroizes the state
  Drbg(const Drbg&) = delete;
  Drbg& operator=(const Drbg&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  mbedtls_hmac_drbg_context* ctx() { return &ctx_; }

 private:
  mbedtls_hmac_drbg_context ctx_;
  bool ok_ = false;
};

// An ECP keypair on P-256 freed (and its scalar zeroized by mbedtls_mpi_free) on scope exit.
class Keypair {
 public:
  Keypair() {
    mbedtls_ecp_keypair_init(&kp_);
    ok_ = mbedtls_ecp_group_load(&kp_.grp, MBEDTLS_ECP_DP_SECP256R1) == 0;
  }
  ~Keypair() { mbedtls_ecp_keypair_free(&kp_); }
  Keypair(const Keypair&) = delete;
  Keypair& operator=(const Keypair&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  mbedtls_ecp_keypair& kp() { return kp_; }

 private:
  mbedtls_ecp_keypair kp_;
  bool ok_ = false;
};

[[nodiscard]] bool write_point(mbedtls_ecp_keypair& kp, uint8_t (&out)[kPublicKeySize]) {
  size_t olen = 0;
  return mbedtls_ecp_point_write_binary(&kp.grp, &kp.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out,
                                        sizeof(out)) == 0 &&
         olen == kPublicKeySize;
}

}  // namespace

void wipe(void* data, size_t len) {
  mbedtls_platform_zeroize(data, len);
}

Status sha256(const ByteView* parts, size_t count, uint8_t (&out)[kSha256Size]) {
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  bool ok = mbedtls_sha256_starts_ret(&ctx, 0) == 0;
  for (size_t i = 0; ok && i < count; ++i) {
    if (parts[i].size != 0) ok = mbedtls_sha256_update_ret(&ctx, parts[i].data, parts[i].size) == 0;
  }
  ok = ok && mbedtls_sha256_finish_ret(&ctx, out) == 0;
  mbedtls_sha256_free(&ctx);
  return ok ? Status::Ok : Status::Unsupported;
}

Status generate_key(hal::Rng& rng, uint8_t (&private_key)[kPrivateKeySize],
                    uint8_t (&public_key)[kPublicKeySize]) {
  Drbg drbg(rng);
  if (!drbg.ok()) return Status::Io;
  Keypair key;
  if (!key.ok()) return Status::Unsupported;
  if (mbedtls_ecdsa_genkey(&key.kp(), MBEDTLS_ECP_DP_SECP256R1, mbedtls_hmac_drbg_random,
                           drbg.ctx()) != 0)
    return Status::Io;
  if (mbedtls_mpi_write_binary(&key.kp().d, private_key, sizeof(private_key)) != 0 ||
      !write_point(key.kp(), public_key)) {
    wipe(private_key, sizeof(private_key));
    return Status::Unsupported;
  }
  return Status::Ok;
}

Status public_key_of(const uint8_t (&private_key)[kPrivateKeySize],
                     uint8_t (&public_key)[kPublicKeySize]) {
  Keypair key;
  if (!key.ok()) return Status::Unsupported;
  mbedtls_ecp_keypair& kp = key.kp();
  if (mbedtls_mpi_read_binary(&kp.d, private_key, sizeof(private_key)) != 0 ||
      mbedtls_ecp_check_privkey(&kp.grp, &kp.d) != 0)
    return Status::InvalidArgument;
  // No RNG: the public key is not secret-dependent output an attacker can time here, and
  // mbedTLS 2.28 accepts a null RNG for ecp_mul (it blinds only when one is given).
  if (mbedtls_ecp_mul(&kp.grp, &kp.Q, &kp.d, &kp.grp.G, nullptr, nullptr) != 0)
    return Status::Unsupported;
  return write_point(kp, public_key) ? Status::Ok : Status::Unsupported;
}

Status sign_digest(const uint8_t (&private_key)[kPrivateKeySize],
                   const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                   uint8_t (&signature)[kSignatureSize]) {
  Drbg drbg(blinding);
  if (!drbg.ok()) return Status::Io;
  Keypair key;
  if (!key.ok()) return Status::Unsupported;
  mbedtls_ecp_keypair& kp = key.kp();
  if (mbedtls_mpi_read_binary(&kp.d, private_key, sizeof(private_key)) != 0 ||
      mbedtls_ecp_check_privkey(&kp.grp, &kp.d) != 0)
    return Status::InvalidArgument;
  mbedtls_mpi r;
  mbedtls_mpi s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  const bool ok =
      mbedtls_ecdsa_sign_det_ext(&kp.grp, &r, &s, &kp.d, digest, sizeof(digest), MBEDTLS_MD_SHA256,
                                 mbedtls_hmac_drbg_random, drbg.ctx()) == 0 &&
      mbedtls_mpi_write_binary(&r, signature, 32) == 0 &&
      mbedtls_mpi_write_binary(&s, signature + 32, 32) == 0;
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return ok ? Status::Ok : Status::Unsupported;
}

Status verify_digest(const uint8_t (&public_key)[kPublicKeySize],
                     const uint8_t (&digest)[kSha256Size],
                     const uint8_t (&signature)[kSignatureSize]) {
  Keypair key;
  if (!key.ok()) return Status::Unsupported;
  mbedtls_ecp_keypair& kp = key.kp();
  if (mbedtls_ecp_point_read_binary(&kp.grp, &kp.Q, public_key, sizeof(public_key)) != 0 ||
      mbedtls_ecp_check_pubkey(&kp.grp, &kp.Q) != 0)
    return Status::InvalidArgument;
  mbedtls_mpi r;
  mbedtls_mpi s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  Status result = Status::DataCheckFailed;
  if (mbedtls_mpi_read_binary(&r, signature, 32) == 0 &&
      mbedtls_mpi_read_binary(&s, signature + 32, 32) == 0 &&
      mbedtls_ecdsa_verify(&kp.grp, digest, sizeof(digest), &kp.Q, &r, &s) == 0)
    result = Status::Ok;
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return result;
}

Status certificate_public_key(ByteView der, ByteView& point) {
  // RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
  // serialNumber INTEGER, signature AlgorithmIdentifier, issuer Name, validity Validity,
  // subject Name, subjectPublicKeyInfo SEQUENCE { algorithm, subjectPublicKey BIT STRING }...
  unsigned char* p = const_cast<unsigned char*>(der.data);  // mbedtls_asn1_get_* only reads
  const unsigned char* end = der.data + der.size;
  size_t len = 0;
  constexpr int kSeq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
  if (der.data == nullptr || mbedtls_asn1_get_tag(&p, end, &len, kSeq) != 0)
    return Status::Protocol;
  end = p + len;
  if (mbedtls_asn1_get_tag(&p, end, &len, kSeq) != 0) return Status::Protocol;  // tbs
  const unsigned char* tbs_end = p + len;
  // Optional [0] EXPLICIT version.
  if (mbedtls_asn1_get_tag(&p, tbs_end, &len,
                           MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) == 0)
    p += len;
  if (mbedtls_asn1_get_tag(&p, tbs_end, &len, MBEDTLS_ASN1_INTEGER) != 0) return Status::Protocol;
  p += len;
  for (int i = 0; i < 4; ++i) {  // signature, issuer, validity, subject
    if (mbedtls_asn1_get_tag(&p, tbs_end, &len, kSeq) != 0) return Status::Protocol;
    p += len;
  }
  if (mbedtls_asn1_get_tag(&p, tbs_end, &len, kSeq) != 0) return Status::Protocol;  // SPKI
  const unsigned char* spki_end = p + len;
  if (mbedtls_asn1_get_tag(&p, spki_end, &len, kSeq) != 0) return Status::Protocol;  // algorithm
  p += len;
  mbedtls_asn1_bitstring bits{};
  if (mbedtls_asn1_get_bitstring(&p, spki_end, &bits) != 0 || bits.unused_bits != 0 ||
      bits.len != kPublicKeySize || bits.p[0] != 0x04)
    return Status::Protocol;
  point = ByteView{bits.p, bits.len};
  return Status::Ok;
}

}  // namespace idr::crypto
