// Attacks on verification (DESIGN 11), each through the C++ API and through `idr verify`:
// a revoked reader's record with its certificate re-encoded (a byte appended, another DER
// length form, the signature's s replaced by n - s), an x5chain of 5, certificates outside
// the profile, hostile CBOR (declared sizes the bytes do not hold, deep nesting, bad UTF-8)
// and the peak memory of `idr verify` on it, measured in a child with wait4.
#include <fcntl.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "idr/ca.h"
#include "idr/idr_checks.h"  // both C headers together: one idr_check_status
#include "idr/idr_signed.h"
#include "idr/testing/temp_dir.h"
#include "idr/verify.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

const Pki& pki() {
  static Pki p = make_pki("Attack", kNow - 86400 * 30, kNow + 86400 * 3650);
  return p;
}

// ---- DER surgery on a certificate -------------------------------------------------------

struct Tlv {
  size_t header = 0, len = 0;
};
Tlv tlv_at(const Bytes& b, size_t at) {
  Tlv t;
  const uint8_t l = b.at(at + 1);
  if (l < 0x80) return {2, l};
  const size_t k = l & 0x7F;
  size_t len = 0;
  for (size_t i = 0; i < k; ++i) len = (len << 8) | b.at(at + 2 + i);
  return {2 + k, len};
}
Bytes der(uint8_t tag, const Bytes& body) {
  Bytes out{tag};
  const size_t n = body.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xFF) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  }
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes with_trailing_byte(Bytes cert) {
  cert.push_back(0x00);
  return cert;
}

// 30 82 HH LL -> 30 83 00 HH LL: the same length in a longer (BER, not DER) form.
Bytes with_long_length(const Bytes& cert) {
  REQUIRE(cert.at(1) == 0x82);
  Bytes out{0x30, 0x83, 0x00};
  out.insert(out.end(), cert.begin() + 2, cert.end());
  return out;
}

// The certificate's ECDSA signature (r, s) replaced by (r, n - s): still valid for mbedTLS.
Bytes with_other_s(const Bytes& cert) {
  const Tlv outer = tlv_at(cert, 0);
  size_t at = outer.header;
  const Tlv tbs = tlv_at(cert, at);
  const Bytes tbs_bytes(cert.begin() + at, cert.begin() + at + tbs.header + tbs.len);
  at += tbs.header + tbs.len;
  const Tlv alg = tlv_at(cert, at);
  const Bytes alg_bytes(cert.begin() + at, cert.begin() + at + alg.header + alg.len);
  at += alg.header + alg.len;
  const Tlv bits = tlv_at(cert, at);
  size_t p = at + bits.header + 1;  // the unused-bits byte
  p += tlv_at(cert, p).header;      // into SEQUENCE {r, s}
  const Tlv r = tlv_at(cert, p);
  const Bytes r_bytes(cert.begin() + p, cert.begin() + p + r.header + r.len);
  p += r.header + r.len;
  const Tlv s = tlv_at(cert, p);
  mbedtls_ecp_group grp;
  mbedtls_ecp_group_init(&grp);
  mbedtls_mpi sv, other;
  mbedtls_mpi_init(&sv);
  mbedtls_mpi_init(&other);
  REQUIRE(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0);
  REQUIRE(mbedtls_mpi_read_binary(&sv, cert.data() + p + s.header, s.len) == 0);
  REQUIRE(mbedtls_mpi_sub_mpi(&other, &grp.N, &sv) == 0);
  uint8_t raw[33] = {};
  REQUIRE(mbedtls_mpi_write_binary(&other, raw + 1, 32) == 0);
  size_t skip = 0;
  while (skip < 32 && raw[skip] == 0 && (raw[skip + 1] & 0x80) == 0) ++skip;
  const Bytes s_bytes = der(0x02, Bytes(raw + skip, raw + 33));
  mbedtls_mpi_free(&sv);
  mbedtls_mpi_free(&other);
  mbedtls_ecp_group_free(&grp);
  Bytes rs = r_bytes;
  rs.insert(rs.end(), s_bytes.begin(), s_bytes.end());
  Bytes bit_body{0x00};
  const Bytes seq = der(0x30, rs);
  bit_body.insert(bit_body.end(), seq.begin(), seq.end());
  Bytes body = tbs_bytes;
  body.insert(body.end(), alg_bytes.begin(), alg_bytes.end());
  const Bytes bit_string = der(0x03, bit_body);
  body.insert(body.end(), bit_string.begin(), bit_string.end());
  return der(0x30, body);
}

