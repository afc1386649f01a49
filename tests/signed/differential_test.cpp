// The two verifiers agree (DESIGN 11): the reader's mbedTLS (firmware/crypto, the code the
// reader runs: verify_digest, certificate_public_key, the Sig_structure digest) and the
// host's OpenSSL path (idr::verify_record) accept and refuse the same signatures, keys and
// certificates. Validity at a time has no reader counterpart (the reader clock is reported,
// not trusted): there mbedTLS's X.509 verifier at the system clock is the other side.
#include <mbedtls/x509_crt.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <string>
#include <vector>

#include "idr/crypto/cose_sign1.h"
#include "idr/crypto/p256.h"
#include "idr/verify.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

// P-256 group order n (SEC 2 2.4.2), big endian.
constexpr uint8_t kOrder[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
                                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17,
                                0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

const Pki& pki() {
  static Pki p = make_pki("Differential", kNow - 86400 * 30, kNow + 86400 * 3650);
  return p;
}

// 32-byte big-endian a - b (a >= b).
std::array<uint8_t, 32> minus(const uint8_t* a, const uint8_t* b) {
  std::array<uint8_t, 32> out{};
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    const int d = a[i] - b[i] - borrow;
    borrow = d < 0 ? 1 : 0;
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}
// 32-byte big-endian a + 1 (no overflow for the values used).
std::array<uint8_t, 32> plus_one(const uint8_t* a) {
  std::array<uint8_t, 32> out{};
  std::copy(a, a + 32, out.begin());
  for (int i = 31; i >= 0 && ++out[static_cast<size_t>(i)] == 0; --i) {
  }
  return out;
}

struct Verdicts {
  bool reader = false;  // the reader's mbedTLS: verify_digest == Ok
  bool host = false;    // the host's OpenSSL: the Signature check succeeded
  idr::Status reader_status = idr::Status::Ok;
};

// A genuine record of `key` under `chain`.
Built genuine(const DeviceKey& key, const std::vector<Bytes>& chain) {
  RecordSpec spec;
  spec.fields = resident_fields({});
  return make_record(key, chain, spec);
}

// Record `b` with its signature replaced by `signature` (nullptr: kept), judged by both: the
// reader's verify_digest over the Sig_structure digest with `reader_key`, and the host's
// verify_record.
Verdicts judge(Built b, const std::array<uint8_t, 64>* signature,
               const std::array<uint8_t, 65>& reader_key, bool tamper_payload = false) {
  const size_t at = find_bytes(b.file, Bytes(b.signature.begin(), b.signature.end()));
  REQUIRE(at != std::string::npos);
  const std::array<uint8_t, 64> sig = signature != nullptr ? *signature : b.signature;
  std::copy(sig.begin(), sig.end(), b.file.begin() + static_cast<std::ptrdiff_t>(at));
  if (tamper_payload) {
    const size_t p = find_bytes(b.file, b.payload);
    REQUIRE(p != std::string::npos);
    b.file[p + b.payload.size() - 1] ^= 0x01;  // the payload's last byte
    b.payload.back() ^= 0x01;
  }
  uint8_t digest[32];
  REQUIRE(crypto::cose::sig_structure_digest({b.payload.data(), b.payload.size()}, digest) ==
          idr::Status::Ok);
  uint8_t raw_sig[64], pub[65];
  std::copy(sig.begin(), sig.end(), raw_sig);
  std::copy(reader_key.begin(), reader_key.end(), pub);
  Verdicts v;
  v.reader_status = crypto::verify_digest(pub, digest, raw_sig);
  v.reader = v.reader_status == idr::Status::Ok;
  TrustStore trust;
  REQUIRE(trust.add_root_der(pki().root.cert_der));
  VerifyOptions o;
  o.trust = &trust;
  o.now = kNow;
  o.require_nonce = o.require_counter = o.require_revocation = false;
  const VerifiedRecord r = verify_record(b.file, o);
  v.host = r.verdict().find(Check::Signature)->outcome == CheckStatus::Succeeded;
  return v;
}

std::array<uint8_t, 64> with_parts(const std::array<uint8_t, 64>& sig, const uint8_t* r,
                                   const uint8_t* s) {
  std::array<uint8_t, 64> out = sig;
  if (r != nullptr) std::copy(r, r + 32, out.begin());
  if (s != nullptr) std::copy(s, s + 32, out.begin() + 32);
  return out;
}

// Whether the reader's mbedTLS accepts `cert` as issued by `issuer_der`: its DER walk to the
// key (certificate_public_key) and ECDSA over SHA-256(tbsCertificate).
bool reader_accepts_certificate(const Bytes& cert, const Bytes& issuer_der) {
  crypto::ByteView point;
  if (crypto::certificate_public_key({cert.data(), cert.size()}, point) != idr::Status::Ok)
    return false;
  crypto::ByteView issuer_point;
  if (crypto::certificate_public_key({issuer_der.data(), issuer_der.size()}, issuer_point) !=
      idr::Status::Ok)
    return false;
  mbedtls_x509_crt parsed;  // only to find tbsCertificate and the signature value
  mbedtls_x509_crt_init(&parsed);
  const bool parses = mbedtls_x509_crt_parse_der_nocopy(&parsed, cert.data(), cert.size()) == 0;
  bool ok = false;
  if (parses) {
    crypto::ByteView tbs{parsed.tbs.p, parsed.tbs.len};
    uint8_t digest[32], sig[64] = {}, key[65];
    std::copy(issuer_point.data, issuer_point.data + 65, key);
    // SEQUENCE { INTEGER r, INTEGER s } -> r || s (each at most 33 bytes with a 0x00 pad).
    const uint8_t* p = parsed.sig.p;
    size_t at = 2;
    bool shape = parsed.sig.len > 2 && p[0] == 0x30;
    for (int part = 0; shape && part < 2; ++part) {
      shape = at + 2 <= parsed.sig.len && p[at] == 0x02;
      const size_t len = shape ? p[at + 1] : 0;
      shape = shape && len <= 33 && at + 2 + len <= parsed.sig.len;
      const uint8_t* v = p + at + 2;
      size_t n = len;
      if (shape && n == 33) ++v, --n;
      if (shape) std::copy(v, v + n, sig + part * 32 + (32 - n));
      at += 2 + len;
    }
    ok = shape && crypto::sha256(&tbs, 1, digest) == idr::Status::Ok &&
         crypto::verify_digest(key, digest, sig) == idr::Status::Ok;
  }
  mbedtls_x509_crt_free(&parsed);
  return ok;
}

bool host_accepts_chain(const DeviceKey& key, const std::vector<Bytes>& chain, int64_t now) {
  TrustStore trust;
  REQUIRE(trust.add_root_der(pki().root.cert_der));
  RecordSpec spec;
  spec.fields = resident_fields({});
  VerifyOptions o;
  o.trust = &trust;
  o.now = now;
  o.require_nonce = o.require_counter = o.require_revocation = false;
  const VerifiedRecord r = verify_record(make_record(key, chain, spec).file, o);
  return r.verdict().find(Check::Chain)->outcome == CheckStatus::Succeeded &&
         r.verdict().find(Check::Signature)->outcome == CheckStatus::Succeeded;
}

}  // namespace

