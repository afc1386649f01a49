#include "certificate.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>
#include <new>

namespace idr::detail {

namespace {

constexpr size_t kMaxDerDepth = 16;

// ecdsa-with-SHA256: RFC 5758 3.2 says parameters absent; mbedTLS 2.28 writes NULL ones.
// Both are accepted as long as the outer field equals the signed one in tbsCertificate.
constexpr uint8_t kEcdsaSha256[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86,
                                    0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
constexpr uint8_t kEcdsaSha256Null[] = {0x30, 0x0C, 0x06, 0x08, 0x2A, 0x86, 0x48,
                                        0xCE, 0x3D, 0x04, 0x03, 0x02, 0x05, 0x00};
// P-256 group order n and floor(n / 2) (SEC 2 2.4.2), big endian.
constexpr uint8_t kOrder[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
                                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17,
                                0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
constexpr uint8_t kHalfOrder[32] = {
    0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8};

struct Tlv {
  uint8_t tag = 0;
  const uint8_t* start = nullptr;  // the tag byte
  const uint8_t* body = nullptr;
  size_t len = 0;    // of the body
  size_t total = 0;  // header + body
};

bool read_tlv(const uint8_t* p, size_t n, Tlv& t, std::string& why) {
  if (n < 2) return why = "truncated DER", false;
  t.tag = p[0];
  t.start = p;
  if ((t.tag & 0x1F) == 0x1F) return why = "high tag number form", false;
  size_t header = 2, len = p[1];
  if (p[1] == 0x80) return why = "indefinite length (BER, not DER)", false;
  if (p[1] > 0x80) {
    const size_t k = p[1] & 0x7F;
    if (k > 2) return why = "a length in more than 2 bytes", false;
    if (n < 2 + k) return why = "truncated DER length", false;
    if (p[2] == 0) return why = "a length with a leading zero byte (not minimal DER)", false;
    len = 0;
    for (size_t i = 0; i < k; ++i) len = (len << 8) | p[2 + i];
    if (len < 0x80) return why = "a long-form length below 128 (not minimal DER)", false;
    header = 2 + k;
  }
  if (len > n - header) return why = "a length beyond the data", false;
  t.body = p + header;
  t.len = len;
  t.total = header + len;
  return true;
}

// Every TLV of [p, p + n) and, recursively, of every constructed one: DER length rules and
// the primitive types whose DER form is fixed.
bool walk(const uint8_t* p, size_t n, size_t depth, std::string& why) {
  while (n > 0) {
    Tlv t;
    if (!read_tlv(p, n, t, why)) return false;
    if ((t.tag & 0x20) != 0) {
      if (depth == kMaxDerDepth) return why = "DER nested too deep", false;
      if (!walk(t.body, t.len, depth + 1, why)) return false;
    } else if (t.tag == 0x01) {
      if (t.len != 1 || (t.body[0] != 0x00 && t.body[0] != 0xFF))
        return why = "a BOOLEAN that is not DER", false;
    } else if (t.tag == 0x02) {
      if (t.len == 0) return why = "an empty INTEGER", false;
      if (t.len > 1 &&
          ((t.body[0] == 0x00 && t.body[1] < 0x80) || (t.body[0] == 0xFF && t.body[1] >= 0x80)))
        return why = "an INTEGER that is not minimal", false;
    } else if (t.tag == 0x03) {
      if (t.len == 0 || t.body[0] > 7 || (t.len == 1 && t.body[0] != 0))
        return why = "a BIT STRING that is not DER", false;
    } else if (t.tag == 0x05) {
      if (t.len != 0) return why = "a NULL with contents", false;
    }
    p += t.total;
    n -= t.total;
  }
  return true;
}

void put_der(Bytes& out, uint8_t tag, const Bytes& body) {
  out.push_back(tag);
  const size_t n = body.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(n));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(n >> 8));
    out.push_back(static_cast<uint8_t>(n));
  }
  out.insert(out.end(), body.begin(), body.end());
}

// A positive INTEGER below the P-256 order as 32 big-endian bytes; false when not.
bool scalar(const Tlv& t, uint8_t (&out)[32]) {
  if (t.tag != 0x02 || (t.body[0] & 0x80) != 0) return false;
  const uint8_t* p = t.body;
  size_t n = t.len;
  if (n > 1 && p[0] == 0) ++p, --n;
  if (n > 32) return false;
  std::memset(out, 0, sizeof(out));
  std::memcpy(out + 32 - n, p, n);
  bool zero = true;
  for (uint8_t b : out) zero = zero && b == 0;
  return !zero && std::memcmp(out, kOrder, 32) < 0;
}

Bytes der_integer(const uint8_t (&v)[32]) {
  size_t i = 0;
  while (i < 31 && v[i] == 0) ++i;
  Bytes body;
  if ((v[i] & 0x80) != 0) body.push_back(0);
  body.insert(body.end(), v + i, v + 32);
  Bytes out;
  put_der(out, 0x02, body);
  return out;
}

// SubjectPublicKeyInfo of a P-256 key up to its 65-byte uncompressed point (RFC 5480):
// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { 0, 04 || X || Y } }.
constexpr uint8_t kP256SpkiPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48,
                                       0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48,
                                       0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

// i2d output owned by us.
struct Der {
  ~Der() { OPENSSL_free(p); }
  unsigned char* p = nullptr;
  int n = 0;
};

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;  // parse checked the time
  return days_from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                         static_cast<unsigned>(tm.tm_mday)) *
             86400 +
         tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