// mbedTLS alone takes the re-encoded certificate: it parses and its chain verifies (time
// aside), so only the strict parse stands between it and a revocation bypass.
bool mbedtls_accepts(const Bytes& device) {
  mbedtls_x509_crt chain, root;
  mbedtls_x509_crt_init(&chain);
  mbedtls_x509_crt_init(&root);
  uint32_t flags = 0;
  const bool parsed = mbedtls_x509_crt_parse_der(&chain, device.data(), device.size()) == 0 &&
                      mbedtls_x509_crt_parse_der(&chain, pki().intermediate.cert_der.data(),
                                                 pki().intermediate.cert_der.size()) == 0 &&
                      mbedtls_x509_crt_parse_der(&root, pki().root.cert_der.data(),
                                                 pki().root.cert_der.size()) == 0;
  if (parsed)
    (void)mbedtls_x509_crt_verify(&chain, &root, nullptr, nullptr, &flags, nullptr, nullptr);
  mbedtls_x509_crt_free(&chain);
  mbedtls_x509_crt_free(&root);
  return parsed &&
         (flags & ~uint32_t{MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE}) == 0;
}

struct Variant {
  const char* name;
  Bytes cert;
};
std::vector<Variant> re_encodings(const Bytes& cert) {
  return {{"a byte appended", with_trailing_byte(cert)},
          {"a long-form length", with_long_length(cert)},
          {"s replaced by n - s", with_other_s(cert)}};
}

struct Fixture {
  DeviceKey key;
  std::vector<Bytes> chain = reader_chain(pki(), key);
  TrustStore trust;
  RecordSpec spec;
  Fixture() {
    REQUIRE(trust.add_root_der(pki().root.cert_der));
    REQUIRE(trust.load_revoked_text("idr-revocation-list 2\n"));
    spec.fields = resident_fields({});
  }
  VerifiedRecord verify(const std::vector<Bytes>& c) {
    VerifyOptions o;
    o.trust = &trust;
    o.now = kNow;
    o.require_nonce = false;
    o.require_counter = false;
    return verify_record(make_record(key, c, spec).file, o);
  }
};

