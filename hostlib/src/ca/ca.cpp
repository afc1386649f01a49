// Manufacturer CA with mbedTLS x509write: P-256 keys from CTR-DRBG over the system entropy,
// ECDSA-SHA256 certificates, PEM files. Private keys live in wiped buffers only.
#include "idr/ca.h"

#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "../core/bounded_file.h"
#include "../verify/cbor_io.h"
#include "../verify/certificate.h"
#include "idr/proto/extension.h"
#include "idr/verify.h"

namespace idr::ca {

Identity::~Identity() {
  if (!key_pem.empty()) mbedtls_platform_zeroize(&key_pem[0], key_pem.size());
}

namespace {

struct Rng {
  Rng() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    static const char kPersonal[] = "idr-ca";
    ok = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                               reinterpret_cast<const unsigned char*>(kPersonal),
                               sizeof(kPersonal) - 1) == 0;
  }
  ~Rng() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  Rng(const Rng&) = delete;
  Rng& operator=(const Rng&) = delete;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  bool ok = false;
};

struct Pk {
  Pk() { mbedtls_pk_init(&pk); }
  ~Pk() { mbedtls_pk_free(&pk); }  // mbedtls_pk_free zeroizes the key
  Pk(const Pk&) = delete;
  Pk& operator=(const Pk&) = delete;
  mbedtls_pk_context pk;
};

