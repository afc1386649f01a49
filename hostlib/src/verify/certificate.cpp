#include "certificate.h"

#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include <cstring>

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

std::array<uint8_t, 32> sha256(const uint8_t* p, size_t n) {
  std::array<uint8_t, 32> out{};
  mbedtls_sha256_ret(p, n, out.data(), 0);
  return out;
}

}  // namespace

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

bool is_p256(const mbedtls_pk_context& pk) {
  return mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
         mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

int path_length(const mbedtls_x509_crt& c) {
  return c.max_pathlen > 0 ? c.max_pathlen - 1 : -1;  // mbedTLS stores RFC value + 1
}

Reason check_profile(const mbedtls_x509_crt& c, CertRole role, std::string& why) {
  const bool device = role == CertRole::Device;
  if (!is_p256(c.pk)) return why = "its key is not P-256", Reason::UnsupportedAlgorithm;
  if (c.sig_pk != MBEDTLS_PK_ECDSA || c.sig_md != MBEDTLS_MD_SHA256)
    return why = "it is not signed with ECDSA-SHA256", Reason::UnsupportedAlgorithm;
  if (c.version != 3) return why = "it is not an X.509 v3 certificate", Reason::BadCertificate;
  if ((c.ext_types & MBEDTLS_X509_EXT_KEY_USAGE) == 0)
    return why = "it has no keyUsage extension", Reason::KeyUsage;
  if (device && (c.key_usage & MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0)
    return why = "its keyUsage lacks digitalSignature", Reason::KeyUsage;
  if (device && (c.key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN) != 0)
    return why = "a reader certificate with keyUsage keyCertSign", Reason::KeyUsage;
  if (!device && (c.key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN) == 0)
    return why = "a CA certificate whose keyUsage lacks keyCertSign", Reason::KeyUsage;
  const bool has_bc = (c.ext_types & MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) != 0;
  if (device && c.ca_istrue != 0)
    return why = "a reader certificate with basicConstraints CA:TRUE", Reason::BasicConstraints;
  if (!device && (!has_bc || c.ca_istrue == 0))
    return why = "a CA certificate without basicConstraints CA:TRUE", Reason::BasicConstraints;
  return Reason::Ok;
}

std::string subject_cn(const mbedtls_x509_crt& c) {
  for (const mbedtls_x509_name* n = &c.subject; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
      return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
  }
  return {};
}

RevocationKeys revocation_keys_of(const mbedtls_x509_crt& c) {
  RevocationKeys k;
  k.issuer_name_hash = sha256(c.issuer_raw.p, c.issuer_raw.len);
  k.serial.assign(c.serial.p, c.serial.p + c.serial.len);
  // The SubjectPublicKeyInfo re-written by mbedTLS (uncompressed point): one form per key.
  unsigned char spki[160];
  const int n =
      mbedtls_pk_write_pubkey_der(const_cast<mbedtls_pk_context*>(&c.pk), spki, sizeof(spki));
  if (n > 0)
    k.spki_hash = sha256(spki + sizeof(spki) - n, static_cast<size_t>(n));
  else
    k.spki_hash = sha256(c.pk_raw.p, c.pk_raw.len);
  k.certificate_hash = sha256(c.raw.p, c.raw.len);
  k.subject_cn = subject_cn(c);
  return k;
}

Result<std::vector<Bytes>> pem_certificates(const std::string& pem, std::string& why) {
  static const char kBegin[] = "-----BEGIN CERTIFICATE-----";
  std::vector<Bytes> out;
  for (size_t at = pem.find(kBegin); at != std::string::npos; at = pem.find(kBegin, at)) {
    mbedtls_pem_context ctx;
    mbedtls_pem_init(&ctx);
    size_t used = 0;
    const int rc = mbedtls_pem_read_buffer(&ctx, kBegin, "-----END CERTIFICATE-----",
                                           reinterpret_cast<const unsigned char*>(pem.c_str() + at),
                                           nullptr, 0, &used);
    if (rc == 0) out.emplace_back(ctx.buf, ctx.buf + ctx.buflen);
    mbedtls_pem_free(&ctx);
    if (rc != 0 || used == 0) {
      why = "a PEM certificate block does not decode";
      return Error::InvalidArgument;
    }
    at += used;
  }
  if (out.empty()) {
    why = "no PEM certificate in it";
    return Error::InvalidArgument;
  }
  return out;
}

}  // namespace idr::detail