TEST_CASE("reader mbedTLS and host OpenSSL agree on every record signature", "[signed]") {
  DeviceKey key, other;
  const std::vector<Bytes> chain = reader_chain(pki(), key);
  const Built record = genuine(key, chain);
  const std::array<uint8_t, 64> good = record.signature;
  const uint8_t zero[32] = {};
  uint8_t ones[32];
  std::fill(ones, ones + 32, 0xFF);
  const auto n_plus_1 = plus_one(kOrder);
  const auto n_minus_s = minus(kOrder, good.data() + 32);
  std::array<uint8_t, 64> flipped_r = good, flipped_s = good;
  flipped_r[5] ^= 0x20;
  flipped_s[40] ^= 0x01;

  struct Case {
    const char* name;
    std::array<uint8_t, 64> signature;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"the genuine signature", good, true},
      {"(r, n - s): the other valid s", with_parts(good, nullptr, n_minus_s.data()), true},
      {"a bit of r flipped", flipped_r, false},
      {"a bit of s flipped", flipped_s, false},
      {"r = 0", with_parts(good, zero, nullptr), false},
      {"s = 0", with_parts(good, nullptr, zero), false},
      {"r = n", with_parts(good, kOrder, nullptr), false},
      {"s = n", with_parts(good, nullptr, kOrder), false},
      {"r = n + 1", with_parts(good, n_plus_1.data(), nullptr), false},
      {"s = n + 1", with_parts(good, nullptr, n_plus_1.data()), false},
      {"r = 2^256 - 1", with_parts(good, ones, nullptr), false},
      {"s = 2^256 - 1", with_parts(good, nullptr, ones), false},
      {"r and s swapped", with_parts(good, good.data() + 32, good.data()), false},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Verdicts v = judge(record, &c.signature, key.public_key());
    CHECK(v.reader == c.valid);
    CHECK(v.host == c.valid);
  }
  SECTION("signed by another key than the certificate's") {
    const Verdicts v = judge(genuine(other, chain), nullptr, key.public_key());
    CHECK_FALSE(v.reader);
    CHECK_FALSE(v.host);
  }
  SECTION("the payload changed after signing") {
    const Verdicts v = judge(record, nullptr, key.public_key(), true);
    CHECK_FALSE(v.reader);
    CHECK_FALSE(v.host);
  }
}