struct Writer {
  Writer() { mbedtls_x509write_crt_init(&crt); }
  ~Writer() { mbedtls_x509write_crt_free(&crt); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  mbedtls_x509write_cert crt;
};

template <typename T>
Result<T> fail(std::string* why, const std::string& what, Error e = Error::InvalidArgument) {
  if (why != nullptr) *why = what;
  return e;
}

std::string x509_time(int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
  return buf;
}

// "CN=..." with the RFC 4514 specials escaped, so a name cannot add attributes.
std::string dn(const std::string& cn) {
  std::string out = "CN=";
  for (char c : cn) {
    if (std::strchr(",+\"\\<>;=", c) != nullptr) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool generate(Pk& key, Rng& rng) {
  return mbedtls_pk_setup(&key.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0 &&
         mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.pk),
                             mbedtls_ctr_drbg_random, &rng.drbg) == 0;
}

bool load_private(const std::string& pem, Pk& key) {
  return mbedtls_pk_parse_key(&key.pk, reinterpret_cast<const unsigned char*>(pem.c_str()),
                              pem.size() + 1, nullptr, 0) == 0;
}

bool load_public(const uint8_t* point, Pk& key) {
  if (mbedtls_pk_setup(&key.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0) return false;
  mbedtls_ecp_keypair* ec = mbedtls_pk_ec(key.pk);
  return mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
         mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, point, kReaderPublicKeySize) == 0 &&
         mbedtls_ecp_check_pubkey(&ec->grp, &ec->Q) == 0;
}

std::string private_pem(Pk& key) {
  std::vector<unsigned char> buf(2048);
  if (mbedtls_pk_write_key_pem(&key.pk, buf.data(), buf.size()) != 0) return {};
  std::string pem(reinterpret_cast<const char*>(buf.data()));
  mbedtls_platform_zeroize(buf.data(), buf.size());
  return pem;
}

struct CertSpec {
  std::string subject;
  Validity validity;
  bool is_ca = false;
  int path_len = -1;
  unsigned key_usage = 0;
};

// Signs `subject_key` with `issuer_key`; issuer name from `issuer_cert` (nullptr: self).
Result<Bytes> write_cert(const CertSpec& spec, Pk& subject_key, Pk& issuer_key,
                         const Bytes* issuer_cert, Rng& rng, std::string* why) {
  if (spec.validity.not_after <= spec.validity.not_before)
    return fail<Bytes>(why, "not_after must be after not_before");
  Writer w;
  mbedtls_x509write_crt_set_version(&w.crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w.crt, MBEDTLS_MD_SHA256);
  int rc = 0;

  std::string issuer_name = dn(spec.subject);
  if (issuer_cert != nullptr) {
    mbedtls_x509_crt parsed;
    mbedtls_x509_crt_init(&parsed);
    char name[512] = {};
    const bool good =
        mbedtls_x509_crt_parse_der(&parsed, issuer_cert->data(), issuer_cert->size()) == 0 &&
        mbedtls_x509_dn_gets(name, sizeof(name), &parsed.subject) > 0;
    mbedtls_x509_crt_free(&parsed);
    if (!good) return fail<Bytes>(why, "the issuer certificate does not parse");
    issuer_name = name;
  }
  const std::string from = x509_time(spec.validity.not_before);
  const std::string to = x509_time(spec.validity.not_after);
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&w.crt, from.c_str(), to.c_str());
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_name(&w.crt, dn(spec.subject).c_str());
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&w.crt, issuer_name.c_str());
  mbedtls_x509write_crt_set_subject_key(&w.crt, &subject_key.pk);
  mbedtls_x509write_crt_set_issuer_key(&w.crt, &issuer_key.pk);
  if (rc == 0)
    rc = mbedtls_x509write_crt_set_basic_constraints(&w.crt, spec.is_ca ? 1 : 0, spec.path_len);
  if (rc == 0) rc = mbedtls_x509write_crt_set_key_usage(&w.crt, spec.key_usage);
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(&w.crt);
  if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(&w.crt);
  if (rc != 0)
    return fail<Bytes>(why,
                       "cannot set the certificate fields (mbedTLS " + std::to_string(rc) + ")");
  // Verifiers accept only the low-s form of the signature (DESIGN 11: one encoding per
  // certificate). The signature is deterministic (RFC 6979) for one tbsCertificate, and s is
  // above n/2 for about half of them: draw a new serial number until it is not (the chance of
  // 64 high-s signatures in a row is 2^-64).
  std::vector<unsigned char> buf(4096);
  std::string strict_why;
  for (int attempt = 0; attempt < 64; ++attempt) {
    // A random positive 127-bit serial (RFC 5280 4.1.2.2: unique, at most 20 octets).
    unsigned char serial_bytes[16];
    if (mbedtls_ctr_drbg_random(&rng.drbg, serial_bytes, sizeof(serial_bytes)) != 0)
      return fail<Bytes>(why, "random number generator failed", Error::Io);
    serial_bytes[0] = static_cast<unsigned char>((serial_bytes[0] & 0x7F) | 0x01);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    rc = mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof(serial_bytes));
    if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&w.crt, &serial);
    mbedtls_mpi_free(&serial);
    if (rc != 0) return fail<Bytes>(why, "cannot set the serial number", Error::Io);
    const int len = mbedtls_x509write_crt_der(&w.crt, buf.data(), buf.size(),
                                              mbedtls_ctr_drbg_random, &rng.drbg);
    if (len <= 0)
      return fail<Bytes>(why, "cannot write the certificate (mbedTLS " + std::to_string(len) + ")");
    // mbedtls_x509write_crt_der writes at the end of the buffer.
    Bytes der(buf.end() - len, buf.end());
    if (detail::strict_certificate(der.data(), der.size(), strict_why)) return der;
  }
  return fail<Bytes>(why, "no strict low-s certificate in 64 attempts: " + strict_why, Error::Io);
}

Result<Identity> make_ca(const Identity* issuer, const std::string& cn, Validity v, int path_len,
                         std::string* why) {
  Rng rng;
  if (!rng.ok) return fail<Identity>(why, "cannot seed the random number generator", Error::Io);
  Pk key, issuer_key;
  if (!generate(key, rng)) return fail<Identity>(why, "cannot generate a P-256 key", Error::Io);
  if (issuer != nullptr && !load_private(issuer->key_pem, issuer_key))
    return fail<Identity>(why, "the issuer key does not parse");
  CertSpec spec{cn, v, true, path_len, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN};
  auto der = write_cert(spec, key, issuer != nullptr ? issuer_key : key,
                        issuer != nullptr ? &issuer->cert_der : nullptr, rng, why);
  if (!der) return der.error();
  Identity id;
  id.cert_der = std::move(der).value();
  id.key_pem = private_pem(key);
  if (id.key_pem.empty()) return fail<Identity>(why, "cannot write the key", Error::Io);
  return id;
}

bool read_text(const std::string& path, std::string& out) {
  auto bytes = detail::read_file_bounded(path, detail::kMaxTextFileSize);
  if (!bytes) return false;
  out.assign(bytes->begin(), bytes->end());
  return true;
}