// OpenSSL's digest calls fail only without memory (the algorithm is built in), hence
// bad_alloc like any other allocation of the verifier.
static const EVP_MD* sha256_md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // kept for the process
  return md;
}
}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, sha256_md(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);  // a constructor that throws runs no destructor
    throw std::bad_alloc();
  }
}
Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}
void Sha256::update(const uint8_t* p, size_t n) {
  if (n > 0 && EVP_DigestUpdate(ctx_, p, n) != 1) throw std::bad_alloc();
}
std::array<uint8_t, 32> Sha256::finish() {
  std::array<uint8_t, 32> out{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &n) != 1 || n != out.size()) throw std::bad_alloc();
  return out;
}

std::array<uint8_t, 32> sha256(const uint8_t* p, size_t n) {
  Sha256 h;
  h.update(p, n);
  return h.finish();
}

bool strict_certificate(const uint8_t* der, size_t size, std::string& why) {
  if (der == nullptr || size == 0) return why = "empty certificate", false;
  if (size > kMaxCertificateSize)
    return why = "larger than " + std::to_string(kMaxCertificateSize) + " bytes", false;
  Tlv cert;
  if (!read_tlv(der, size, cert, why)) return false;
  if (cert.tag != 0x30) return why = "not a DER SEQUENCE", false;
  if (cert.total != size)
    return why = std::to_string(size - cert.total) + " bytes after the certificate", false;
  if (!walk(cert.body, cert.len, 1, why)) return false;
  Tlv tbs, alg, sig;
  const uint8_t* end = cert.body + cert.len;
  if (!read_tlv(cert.body, cert.len, tbs, why) || tbs.tag != 0x30 ||
      !read_tlv(tbs.start + tbs.total, end - (tbs.start + tbs.total), alg, why) ||
      !read_tlv(alg.start + alg.total, end - (alg.start + alg.total), sig, why) ||
      sig.tag != 0x03 || sig.start + sig.total != end)
    return why = "not SEQUENCE {tbsCertificate, signatureAlgorithm, signatureValue}", false;
  const bool plain =
      alg.total == sizeof(kEcdsaSha256) && std::memcmp(alg.start, kEcdsaSha256, alg.total) == 0;
  const bool with_null = alg.total == sizeof(kEcdsaSha256Null) &&
                         std::memcmp(alg.start, kEcdsaSha256Null, alg.total) == 0;
  if (!plain && !with_null) return why = "the signature algorithm is not ecdsa-with-SHA256", false;
  // tbsCertificate: [0] version, serialNumber, signature AlgorithmIdentifier, ...
  Tlv field, signed_alg;
  const uint8_t* at = tbs.body;
  const uint8_t* tbs_end = tbs.body + tbs.len;
  if (!read_tlv(at, static_cast<size_t>(tbs_end - at), field, why)) return false;
  if (field.tag == 0xA0) {
    at += field.total;
    if (!read_tlv(at, static_cast<size_t>(tbs_end - at), field, why)) return false;
  }
  at += field.total;  // serialNumber
  if (field.tag != 0x02 || !read_tlv(at, static_cast<size_t>(tbs_end - at), signed_alg, why) ||
      signed_alg.total != alg.total || std::memcmp(signed_alg.start, alg.start, alg.total) != 0)
    return why = "the signature algorithm differs from the one in tbsCertificate", false;
  Tlv ecsig, r, s;
  if (sig.len < 1 || sig.body[0] != 0 || !read_tlv(sig.body + 1, sig.len - 1, ecsig, why) ||
      ecsig.tag != 0x30 || ecsig.total != sig.len - 1 || !read_tlv(ecsig.body, ecsig.len, r, why) ||
      !read_tlv(r.start + r.total, ecsig.len - r.total, s, why) || r.total + s.total != ecsig.len)
    return why = "the signature value is not SEQUENCE {r, s}", false;
  uint8_t rv[32], sv[32];
  if (!scalar(r, rv) || !scalar(s, sv))
    return why = "the signature's r or s is not in 1..n-1", false;
  if (std::memcmp(sv, kHalfOrder, 32) > 0)
    return why = "the signature has a high s (above n/2): not as the CA issues it", false;
  // The canonical re-encoding from the parts must give the same bytes.
  Bytes rs = der_integer(rv), sb = der_integer(sv);
  rs.insert(rs.end(), sb.begin(), sb.end());
  Bytes ecsig_der;
  put_der(ecsig_der, 0x30, rs);
  Bytes bits{0x00};
  bits.insert(bits.end(), ecsig_der.begin(), ecsig_der.end());
  Bytes body(tbs.start, tbs.start + tbs.total);
  body.insert(body.end(), alg.start, alg.start + alg.total);
  put_der(body, 0x03, bits);
  Bytes canonical;
  put_der(canonical, 0x30, body);
  if (canonical.size() != size || std::memcmp(canonical.data(), der, size) != 0)
    return why = "the bytes differ from the certificate's canonical DER", false;
  return true;
}