std::string first_failure(const VerifiedRecord& v) {
  const RecordCheckResult* r = v.verdict().first_failure();
  if (r == nullptr) return "verified";
  return std::string(to_string(r->check)) + ":" + to_string(r->reason) + ": " + r->message;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

void write(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// `idr ARGS` as a child: exit status, stdout, and its peak RSS in KiB (wait4's rusage).
struct Run {
  int status = -1;
  std::string out;
  long max_rss_kib = 0;
};
Run run_idr(const std::vector<std::string>& args) {
  char tmpl[] = "/tmp/idr-attack-stdout-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fd, 1);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    std::vector<char*> argv{const_cast<char*>(IDR_TOOL_EXE)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(IDR_TOOL_EXE, argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
  Run r;
  REQUIRE(WIFEXITED(status));
  r.status = WEXITSTATUS(status);
  r.max_rss_kib = usage.ru_maxrss;
  std::ifstream f(tmpl);
  r.out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  ::close(fd);
  ::unlink(tmpl);
  return r;
}

}  // namespace

TEST_CASE("a revoked reader's record with its certificate re-encoded never verifies (API)",
          "[signed][attack]") {
  Fixture f;
  REQUIRE(f.verify(f.chain).verified());
  REQUIRE(f.trust.revoke_certificate(f.chain[0]));
  CHECK(starts_with(first_failure(f.verify(f.chain)), "revocation:revoked"));
  for (const Variant& v : re_encodings(f.chain[0])) {
    INFO(v.name);
    REQUIRE(v.cert != f.chain[0]);
    CHECK(mbedtls_accepts(v.cert));  // the attack is real for mbedTLS alone
    CHECK(certificate_fingerprint(v.cert) != certificate_fingerprint(f.chain[0]));
    const VerifiedRecord r = f.verify({v.cert, f.chain[1]});
    CHECK_FALSE(r.verified());
    CHECK(starts_with(first_failure(r), "signature:non_canonical_certificate"));
    CHECK(r.verdict().find(Check::Chain)->reason == Reason::NonCanonicalCertificate);
  }
}

TEST_CASE("revocation holds by key and reader serial and through a trusted intermediate",
          "[signed][attack]") {
  Fixture f;
  SECTION("a second certificate for the revoked key") {
    REQUIRE(f.trust.revoke_certificate(f.chain[0]));
    const std::vector<Bytes> reissued = reader_chain(pki(), f.key);
    REQUIRE(reissued[0] != f.chain[0]);
    const VerifiedRecord r = f.verify(reissued);
    CHECK(starts_with(first_failure(r), "revocation:revoked"));
    CHECK(r.verdict().find(Check::Revocation)->message.find("public key") != std::string::npos);
  }
  SECTION("the reader serial") {
    f.trust.revoke_reader(f.key.serial());
    CHECK(starts_with(first_failure(f.verify(f.chain)), "revocation:revoked: reader IDR-"));
  }
  SECTION("a revoked intermediate left out of x5chain while the trust directory holds it") {
    REQUIRE(f.trust.add_root_der(pki().intermediate.cert_der));
    REQUIRE(f.verify({f.chain[0]}).verified());
    REQUIRE(f.trust.revoke_certificate(pki().intermediate.cert_der));
    CHECK(starts_with(first_failure(f.verify({f.chain[0]})), "revocation:revoked"));
  }
  SECTION("a version 1 list (certificate fingerprints) still revokes that certificate") {
    TrustStore v1;
    REQUIRE(v1.add_root_der(pki().root.cert_der));
    std::string line;
    char hex[3];
    for (uint8_t b : certificate_fingerprint(f.chain[0])) {
      std::snprintf(hex, sizeof(hex), "%02x", b);
      line += hex;
    }
    REQUIRE(v1.load_revoked_text("# old list\n" + line + "\n"));
    f.trust = std::move(v1);
    CHECK(starts_with(first_failure(f.verify(f.chain)), "revocation:revoked"));
  }
  SECTION("an unknown list version is refused with a clear message") {
    std::string why;
    CHECK_FALSE(TrustStore().load_revoked_text("idr-revocation-list 3\n", "l", &why));
    CHECK(why.find("version '3' is not supported") != std::string::npos);
    CHECK_FALSE(TrustStore().load_revoked_text("idr-revocation-list 2\nspki xyz\n", "l", &why));
    CHECK(why ==
          "l:2: not 'issuer-serial <sha256> <serial>', 'spki <sha256>', 'reader <serial>' "
          "or 'cert <sha256>'");
  }
}

TEST_CASE("certificates outside the profile are refused each with its own reason",
          "[signed][attack]") {
  Fixture f;
  const Bytes& inter = f.chain[1];
  SECTION("x5chain with 5 certificates") {
    const VerifiedRecord r = f.verify({f.chain[0], inter, inter, inter, inter});
    CHECK(first_failure(r) ==
          "signature:chain_too_long: not checked: the certificate chain was refused");
    CHECK(r.verdict().find(Check::Chain)->message ==
          "x5chain has 5 certificates; at most 4 are accepted");
    CHECK(f.verify({f.chain[0], inter, inter, inter}).verdict().find(Check::Chain)->reason !=
          Reason::ChainTooLong);
  }
  SECTION("a reader certificate without keyUsage") {
    CustomCert spec;
    spec.cn = f.key.serial();
    spec.key_usage = 0;
    const VerifiedRecord r =
        f.verify({issue_custom(pki().intermediate, f.key.public_key(), spec), inter});
    CHECK_FALSE(r.verified());
    CHECK(r.verdict().find(Check::Chain)->reason == Reason::KeyUsage);
    CHECK(r.verdict().find(Check::Chain)->message.find("has no keyUsage extension") !=
          std::string::npos);
  }
  SECTION("a reader certificate with CA:TRUE") {
    CustomCert spec;
    spec.cn = f.key.serial();
    spec.is_ca = true;
    const VerifiedRecord r =
        f.verify({issue_custom(pki().intermediate, f.key.public_key(), spec), inter});
    CHECK_FALSE(r.verified());
    CHECK(r.verdict().find(Check::Chain)->reason == Reason::BasicConstraints);
    CHECK(r.verdict().find(Check::Chain)->message.find("CA:TRUE") != std::string::npos);
  }
  SECTION("a CA under an intermediate whose path length is 0") {
    const ca::Identity sub =
        ca::create_intermediate(pki().intermediate, "Sub CA", {kNow - 86400, kNow + 86400 * 30})
            .value();
    const Bytes device = ca::certify_reader(sub, f.key.public_key().data(), f.key.serial(),
                                            {kNow - 86400, kNow + 86400})
                             .value();
    const VerifiedRecord r = f.verify({device, sub.cert_der, inter});
    CHECK_FALSE(r.verified());
    CHECK(r.verdict().find(Check::Chain)->reason == Reason::PathLength);
  }
  SECTION("a CA certificate without keyCertSign") {
    CustomCert spec;
    spec.cn = "Not a CA";
    spec.is_ca = true;
    const VerifiedRecord r =
        f.verify({f.chain[0], issue_custom(pki().intermediate, f.key.public_key(), spec), inter});
    CHECK(r.verdict().find(Check::Chain)->reason == Reason::KeyUsage);
    CHECK(r.verdict().find(Check::Chain)->message.find("lacks keyCertSign") != std::string::npos);
  }
}

TEST_CASE("the certificates idr::ca issues satisfy the profile", "[signed]") {
  Fixture f;
  for (const Bytes& der : {pki().root.cert_der, pki().intermediate.cert_der, f.chain[0]}) {
    std::string why;
    INFO(why);
    CHECK(revocation_keys(der, &why));  // strict DER, low s
  }
  CHECK(f.verify(f.chain).verified());  // device and CA profile, path length
}

TEST_CASE("hostile CBOR gives a clear decode error and no declared allocation",
          "[signed][attack]") {
  struct Case {
    const char* name;
    Bytes file;
    const char* why;
  };
  Bytes nested{0x82, 0xD2, 0x84};
  nested.insert(nested.end(), 10000, 0x81);
  nested.push_back(0x00);
  Bytes tags{0x82, 0xD2, 0x84};
  for (int i = 0; i < 5000; ++i) tags.insert(tags.end(), {0xD8, 0x40});
  tags.push_back(0x00);
  const std::vector<Case> cases = {
      {"array of 2^26",
       {0x82, 0xD2, 0x84, 0x9A, 0x04, 0x00, 0x00, 0x00},
       "declared count 67108864 exceeds the 0 bytes present at byte 1"},
      {"array of 2^64-1",
       {0x82, 0xD2, 0x84, 0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
       "declared count 18446744073709551615 exceeds the 0 bytes present at byte 1"},
      {"map of 2^32-1",
       {0x82, 0xD2, 0x84, 0xBA, 0xFF, 0xFF, 0xFF, 0xFF, 0x00},
       "declared count 4294967295 exceeds the 1 bytes present at byte 1"},
      {"byte string of 2^32-1",
       {0x82, 0xD2, 0x84, 0x5A, 0xFF, 0xFF, 0xFF, 0xFF},
       "declared length 4294967295 exceeds the 0 bytes present at byte 1"},
      {"arrays nested 10000 deep", nested, "nesting deeper than 16 at byte 16"},
      {"tags nested 5000 deep", tags, "nesting deeper than 16 at byte 31"},
      {"indefinite array",
       {0x82, 0xD2, 0x84, 0x9F, 0x00, 0xFF, 0x40, 0x40, 0x40},
       "indefinite length (only definite lengths are allowed) at byte 1"},
      {"a longer head than needed",
       {0x82, 0xD2, 0x98, 0x04, 0x40, 0xA0, 0x40, 0x40},
       "CBOR head longer than needed at byte 0"},
      {"larger than the maximum", Bytes(kMaxRecordSize + 1, 0x40),
       "record of 65536 bytes is larger than the 65535-byte maximum"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::string why;
    CHECK_FALSE(decode_signed(c.file, &why));
    CHECK(why.find(c.why) != std::string::npos);
    INFO(why);
    const VerifiedRecord v = verify_record(c.file, VerifyOptions{});
    REQUIRE(v.verdict().first_failure() != nullptr);
    CHECK(v.verdict().first_failure()->reason == Reason::Malformed);
  }
}

TEST_CASE("record text must be strict UTF-8", "[signed][attack]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  const std::string serial = f.key.serial();
  // The payload's text string of 20 bytes (the certificate has its own). Sized once: GCC 12
  // at -O2 reports a false -Warray-bounds on growing a 1-byte vector by insert.
  Bytes text_head(1 + serial.size(), 0x74);
  std::copy(serial.begin(), serial.end(), text_head.begin() + 1);
  const size_t at = find_bytes(b.file, text_head) + 1;
  REQUIRE(at != std::string::npos + 1);
  struct Case {
    const char* name;
    Bytes bytes;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"overlong '/' (C0 AF)", {0xC0, 0xAF}, false},
      {"overlong 3-byte (E0 80 AF)", {0xE0, 0x80, 0xAF}, false},
      {"overlong 4-byte (F0 80 80 AF)", {0xF0, 0x80, 0x80, 0xAF}, false},
      {"high surrogate U+D800 (ED A0 80)", {0xED, 0xA0, 0x80}, false},
      {"low surrogate U+DFFF (ED BF BF)", {0xED, 0xBF, 0xBF}, false},
      {"above U+10FFFF (F4 90 80 80)", {0xF4, 0x90, 0x80, 0x80}, false},
      {"a lone continuation byte", {0x80}, false},
      {"truncated sequence", {0x41, 0xE4, 0xB8}, false},
      {"U+00E9", {0xC3, 0xA9}, true},
      {"U+4E2D", {0xE4, 0xB8, 0xAD}, true},
      {"U+10FFFF", {0xF4, 0x8F, 0xBF, 0xBF}, true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Bytes file = b.file;
    std::copy(c.bytes.begin(), c.bytes.end(), file.begin() + static_cast<long>(at) + 4);
    std::string why;
    const bool decoded = decode_signed(file, &why).ok();
    CHECK(decoded == c.valid);
    if (!c.valid) CHECK(why.find("not valid UTF-8") != std::string::npos);
    VerifyOptions o;
    o.trust = &f.trust;
    o.now = kNow;
    o.require_nonce = false;
    o.require_counter = false;
    CHECK_FALSE(verify_record(file, o).verified());  // a changed payload never verifies
  }
}

TEST_CASE("idr verify: the attacks are refused each with its reason", "[signed][attack]") {
  testing::TempDir dir("idr-attack");
  const std::string ca_dir = dir.path + "/ca";
  REQUIRE(run_idr({"ca", "init", ca_dir}).status == 0);
  auto ca = ca::CaDirectory::open(ca_dir).value();
  // A reader certified by that CA, then revoked with `idr ca revoke`.
  DeviceKey key;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const std::vector<Bytes> chain = {
      ca::certify_reader(ca::Identity{ca.intermediate_der(),
                                      [&] {
                                        std::ifstream k(ca_dir + "/intermediate.key.pem");
                                        return std::string(std::istreambuf_iterator<char>(k), {});
                                      }()},
                         key.public_key().data(), key.serial(), {now - 60, now + 86400})
          .value(),
      ca.intermediate_der()};
  RecordSpec spec;
  spec.fields = resident_fields({});
  auto verify = [&](const std::vector<Bytes>& c, const std::string& name) {
    const std::string path = dir.path + "/" + name + ".cose";
    write(path, make_record(key, c, spec).file);
    return run_idr({"verify", path, "--trust", ca_dir + "/root.crt.pem"});
  };
  const Run genuine = verify(chain, "genuine");
  INFO(genuine.out);
  REQUIRE(genuine.status == 0);  // with the CA's (empty) list beside the root by default
  CHECK(genuine.out.find("revocation               SUCCEEDED") != std::string::npos);

  std::ofstream(dir.path + "/dev.pem") << ca::to_pem(chain[0]);
  REQUIRE(run_idr({"ca", "revoke", ca_dir, dir.path + "/dev.pem"}).status == 0);
  std::ifstream list_file(ca_dir + "/revoked.txt");
  const std::string list(std::istreambuf_iterator<char>(list_file), {});
  CHECK(list.rfind("idr-revocation-list 2\n", 0) == 0);
  CHECK(list.find("issuer-serial ") != std::string::npos);
  CHECK(list.find("spki ") != std::string::npos);
  CHECK(list.find("reader " + key.serial()) != std::string::npos);

  const Run revoked = verify(chain, "revoked");
  CHECK(revoked.status == 6);
  CHECK(revoked.out.find("revoked") != std::string::npos);
  for (const Variant& v : re_encodings(chain[0])) {
    INFO(v.name);
    const Run r = verify({v.cert, chain[1]}, "variant");
    INFO(r.out);
    CHECK(r.status == 6);
    CHECK(r.out.find("non_canonical_certificate") != std::string::npos);
    CHECK(r.out.find("\nVERIFIED") == std::string::npos);
  }
  const Run five = verify({chain[0], chain[1], chain[1], chain[1], chain[1]}, "five");
  CHECK(five.status == 6);
  CHECK(five.out.find("x5chain has 5 certificates; at most 4 are accepted") != std::string::npos);

  DeviceKey other;
  CustomCert no_ku;
  no_ku.cn = other.serial();
  no_ku.key_usage = 0;
  no_ku.from = now - 60;
  no_ku.to = now + 86400;
  const ca::Identity issuer{ca.intermediate_der(), [&] {
                              std::ifstream k(ca_dir + "/intermediate.key.pem");
                              return std::string(std::istreambuf_iterator<char>(k), {});
                            }()};
  CustomCert ca_true = no_ku;
  ca_true.key_usage = 0x80;
  ca_true.is_ca = true;
  for (const auto& [cert, reason] :
       {std::pair{issue_custom(issuer, other.public_key(), no_ku), "has no keyUsage extension"},
        std::pair{issue_custom(issuer, other.public_key(), ca_true), "CA:TRUE"}}) {
    const std::string path = dir.path + "/profile.cose";
    write(path, make_record(other, {cert, chain[1]}, spec).file);
    const Run r = run_idr({"verify", path, "--trust", ca_dir + "/root.crt.pem"});
    INFO(r.out);
    CHECK(r.status == 6);
    CHECK(r.out.find(reason) != std::string::npos);
  }

  // No list beside the root and none given: NOT_CHECKED with its reason, not verified.
  std::ofstream(dir.path + "/root-only.pem") << ca::to_pem(ca.root_der());
  const std::string path = dir.path + "/genuine.cose";
  const Run no_list = run_idr({"verify", path, "--trust", dir.path + "/root-only.pem"});
  CHECK(no_list.status == 6);
  CHECK(no_list.out.find("revocation               NOT_CHECKED no_revocation_list") !=
        std::string::npos);
}

// The bound is on what a record adds to the tool's own peak (`idr --version`: the executable
// loaded, nothing read), so it measures the verifier, not how the build links the tool.
TEST_CASE("idr verify: a hostile record adds under 16 MiB to the tool's peak RSS (wait4)",
          "[signed][attack]") {
  testing::TempDir dir("idr-rss");
  constexpr long kBoundKib = 16 * 1024;
  const Run idle = run_idr({"--version"});
  REQUIRE(idle.status == 0);
  std::printf("idr --version: peak RSS %ld KiB (the baseline)\n", idle.max_rss_kib);
  Bytes nested{0x82, 0xD2, 0x84};
  nested.insert(nested.end(), 60000, 0x81);
  // Well-formed, so libcbor decodes all of it before the shape check refuses it: 65280 empty
  // arrays, or 32512 map entries, as the protected header of a COSE_Sign1.
  Bytes wide{0x82, 0xD2, 0x84, 0x99, 0xFF, 0x00};
  wide.insert(wide.end(), 0xFF00, 0x80);
  wide.insert(wide.end(), {0x40, 0x40, 0x40, 0x80});
  Bytes maps{0x82, 0xD2, 0x84, 0xB9, 0x7F, 0x00};
  maps.insert(maps.end(), 2 * 0x7F00, 0x00);
  maps.insert(maps.end(), {0x40, 0x40, 0x40, 0x80});
  Fixture f;  // a genuine record for comparison (it fails only the chain: no trust given)
  const std::vector<std::pair<std::string, Bytes>> inputs = {
      {"genuine", make_record(f.key, f.chain, f.spec).file},
      {"eight-bytes", {0x82, 0xD2, 0x84, 0x9A, 0x04, 0x00, 0x00, 0x00}},
      {"array-2^32", {0x82, 0xD2, 0x84, 0x9A, 0xFF, 0xFF, 0xFF, 0xFF}},
      {"nested-60000", nested},
      {"array-65280", wide},
      {"map-32512", maps},
  };
  for (const auto& [name, bytes] : inputs) {
    const std::string path = dir.path + "/" + name + ".cose";
    write(path, bytes);
    const Run r = run_idr({"verify", path});
    std::printf("idr verify %-14s %6zu bytes: exit %d, peak RSS %ld KiB (+%ld)\n", name.c_str(),
                bytes.size(), r.status, r.max_rss_kib, r.max_rss_kib - idle.max_rss_kib);
    INFO(name << ": " << r.out);
    CHECK(r.status == 6);
    if (name != "genuine")
      CHECK(r.out.find("decode                   FAILED      malformed") != std::string::npos);
    CHECK(r.max_rss_kib - idle.max_rss_kib < kBoundKib);
  }
  // A file far above the maximum is refused by its size, never read.
  const std::string big = dir.path + "/big.cose";
  {
    const int fd = ::open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, off_t{1} << 30) == 0);
    ::close(fd);
  }
  const Run r = run_idr({"verify", big});
  std::printf("idr verify %-14s %6s bytes: exit %d, peak RSS %ld KiB (+%ld)\n", "1-GiB-file",
              "2^30", r.status, r.max_rss_kib, r.max_rss_kib - idle.max_rss_kib);
  CHECK(r.status == 7);  // a file that cannot be used as a record
  CHECK(r.max_rss_kib - idle.max_rss_kib < kBoundKib);
}

TEST_CASE("C API: versioned config and one check status for a revoked reader's record",
          "[signed][attack]") {
  testing::TempDir dir("idr-attack-c");
  Fixture f;
  std::ofstream(dir.path + "/root.crt.pem") << ca::to_pem(pki().root.cert_der);
  const std::string rec = dir.path + "/rec.cose";
  write(rec, make_record(f.key, {with_other_s(f.chain[0]), f.chain[1]}, f.spec).file);
  idr_verify_config config = IDR_VERIFY_CONFIG_INIT;
  const std::string root = dir.path + "/root.crt.pem";
  config.trust = root.c_str();
  config.now = kNow;
  idr_card* card = nullptr;
  idr_verdict* verdict = nullptr;
  auto outcome = [&](const char* check) {
    for (size_t i = 0; i < idr_verdict_count(verdict); ++i)
      if (std::string(idr_verdict_check(verdict, i)) == check)
        return idr_verdict_outcome(verdict, i);
    return -1;
  };
  // No list beside the root: revocation NOT_CHECKED; the re-encoded certificate FAILED.
  REQUIRE(idr_record_verify_file(rec.c_str(), &config, nullptr, &card, &verdict) == IDR_OK);
  CHECK(card == nullptr);
  CHECK(outcome("chain") == IDR_CHECK_FAILED);
  CHECK(outcome("revocation") == IDR_CHECK_NOT_CHECKED);
  CHECK(outcome("decode") == IDR_CHECK_SUCCEEDED);
  idr_verdict_free(verdict);
  config.struct_size = 0;
  CHECK(idr_record_verify_file(rec.c_str(), &config, nullptr, &card, &verdict) ==
        IDR_E_INVALID_ARGUMENT);
  config.struct_size = sizeof(idr_verify_config) + 8;  // a newer layout this library lacks
  CHECK(idr_record_verify_file(rec.c_str(), &config, nullptr, &card, &verdict) ==
        IDR_E_INVALID_ARGUMENT);
  // A record file above the maximum is refused by its size.
  write(rec, Bytes(kMaxRecordSize + 1, 0x40));
  config.struct_size = sizeof(idr_verify_config);
  CHECK(idr_record_verify_file(rec.c_str(), &config, nullptr, &card, &verdict) ==
        IDR_E_INVALID_ARGUMENT);
}