// Writes `text` to `path` through a temporary file and rename: readers see the old or the
// new list, never half of one.
bool replace_text(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  std::ofstream f(tmp, std::ios::trunc);
  f << text;
  f.flush();
  if (!f) return false;
  f.close();
  return ::rename(tmp.c_str(), path.c_str()) == 0;
}

constexpr char kListHeader[] =
    "idr-revocation-list 2\n"
    "# revoked reader and CA certificates (DESIGN 11): issuer-serial, spki, reader, cert\n";

bool write_text(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return false;
  size_t at = 0;
  while (at < text.size()) {
    const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    at += static_cast<size_t>(n);
  }
  return ::fsync(fd) == 0 && ::close(fd) == 0;
}

}  // namespace

Result<Identity> create_root(const std::string& common_name, Validity v, std::string* why) {
  return make_ca(nullptr, common_name, v, 1, why);
}

Result<Identity> create_intermediate(const Identity& issuer, const std::string& common_name,
                                     Validity v, std::string* why) {
  return make_ca(&issuer, common_name, v, 0, why);
}

Result<Bytes> certify_reader(const Identity& issuer, const uint8_t* public_key65,
                             const std::string& serial, Validity v, std::string* why) {
  Rng rng;
  if (!rng.ok) return fail<Bytes>(why, "cannot seed the random number generator", Error::Io);
  Pk reader, issuer_key;
  if (public_key65 == nullptr || !load_public(public_key65, reader))
    return fail<Bytes>(why, "the reader's public key is not a P-256 point");
  if (!load_private(issuer.key_pem, issuer_key))
    return fail<Bytes>(why, "the issuer key does not parse");
  CertSpec spec{serial, v, false, -1, MBEDTLS_X509_KU_DIGITAL_SIGNATURE};
  return write_cert(spec, reader, issuer_key, &issuer.cert_der, rng, why);
}

Result<std::string> check_proof_of_possession(const ProvisionedKey& key,
                                              const ReadNonce& challenge) {
  Pk pk;
  if (!load_public(key.public_key.data(), pk)) return Error::InvalidArgument;
  const std::string serial = reader_serial_for(key.public_key.data());
  static const char kContext[] = "idr-provision";
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  uint8_t digest[32];
  mbedtls_sha256_starts_ret(&sha, 0);
  mbedtls_sha256_update_ret(&sha, reinterpret_cast<const unsigned char*>(kContext),
                            sizeof(kContext) - 1);
  mbedtls_sha256_update_ret(&sha, reinterpret_cast<const unsigned char*>(serial.data()),
                            serial.size());
  mbedtls_sha256_update_ret(&sha, challenge.data(), challenge.size());
  mbedtls_sha256_update_ret(&sha, key.public_key.data(), key.public_key.size());
  mbedtls_sha256_finish_ret(&sha, digest);
  mbedtls_sha256_free(&sha);
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  mbedtls_ecp_keypair* ec = mbedtls_pk_ec(pk.pk);
  int rc = mbedtls_mpi_read_binary(&r, key.signature.data(), 32);
  if (rc == 0) rc = mbedtls_mpi_read_binary(&s, key.signature.data() + 32, 32);
  if (rc == 0) rc = mbedtls_ecdsa_verify(&ec->grp, digest, sizeof(digest), &ec->Q, &r, &s);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (rc != 0) return Error::InvalidArgument;
  return serial;
}