TEST_CASE("reader mbedTLS and host OpenSSL agree on keys and certificates", "[signed]") {
  DeviceKey key;
  const std::vector<Bytes> chain = reader_chain(pki(), key);
  const Bytes& inter = pki().intermediate.cert_der;
  REQUIRE(reader_accepts_certificate(chain[0], inter));
  REQUIRE(host_accepts_chain(key, chain, kNow));

  SECTION("a key point that is not on P-256") {
    std::array<uint8_t, 65> off = key.public_key();
    off[64] ^= 0x01;  // y + 1 (or - 1): not on the curve
    Bytes cert = chain[0];
    const size_t at = find_bytes(cert, Bytes(key.public_key().begin(), key.public_key().end()));
    REQUIRE(at != std::string::npos);
    std::copy(off.begin(), off.end(), cert.begin() + static_cast<std::ptrdiff_t>(at));
    const Verdicts v = judge(genuine(key, {cert, inter}), nullptr, off);
    CHECK(v.reader_status == idr::Status::InvalidArgument);
    CHECK_FALSE(v.host);
    CHECK_FALSE(reader_accepts_certificate(cert, inter));
    CHECK_FALSE(host_accepts_chain(key, {cert, inter}, kNow));
  }
  SECTION("truncated DER") {
    for (size_t keep : {chain[0].size() - 1, chain[0].size() / 2, size_t{10}}) {
      INFO(keep);
      const Bytes cut(chain[0].begin(), chain[0].begin() + static_cast<std::ptrdiff_t>(keep));
      CHECK_FALSE(reader_accepts_certificate(cut, inter));
      CHECK_FALSE(host_accepts_chain(key, {cut, inter}, kNow));
    }
  }
  SECTION("a certificate changed after the CA signed it") {
    Bytes cert = chain[0];
    const std::string cn = key.serial();
    const size_t at = find_bytes(cert, Bytes(cn.begin(), cn.end()));
    REQUIRE(at != std::string::npos);
    cert[at + cn.size() - 1] ^= 0x01;  // still a printable serial: DER stays valid
    CHECK_FALSE(reader_accepts_certificate(cert, inter));
    CHECK_FALSE(host_accepts_chain(key, {cert, inter}, kNow));
  }
  SECTION("a certificate issued by another CA than the one named") {
    const Pki stranger = make_pki("Stranger", kNow - 86400 * 30, kNow + 86400 * 3650);
    const std::vector<Bytes> foreign = reader_chain(stranger, key);
    CHECK_FALSE(reader_accepts_certificate(foreign[0], inter));
    CHECK_FALSE(host_accepts_chain(key, {foreign[0], inter}, kNow));
  }
}

TEST_CASE("mbedTLS X.509 and host OpenSSL agree on validity at the clock", "[signed]") {
  // mbedTLS checks validity against the system clock: certificates made around it.
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  DeviceKey key;
  auto mbedtls_flags = [&](const std::vector<Bytes>& chain) {
    mbedtls_x509_crt c, roots;
    mbedtls_x509_crt_init(&c);
    mbedtls_x509_crt_init(&roots);
    for (const Bytes& der : chain)
      REQUIRE(mbedtls_x509_crt_parse_der(&c, der.data(), der.size()) == 0);
    REQUIRE(mbedtls_x509_crt_parse_der(&roots, pki().root.cert_der.data(),
                                       pki().root.cert_der.size()) == 0);
    uint32_t flags = 0;
    (void)mbedtls_x509_crt_verify(&c, &roots, nullptr, nullptr, &flags, nullptr, nullptr);
    mbedtls_x509_crt_free(&c);
    mbedtls_x509_crt_free(&roots);
    return flags;
  };
  CustomCert spec;
  spec.cn = key.serial();
  struct Case {
    const char* name;
    int64_t from, to;
    uint32_t mbedtls_flag;
  };
  for (const Case& c :
       {Case{"valid now", now - 86400, now + 86400, 0u},
        Case{"expired", now - 2 * 86400, now - 86400, MBEDTLS_X509_BADCERT_EXPIRED},
        Case{"not yet valid", now + 86400, now + 2 * 86400, MBEDTLS_X509_BADCERT_FUTURE}}) {
    INFO(c.name);
    spec.from = c.from;
    spec.to = c.to;
    const std::vector<Bytes> chain = {issue_custom(pki().intermediate, key.public_key(), spec),
                                      pki().intermediate.cert_der};
    CHECK(mbedtls_flags(chain) == c.mbedtls_flag);
    CHECK(host_accepts_chain(key, chain, now) == (c.mbedtls_flag == 0));
  }
}
