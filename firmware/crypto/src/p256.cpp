#include "idr/crypto/p256.h"

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include <new>

namespace idr::crypto {
namespace {

// mbedTLS entropy callback over the board's TRNG.
int rng_entropy(void* ctx, unsigned char* out, size_t len) {
  return static_cast<hal::Rng*>(ctx)->fill(out, len) == Status::Ok ? 0 : -1;
}

// An HMAC-DRBG seeded from the board RNG; wiped on scope exit. `extra` (at most
// kMaxNonceHedge bytes) goes into the seed after the personalisation string, beside the
// RNG's entropy (mbedtls_hmac_drbg_seed: entropy || nonce || personalisation).
class Drbg {
 public:
  explicit Drbg(hal::Rng& rng, const char* personal = "idr-reader-drbg", ByteView extra = {}) {
    mbedtls_hmac_drbg_init(&ctx_);
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    unsigned char custom[32 + kMaxNonceHedge];
    size_t len = 0;
    while (personal[len] != '\0' && len < 32) {
      custom[len] = static_cast<unsigned char>(personal[len]);
      ++len;
    }
    if (extra.size > kMaxNonceHedge || (extra.data == nullptr && extra.size != 0)) return;
    for (size_t i = 0; i < extra.size; ++i) custom[len + i] = extra.data[i];
    len += extra.size;
    ok_ = md != nullptr && mbedtls_hmac_drbg_seed(&ctx_, md, rng_entropy, &rng, custom, len) == 0;
    mbedtls_platform_zeroize(custom, sizeof(custom));  // `extra` may be secret
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

// An mbedTLS bignum freed on scope exit (mbedtls_mpi_free zeroizes it: private scalars too).
class Mpi {
 public:
  Mpi() { mbedtls_mpi_init(&v_); }
  ~Mpi() { mbedtls_mpi_free(&v_); }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
  mbedtls_mpi* get() { return &v_; }

 private:
  mbedtls_mpi v_;
};

// An ECP point freed on scope exit.
class Point {
 public:
  Point() { mbedtls_ecp_point_init(&v_); }
  ~Point() { mbedtls_ecp_point_free(&v_); }
  Point(const Point&) = delete;
  Point& operator=(const Point&) = delete;
  mbedtls_ecp_point* get() { return &v_; }

 private:
  mbedtls_ecp_point v_;
};

[[nodiscard]] bool write_point(mbedtls_ecp_group& grp, const mbedtls_ecp_point& q,
                               uint8_t (&out)[kPublicKeySize]) {
  size_t olen = 0;
  return mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out,
                                        sizeof(out)) == 0 &&
         olen == kPublicKeySize;
}

}  // namespace

// The mbedTLS group inside a P256Group's storage.
struct P256GroupAccess {
  static_assert(sizeof(mbedtls_ecp_group) <= P256Group::kStorageSize, "P256Group storage");
  static_assert(alignof(mbedtls_ecp_group) <= 8, "P256Group alignment");