Result<Authorization> CaDirectory::authorize(const std::string& serial, const ReadNonce& challenge,
                                             AuthorizedOp op, const Bytes& data,
                                             std::string* why) const {
  const char* const kContext = ext::kAuthorizeContext;
  uint8_t data_hash[32];
  uint8_t digest[32];
  const uint8_t op_byte = static_cast<uint8_t>(op);
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  int rc = mbedtls_sha256_ret(data.data(), data.size(), data_hash, 0);
  if (rc == 0) rc = mbedtls_sha256_starts_ret(&sha, 0);
  if (rc == 0)
    rc = mbedtls_sha256_update_ret(&sha, reinterpret_cast<const unsigned char*>(kContext),
                                   sizeof(ext::kAuthorizeContext) - 1);
  if (rc == 0)
    rc = mbedtls_sha256_update_ret(&sha, reinterpret_cast<const unsigned char*>(serial.data()),
                                   serial.size());
  if (rc == 0) rc = mbedtls_sha256_update_ret(&sha, challenge.data(), challenge.size());
  if (rc == 0) rc = mbedtls_sha256_update_ret(&sha, &op_byte, 1);
  if (rc == 0) rc = mbedtls_sha256_update_ret(&sha, data_hash, sizeof(data_hash));
  if (rc == 0) rc = mbedtls_sha256_finish_ret(&sha, digest);
  mbedtls_sha256_free(&sha);
  if (rc != 0) return fail<Authorization>(why, "SHA-256 failed", Error::Io);
  Rng rng;
  Pk key;
  if (!rng.ok)
    return fail<Authorization>(why, "cannot seed the random number generator", Error::Io);
  if (!load_private(intermediate_.key_pem, key))
    return fail<Authorization>(why, "the intermediate key does not parse");
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  mbedtls_ecp_keypair* ec = mbedtls_pk_ec(key.pk);
  Authorization auth{};
  rc = mbedtls_ecdsa_sign(&ec->grp, &r, &s, &ec->d, digest, sizeof(digest), mbedtls_ctr_drbg_random,
                          &rng.drbg);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&r, auth.data(), 32);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&s, auth.data() + 32, 32);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (rc != 0) return fail<Authorization>(why, "ECDSA signing failed", Error::Io);
  return auth;
}

Bytes chain_cbor(const std::vector<Bytes>& chain) {
  detail::CborWriter w;
  w.array(chain.size());
  for (const auto& c : chain) w.bytes(c);
  return w.take();
}

std::string to_pem(const Bytes& der) {
  std::vector<unsigned char> buf(der.size() * 2 + 128);
  size_t olen = 0;
  if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                               der.data(), der.size(), buf.data(), buf.size(), &olen) != 0)
    return {};
  return std::string(reinterpret_cast<const char*>(buf.data()));
}

Result<Bytes> from_pem(const std::string& pem) {
  std::string why;
  auto ders = detail::pem_certificates(pem, why);
  if (!ders) return ders.error();
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  const int rc = mbedtls_x509_crt_parse_der(&crt, ders->front().data(), ders->front().size());
  mbedtls_x509_crt_free(&crt);
  if (rc != 0) return Error::InvalidArgument;
  return std::move(ders->front());
}

Result<Bytes> read_certificate_file(const std::string& path, std::string* why) {
  auto pem = detail::read_file_bounded(path, detail::kMaxTextFileSize, why);
  if (!pem) return pem.error();
  auto der = from_pem(std::string(pem->begin(), pem->end()));
  if (!der && why != nullptr) *why = path + ": not a PEM certificate";
  return der;
}

Result<ReadNonce> random_nonce() {
  Rng rng;
  ReadNonce n{};
  if (!rng.ok || mbedtls_ctr_drbg_random(&rng.drbg, n.data(), n.size()) != 0) return Error::Io;
  return n;
}

Result<CaDirectory> CaDirectory::create(const std::string& dir, const std::string& name,
                                        int64_t now, int years, std::string* why) {
  if (years <= 0) return fail<CaDirectory>(why, "years must be positive");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail<CaDirectory>(why, dir + ": cannot create the directory", Error::Io);
  struct stat st {};
  if (::stat((dir + "/root.crt.pem").c_str(), &st) == 0)
    return fail<CaDirectory>(why, dir + " already holds a CA");
  const Validity v{now - 60, now + int64_t{years} * 365 * 86400};
  auto root = create_root(name + " Root", v, why);
  if (!root) return root.error();
  auto inter = create_intermediate(*root, name + " Reader CA", v, why);
  if (!inter) return inter.error();
  if (!write_text(dir + "/root.key.pem", root->key_pem, 0600) ||
      !write_text(dir + "/root.crt.pem", to_pem(root->cert_der), 0644) ||
      !write_text(dir + "/intermediate.key.pem", inter->key_pem, 0600) ||
      !write_text(dir + "/intermediate.crt.pem", to_pem(inter->cert_der), 0644) ||
      !write_text(dir + "/revoked.txt", kListHeader, 0644) ||
      (::mkdir((dir + "/issued").c_str(), 0700) != 0 && errno != EEXIST))
    return fail<CaDirectory>(why, dir + ": cannot write the CA files", Error::Io);
  return open(dir, why);
}