X509Ptr parse_certificate(const uint8_t* der, size_t size) {
  const unsigned char* p = der;
  X509Ptr c(d2i_X509(nullptr, &p, static_cast<long>(size)));
  if (!c || p != der + size || X509_get0_pubkey(c.get()) == nullptr) {
    ERR_clear_error();  // this thread's error queue: nothing left for the next call
    return nullptr;
  }
  return c;
}

const uint8_t* uncompressed_point(X509* c) {
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(c);
  if (bits == nullptr || ASN1_STRING_length(bits) != 65) return nullptr;
  const uint8_t* p = ASN1_STRING_get0_data(bits);
  return p[0] == 0x04 ? p : nullptr;
}

PkeyPtr p256_public_key(const uint8_t* point) {
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(point), 65),
      OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    key = nullptr;
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error();
  return PkeyPtr(key);
}

bool verify_es256(EVP_PKEY_CTX* ctx, const uint8_t (&digest)[32], const uint8_t* signature) {
  // r || s as the DER SEQUENCE { INTEGER r, INTEGER s } OpenSSL takes: minimal INTEGERs,
  // a 0x00 in front of a high bit. A zero or out-of-range r or s stays as given, for
  // OpenSSL to refuse.
  uint8_t der[2 + 2 * 35];
  size_t n = 2;
  for (const uint8_t* v : {signature, signature + 32}) {
    size_t skip = 0;
    while (skip < 31 && v[skip] == 0) ++skip;
    const bool pad = (v[skip] & 0x80) != 0;
    der[n++] = 0x02;
    der[n++] = static_cast<uint8_t>(32 - skip + (pad ? 1 : 0));
    if (pad) der[n++] = 0x00;
    std::memcpy(der + n, v + skip, 32 - skip);
    n += 32 - skip;
  }
  der[0] = 0x30;
  der[1] = static_cast<uint8_t>(n - 2);
  const bool ok = EVP_PKEY_verify(ctx, der, n, digest, sizeof(digest)) == 1;
  ERR_clear_error();
  return ok;
}

int path_length(X509* c) {
  return static_cast<int>(X509_get_pathlen(c));  // -1 when absent
}

Reason check_profile(X509* c, CertRole role, std::string& why) {
  const bool device = role == CertRole::Device;
  EVP_PKEY* key = X509_get0_pubkey(c);
  char group[32] = {};
  size_t group_len = 0;
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
      EVP_PKEY_get_group_name(key, group, sizeof(group), &group_len) != 1 ||
      std::strcmp(group, "prime256v1") != 0)
    return why = "its key is not P-256", Reason::UnsupportedAlgorithm;
  if (uncompressed_point(c) == nullptr)
    return why = "its key is not an uncompressed P-256 point", Reason::UnsupportedAlgorithm;
  if (X509_get_signature_nid(c) != NID_ecdsa_with_SHA256)
    return why = "it is not signed with ECDSA-SHA256", Reason::UnsupportedAlgorithm;
  if (X509_get_version(c) != X509_VERSION_3)
    return why = "it is not an X.509 v3 certificate", Reason::BadCertificate;
  const uint32_t flags = X509_get_extension_flags(c);
  if ((flags & EXFLAG_INVALID) != 0)
    return why = "an extension does not parse", Reason::BadCertificate;
  if ((flags & EXFLAG_KUSAGE) == 0) return why = "it has no keyUsage extension", Reason::KeyUsage;
  const uint32_t usage = X509_get_key_usage(c);
  if (device && (usage & KU_DIGITAL_SIGNATURE) == 0)
    return why = "its keyUsage lacks digitalSignature", Reason::KeyUsage;
  if (device && (usage & KU_KEY_CERT_SIGN) != 0)
    return why = "a reader certificate with keyUsage keyCertSign", Reason::KeyUsage;
  if (!device && (usage & KU_KEY_CERT_SIGN) == 0)
    return why = "a CA certificate whose keyUsage lacks keyCertSign", Reason::KeyUsage;
  const bool has_bc = (flags & EXFLAG_BCONS) != 0, is_ca = (flags & EXFLAG_CA) != 0;
  if (device && is_ca)
    return why = "a reader certificate with basicConstraints CA:TRUE", Reason::BasicConstraints;
  if (!device && (!has_bc || !is_ca))
    return why = "a CA certificate without basicConstraints CA:TRUE", Reason::BasicConstraints;
  return Reason::Ok;
}