  static mbedtls_ecp_group* raw(P256Group& g) {
    return std::launder(reinterpret_cast<mbedtls_ecp_group*>(g.storage_));
  }
  static const mbedtls_ecp_group* raw(const P256Group& g) {
    return std::launder(reinterpret_cast<const mbedtls_ecp_group*>(g.storage_));
  }
  // The loaded curve (loaded now if it was not), or nullptr when loading failed.
  static mbedtls_ecp_group* loaded(P256Group& g) {
    if (!g.loaded_) {
      if (mbedtls_ecp_group_load(raw(g), MBEDTLS_ECP_DP_SECP256R1) != 0) {
        g.release();
        return nullptr;
      }
      g.loaded_ = true;
    }
    return raw(g);
  }
};

P256Group::P256Group() {
  ::new (static_cast<void*>(storage_)) mbedtls_ecp_group;  // placement: no allocation
  mbedtls_ecp_group_init(P256GroupAccess::raw(*this));
}

P256Group::~P256Group() {
  mbedtls_ecp_group_free(P256GroupAccess::raw(*this));
}

void P256Group::release() {
  mbedtls_ecp_group* grp = P256GroupAccess::raw(*this);
  mbedtls_ecp_group_free(grp);  // frees T and leaves the group zeroed
  mbedtls_ecp_group_init(grp);
  loaded_ = false;
}

bool P256Group::prepared() const {
  return loaded_ && P256GroupAccess::raw(*this)->T != nullptr;
}

Status P256Group::prepare() {
  mbedtls_ecp_group* grp = P256GroupAccess::loaded(*this);
  if (grp == nullptr) return Status::Unsupported;
  if (grp->T != nullptr) return Status::Ok;
  // 1 * G: the scalar is public, so mbedTLS's own blinding RNG (f_rng null) is enough; the
  // point is the side effect, the table mbedTLS keeps in grp->T.
  Mpi one;
  Point r;
  if (mbedtls_mpi_lset(one.get(), 1) != 0 ||
      mbedtls_ecp_mul(grp, r.get(), one.get(), &grp->G, nullptr, nullptr) != 0)
    return Status::Unsupported;
  return grp->T != nullptr ? Status::Ok : Status::Unsupported;
}

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

Status generate_key(P256Group& group, hal::Rng& rng, uint8_t (&private_key)[kPrivateKeySize],
                    uint8_t (&public_key)[kPublicKeySize]) {
  Drbg drbg(rng);
  if (!drbg.ok()) return Status::Io;
  mbedtls_ecp_group* grp = P256GroupAccess::loaded(group);
  if (grp == nullptr) return Status::Unsupported;
  Mpi d;
  Point q;
  // What mbedtls_ecdsa_genkey does, on our group (same DRBG draws, so the same key).
  if (mbedtls_ecp_gen_keypair(grp, d.get(), q.get(), mbedtls_hmac_drbg_random, drbg.ctx()) != 0)
    return Status::Io;
  if (mbedtls_mpi_write_binary(d.get(), private_key, sizeof(private_key)) != 0 ||
      !write_point(*grp, *q.get(), public_key)) {
    wipe(private_key, sizeof(private_key));
    return Status::Unsupported;
  }
  return Status::Ok;
}

Status public_key_of(P256Group& group, const uint8_t (&private_key)[kPrivateKeySize],
                     uint8_t (&public_key)[kPublicKeySize]) {
  mbedtls_ecp_group* grp = P256GroupAccess::loaded(group);
  if (grp == nullptr) return Status::Unsupported;
  Mpi d;
  if (mbedtls_mpi_read_binary(d.get(), private_key, sizeof(private_key)) != 0 ||
      mbedtls_ecp_check_privkey(grp, d.get()) != 0)
    return Status::InvalidArgument;
  // No RNG: the public key is not secret-dependent output an attacker can time here, and
  // mbedTLS 2.28 accepts a null RNG for ecp_mul (it blinds with its own DRBG then).
  Point q;
  if (mbedtls_ecp_mul(grp, q.get(), d.get(), &grp->G, nullptr, nullptr) != 0)
    return Status::Unsupported;
  return write_point(*grp, *q.get(), public_key) ? Status::Ok : Status::Unsupported;
}

Status sign_digest(P256Group& group, const uint8_t (&private_key)[kPrivateKeySize],
                   const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                   uint8_t (&signature)[kSignatureSize]) {
  Drbg drbg(blinding);
  if (!drbg.ok()) return Status::Io;
  mbedtls_ecp_group* grp = P256GroupAccess::loaded(group);
  if (grp == nullptr) return Status::Unsupported;
  Mpi d;  // the private scalar: zeroized by mbedtls_mpi_free on every path out
  if (mbedtls_mpi_read_binary(d.get(), private_key, sizeof(private_key)) != 0 ||
      mbedtls_ecp_check_privkey(grp, d.get()) != 0)
    return Status::InvalidArgument;
  Mpi r;
  Mpi s;
  const bool ok =
      mbedtls_ecdsa_sign_det_ext(grp, r.get(), s.get(), d.get(), digest, sizeof(digest),
                                 MBEDTLS_MD_SHA256, mbedtls_hmac_drbg_random, drbg.ctx()) == 0 &&
      mbedtls_mpi_write_binary(r.get(), signature, 32) == 0 &&
      mbedtls_mpi_write_binary(s.get(), signature + 32, 32) == 0;
  return ok ? Status::Ok : Status::Unsupported;
}

Status precompute_nonce(P256Group& group, hal::Rng& rng, ByteView hedge, NoncePair& pair) {
  wipe(&pair, sizeof(pair));
  if (hedge.size > kMaxNonceHedge || (hedge.data == nullptr && hedge.size != 0))
    return Status::InvalidArgument;
  Drbg drbg(rng, "idr-nonce-drbg", hedge);
  if (!drbg.ok()) return Status::Io;
  mbedtls_ecp_group* grp = P256GroupAccess::loaded(group);
  if (grp == nullptr) return Status::Unsupported;
  const mbedtls_mpi* n = &grp->N;
  Mpi k;  // every bignum is zeroized by mbedtls_mpi_free on every path out
  Mpi b;
  Mpi r;
  Mpi kb;
  Mpi w;
  Point kg;
  // r == 0 has probability about 2^-256; a few draws bound the loop (SEC 1 4.1.3 step 1).
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (mbedtls_ecp_gen_privkey(grp, k.get(), mbedtls_hmac_drbg_random, drbg.ctx()) != 0 ||
        mbedtls_ecp_mul(grp, kg.get(), k.get(), &grp->G, mbedtls_hmac_drbg_random, drbg.ctx()) !=
            0 ||
        mbedtls_mpi_mod_mpi(r.get(), &kg.get()->X, n) != 0)
      return Status::Unsupported;
    if (mbedtls_mpi_cmp_int(r.get(), 0) == 0) continue;
    // The inversion (binary GCD, value-dependent loops) sees k b, never k, as in mbedTLS's
    // ecdsa_sign with its t. k, b in [1, n-1] and n prime: k b mod n is never 0.
    if (mbedtls_ecp_gen_privkey(grp, b.get(), mbedtls_hmac_drbg_random, drbg.ctx()) != 0 ||
        mbedtls_mpi_mul_mpi(kb.get(), k.get(), b.get()) != 0 ||
        mbedtls_mpi_mod_mpi(kb.get(), kb.get(), n) != 0 ||
        mbedtls_mpi_inv_mod(w.get(), kb.get(), n) != 0 ||
        mbedtls_mpi_write_binary(r.get(), pair.r, sizeof(pair.r)) != 0 ||
        mbedtls_mpi_write_binary(b.get(), pair.b, sizeof(pair.b)) != 0 ||
        mbedtls_mpi_write_binary(w.get(), pair.w, sizeof(pair.w)) != 0) {
      wipe(&pair, sizeof(pair));
      return Status::Unsupported;
    }
    return Status::Ok;
  }
  return Status::Unsupported;
}

namespace {

// `out` from `bytes` when it is in [1, n-1].
[[nodiscard]] bool read_scalar(const uint8_t (&bytes)[32], const mbedtls_mpi* n, Mpi& out) {
  return mbedtls_mpi_read_binary(out.get(), bytes, sizeof(bytes)) == 0 &&
         mbedtls_mpi_cmp_int(out.get(), 1) >= 0 && mbedtls_mpi_cmp_mpi(out.get(), n) < 0;
}

// out = x y mod n (mbedtls_mpi_mod_mpi: its division has value-dependent loops, so callers
// only reduce products that carry the random blinding factor b).
[[nodiscard]] bool mul_mod(Mpi& out, Mpi& x, Mpi& y, const mbedtls_mpi* n) {
  return mbedtls_mpi_mul_mpi(out.get(), x.get(), y.get()) == 0 &&
         mbedtls_mpi_mod_mpi(out.get(), out.get(), n) == 0;
}

}  // namespace

Status sign_digest(P256Group& group, const uint8_t (&private_key)[kPrivateKeySize],
                   const uint8_t (&digest)[kSha256Size], const NoncePair& nonce,
                   uint8_t (&signature)[kSignatureSize]) {
  mbedtls_ecp_group* grp = P256GroupAccess::loaded(group);
  if (grp == nullptr) return Status::Unsupported;
  const mbedtls_mpi* n = &grp->N;
  // Every bignum below is zeroized by mbedtls_mpi_free on every path out.
  Mpi d;
  if (mbedtls_mpi_read_binary(d.get(), private_key, sizeof(private_key)) != 0 ||
      mbedtls_ecp_check_privkey(grp, d.get()) != 0)
    return Status::InvalidArgument;
  // Every field in [1, n-1], as precompute_nonce makes them (a wiped or garbled pair is
  // refused: b = 0 would also unblind, w = 0 would sign s = 0).
  Mpi r;
  Mpi b;
  Mpi w;
  if (!read_scalar(nonce.r, n, r) || !read_scalar(nonce.b, n, b) || !read_scalar(nonce.w, n, w))
    return Status::InvalidArgument;
  // e: the digest as an integer (SEC 1 4.1.3 step 5; n has 256 bits, so no truncation),
  // reduced once below n as mbedTLS's own derive_mpi does.
  Mpi e;
  if (mbedtls_mpi_read_binary(e.get(), digest, sizeof(digest)) != 0) return Status::Unsupported;
  if (mbedtls_mpi_cmp_mpi(e.get(), n) >= 0 && mbedtls_mpi_sub_mpi(e.get(), e.get(), n) != 0)
    return Status::Unsupported;
  // s = w (b e + (b r) d) mod n = k^-1 (e + r d) mod n. Each reduction sees a product with
  // b, uniform and secret: (b r) d, not r d.
  Mpi br;
  Mpi brd;
  Mpi be;
  Mpi t;
  Mpi s;
  if (!mul_mod(br, b, r, n) || !mul_mod(brd, br, d, n) || !mul_mod(be, b, e, n) ||
      mbedtls_mpi_add_mpi(t.get(), be.get(), brd.get()) != 0 ||
      (mbedtls_mpi_cmp_mpi(t.get(), n) >= 0 && mbedtls_mpi_sub_mpi(t.get(), t.get(), n) != 0) ||
      !mul_mod(s, w, t, n))
    return Status::Unsupported;
  if (mbedtls_mpi_cmp_int(s.get(), 0) == 0) return Status::Unsupported;
  if (mbedtls_mpi_write_binary(r.get(), signature, 32) != 0 ||
      mbedtls_mpi_write_binary(s.get(), signature + 32, 32) != 0)
    return Status::Unsupported;
  return Status::Ok;
}

Status verify_digest(P256Group& group, const uint8_t (&public_key)[kPublicKeySize],
                     const uint8_t (&digest)[kSha256Size],
                     const uint8_t (&signature)[kSignatureSize]) {
  mbedtls_ecp_group* grp = P256GroupAccess::loaded(group);
  if (grp == nullptr) return Status::Unsupported;
  Point q;
  if (mbedtls_ecp_point_read_binary(grp, q.get(), public_key, sizeof(public_key)) != 0 ||
      mbedtls_ecp_check_pubkey(grp, q.get()) != 0)
    return Status::InvalidArgument;
  Mpi r;
  Mpi s;
  if (mbedtls_mpi_read_binary(r.get(), signature, 32) == 0 &&
      mbedtls_mpi_read_binary(s.get(), signature + 32, 32) == 0 &&
      mbedtls_ecdsa_verify(grp, digest, sizeof(digest), q.get(), r.get(), s.get()) == 0)
    return Status::Ok;
  return Status::DataCheckFailed;
}

// One-off forms: a group for the call, freed (with its table) on return.
Status generate_key(hal::Rng& rng, uint8_t (&private_key)[kPrivateKeySize],
                    uint8_t (&public_key)[kPublicKeySize]) {
  P256Group group;
  return generate_key(group, rng, private_key, public_key);
}

Status public_key_of(const uint8_t (&private_key)[kPrivateKeySize],
                     uint8_t (&public_key)[kPublicKeySize]) {
  P256Group group;
  return public_key_of(group, private_key, public_key);
}

Status sign_digest(const uint8_t (&private_key)[kPrivateKeySize],
                   const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                   uint8_t (&signature)[kSignatureSize]) {
  P256Group group;
  return sign_digest(group, private_key, digest, blinding, signature);
}

Status verify_digest(const uint8_t (&public_key)[kPublicKeySize],
                     const uint8_t (&digest)[kSha256Size],
                     const uint8_t (&signature)[kSignatureSize]) {
  P256Group group;
  return verify_digest(group, public_key, digest, signature);
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