Result<CaDirectory> CaDirectory::open(const std::string& dir, std::string* why) {
  CaDirectory ca;
  ca.dir_ = dir;
  std::string root_pem, inter_pem;
  if (!read_text(dir + "/root.crt.pem", root_pem) ||
      !read_text(dir + "/intermediate.crt.pem", inter_pem) ||
      !read_text(dir + "/intermediate.key.pem", ca.intermediate_.key_pem))
    return fail<CaDirectory>(why, dir + ": not a CA directory (idr ca init)", Error::Io);
  auto root = from_pem(root_pem);
  auto inter = from_pem(inter_pem);
  Pk check;
  if (!root || !inter || !load_private(ca.intermediate_.key_pem, check))
    return fail<CaDirectory>(why, dir + ": a CA file does not parse");
  ca.root_der_ = std::move(root).value();
  ca.intermediate_.cert_der = std::move(inter).value();
  return ca;
}

Result<std::vector<Bytes>> CaDirectory::issue_reader(const ProvisionedKey& key,
                                                     const ReadNonce& challenge, int64_t now,
                                                     int years, std::string* why) {
  auto serial = check_proof_of_possession(key, challenge);
  if (!serial)
    return fail<std::vector<Bytes>>(why, "the reader's proof of possession does not verify");
  const Validity v{now - 60, now + int64_t{years} * 365 * 86400};
  auto cert = certify_reader(intermediate_, key.public_key.data(), *serial, v, why);
  if (!cert) return cert.error();
  const std::string path = dir_ + "/issued/" + *serial + "-" + std::to_string(now) + ".crt.pem";
  std::ofstream f(path, std::ios::trunc);
  f << to_pem(*cert);
  if (!f) return fail<std::vector<Bytes>>(why, path + ": cannot write", Error::Io);
  return std::vector<Bytes>{std::move(cert).value(), intermediate_.cert_der};
}

Result<void> CaDirectory::revoke(const Bytes& cert_der, std::string* why) {
  auto keys = revocation_keys(cert_der, why);
  if (!keys) return keys.error();
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  const bool parsed = mbedtls_x509_crt_parse_der(&crt, cert_der.data(), cert_der.size()) == 0;
  const bool is_ca = parsed && crt.ca_istrue != 0;
  mbedtls_x509_crt_free(&crt);
  return revoke_entries(revocation_entries(*keys, !is_ca), why);
}

Result<void> CaDirectory::revoke_reader(const std::string& serial, std::string* why) {
  if (!is_reader_serial_entry(serial)) {
    if (why != nullptr) *why = "'" + serial + "' is not a reader serial";
    return Error::InvalidArgument;
  }
  return revoke_entries("reader " + serial + "\n", why);
}

Result<void> CaDirectory::revoke_entries(const std::string& lines, std::string* why) {
  const std::string path = dir_ + "/revoked.txt";
  std::string old;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !read_text(path, old))
    return fail<void>(why, path + ": cannot read", Error::Io);
  // Check what is there first: never extend a list that would not load.
  TrustStore check;
  if (!old.empty() && !check.load_revoked_text(old, path, why)) return Error::InvalidArgument;
  std::string text;
  if (old.find("idr-revocation-list 2") == std::string::npos) {
    // A version 1 list (fingerprints only, or empty): rewritten as version 2, its
    // fingerprints kept as `cert` entries.
    text = kListHeader;
    std::istringstream lines_in(old);
    for (std::string line; std::getline(lines_in, line);) {
      std::string hex;
      for (char c : line)
        if (!std::isspace(static_cast<unsigned char>(c)) && c != ':') hex.push_back(c);
      if (!hex.empty() && hex[0] != '#') text += "cert " + hex + "\n";
    }
  } else {
    text = old;
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
  }
  text += lines;
  if (!replace_text(path, text)) return fail<void>(why, path + ": cannot write", Error::Io);
  return {};
}

}  // namespace idr::ca