std::string subject_cn(X509* c) {
  const X509_NAME* name = X509_get_subject_name(c);
  const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0) return {};
  const ASN1_STRING* v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                     static_cast<size_t>(ASN1_STRING_length(v)));
}

int64_t valid_from(X509* c) {
  return unix_time(X509_get0_notBefore(c));
}
int64_t valid_to(X509* c) {
  return unix_time(X509_get0_notAfter(c));
}

RevocationKeys revocation_keys_of(X509* c) {
  RevocationKeys k;
  const unsigned char* issuer = nullptr;
  size_t issuer_len = 0;
  X509_NAME_get0_der(X509_get_issuer_name(c), &issuer, &issuer_len);  // the Name's DER
  k.issuer_name_hash = sha256(issuer, issuer_len);
  // The serialNumber INTEGER's content octets (its DER minus tag and length).
  // An encoding that fails (only an allocation can: the certificate parsed) would leave a
  // key no revocation entry matches: a revoked certificate would pass. Hence bad_alloc.
  Der serial;
  serial.n = i2d_ASN1_INTEGER(X509_get0_serialNumber(c), &serial.p);
  if (serial.n <= 0) throw std::bad_alloc();
  Tlv t;
  std::string ignored;
  if (read_tlv(serial.p, static_cast<size_t>(serial.n), t, ignored))
    k.serial.assign(t.body, t.body + t.len);
  // The SubjectPublicKeyInfo with the point uncompressed: one form per key.
  if (const uint8_t* point = uncompressed_point(c)) {
    Sha256 h;
    h.update(kP256SpkiPrefix, sizeof(kP256SpkiPrefix));
    h.update(point, 65);
    k.spki_hash = h.finish();
  } else {
    Der spki;
    spki.n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c), &spki.p);
    if (spki.n <= 0) throw std::bad_alloc();
    k.spki_hash = sha256(spki.p, static_cast<size_t>(spki.n));
  }
  Der cert;
  cert.n = i2d_X509(c, &cert.p);  // the parsed (strict, canonical) bytes
  if (cert.n <= 0) throw std::bad_alloc();
  k.certificate_hash = sha256(cert.p, static_cast<size_t>(cert.n));
  k.subject_cn = subject_cn(c);
  return k;
}

namespace {

// What PEM_read_bio allocates and its BIO, freed on every way out (an allocation failure in
// the vector included).
struct PemBlock {
  PemBlock(const char* at, int size) : bio(BIO_new_mem_buf(at, size)) {}
  ~PemBlock() {
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    BIO_free(bio);
    ERR_clear_error();
  }
  PemBlock(const PemBlock&) = delete;
  PemBlock& operator=(const PemBlock&) = delete;
  BIO* bio;
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
};

}  // namespace

Result<std::vector<Bytes>> pem_certificates(const std::string& pem, std::string& why) {
  static const char kBegin[] = "-----BEGIN CERTIFICATE-----";
  std::vector<Bytes> out;
  for (size_t at = pem.find(kBegin); at != std::string::npos; at = pem.find(kBegin, at)) {
    const int left = static_cast<int>(pem.size() - at);
    PemBlock block(pem.data() + at, left);
    const bool ok =
        block.bio != nullptr &&
        PEM_read_bio(block.bio, &block.name, &block.header, &block.data, &block.len) == 1 &&
        std::strcmp(block.name, "CERTIFICATE") == 0 && block.header[0] == '\0' && block.len > 0;
    const int used = block.bio != nullptr ? left - static_cast<int>(BIO_pending(block.bio)) : 0;
    if (!ok || used <= 0) {
      why = "a PEM certificate block does not decode";
      return Error::InvalidArgument;
    }
    out.emplace_back(block.data, block.data + block.len);
    at += static_cast<size_t>(used);
  }
  if (out.empty()) {
    why = "no PEM certificate in it";
    return Error::InvalidArgument;
  }
  return out;
}

}  // namespace idr::detail
