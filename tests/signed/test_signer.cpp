#include "test_signer.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "idr/verify.h"

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "idr/proto/card_layout.h"

namespace idr::test {

namespace {

// Deterministic CBOR (RFC 8949 4.2.1) for the test records: this file's own encoder.
struct Cbor {
  Bytes out;
  void head(uint8_t major, uint64_t v) {
    const auto mt = static_cast<uint8_t>(major << 5);
    int n = v < 24 ? 0 : v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : v <= 0xFFFFFFFFu ? 4 : 8;
    out.push_back(static_cast<uint8_t>(mt | (n == 0   ? v
                                             : n == 1 ? 24
                                             : n == 2 ? 25
                                             : n == 4 ? 26
                                                      : 27)));
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void bstr(const uint8_t* p, size_t n) {
    head(2, n);
    out.insert(out.end(), p, p + n);
  }
  void bstr(const Bytes& b) { bstr(b.data(), b.size()); }
  void tstr(const std::string& s) {
    head(3, s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
};

struct Drbg {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Drbg() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0) != 0)
      throw std::runtime_error("drbg seed failed");
  }
  ~Drbg() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
};
Drbg& drbg() {
  static Drbg d;
  return d;
}

void sha256(const Bytes& b, uint8_t (&out)[32]) {
  mbedtls_sha256_ret(b.data(), b.size(), out, 0);
}

}  // namespace

struct DeviceKey::Impl {
  mbedtls_ecdsa_context ctx;
};

DeviceKey::DeviceKey() : impl_(new Impl) {
  mbedtls_ecdsa_init(&impl_->ctx);
  if (mbedtls_ecdsa_genkey(&impl_->ctx, MBEDTLS_ECP_DP_SECP256R1, mbedtls_ctr_drbg_random,
                           &drbg().drbg) != 0)
    throw std::runtime_error("keygen failed");
  size_t olen = 0;
  if (mbedtls_ecp_point_write_binary(&impl_->ctx.grp, &impl_->ctx.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                     &olen, pub_.data(), pub_.size()) != 0 ||
      olen != 65)
    throw std::runtime_error("public key export failed");
}

DeviceKey::~DeviceKey() {
  mbedtls_ecdsa_free(&impl_->ctx);
  delete impl_;
}

std::array<uint8_t, 64> DeviceKey::sign(const uint8_t (&digest)[32]) const {
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  std::array<uint8_t, 64> sig{};
  if (mbedtls_ecdsa_sign(&impl_->ctx.grp, &r, &s, &impl_->ctx.d, digest, 32,
                         mbedtls_ctr_drbg_random, &drbg().drbg) != 0 ||
      mbedtls_mpi_write_binary(&r, sig.data(), 32) != 0 ||
      mbedtls_mpi_write_binary(&s, sig.data() + 32, 32) != 0)
    throw std::runtime_error("sign failed");
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return sig;
}

ProvisionedKey DeviceKey::provision(const ReadNonce& challenge) const {
  static constexpr char kContext[] = "idr-provision";
  constexpr size_t kContextSize = sizeof kContext - 1;
  const std::string id = serial();
  // Sized once and filled by copy: GCC 12 at -O2 reports a false -Warray-bounds when a
  // vector built from a short list grows by insert.
  Bytes msg(kContextSize + id.size() + challenge.size() + pub_.size());
  auto at = std::copy(kContext, kContext + kContextSize, msg.begin());
  at = std::copy(id.begin(), id.end(), at);
  at = std::copy(challenge.begin(), challenge.end(), at);
  std::copy(pub_.begin(), pub_.end(), at);
  uint8_t digest[32];
  sha256(msg, digest);
  ProvisionedKey k;
  k.public_key = pub_;
  k.signature = sign(digest);
  return k;
}

Pki make_pki(const std::string& name, int64_t from, int64_t to) {
  std::string why;
  auto root = ca::create_root(name + " Root", {from, to}, &why);
  if (!root) throw std::runtime_error("root: " + why);
  auto inter = ca::create_intermediate(*root, name + " Reader CA", {from, to}, &why);
  if (!inter) throw std::runtime_error("intermediate: " + why);
  return {std::move(root).value(), std::move(inter).value()};
}

std::vector<Bytes> reader_chain(const Pki& pki, const DeviceKey& key, int64_t from, int64_t to) {
  std::string why;
  auto cert =
      ca::certify_reader(pki.intermediate, key.public_key().data(), key.serial(), {from, to}, &why);
  if (!cert) throw std::runtime_error("device cert: " + why);
  return {std::move(cert).value(), pki.intermediate.cert_der};
}

Bytes issue_custom(const ca::Identity& issuer, const std::array<uint8_t, 65>& public_key,
                   const CustomCert& spec) {
  mbedtls_pk_context subject, issuer_key;
  mbedtls_pk_init(&subject);
  mbedtls_pk_init(&issuer_key);
  mbedtls_x509write_cert w;
  mbedtls_x509write_crt_init(&w);
  mbedtls_x509_crt parsed_issuer;
  mbedtls_x509_crt_init(&parsed_issuer);
  Bytes out;
  char issuer_name[256] = {};
  bool good =
      mbedtls_pk_setup(&subject, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0 &&
      mbedtls_ecp_group_load(&mbedtls_pk_ec(subject)->grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
      mbedtls_ecp_point_read_binary(&mbedtls_pk_ec(subject)->grp, &mbedtls_pk_ec(subject)->Q,
                                    public_key.data(), public_key.size()) == 0 &&
      mbedtls_pk_parse_key(&issuer_key,
                           reinterpret_cast<const unsigned char*>(issuer.key_pem.c_str()),
                           issuer.key_pem.size() + 1, nullptr, 0) == 0 &&
      mbedtls_x509_crt_parse_der(&parsed_issuer, issuer.cert_der.data(), issuer.cert_der.size()) ==
          0 &&
      mbedtls_x509_dn_gets(issuer_name, sizeof(issuer_name), &parsed_issuer.subject) > 0;
  auto when = [](int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
    return std::string(buf);
  };
  const std::string subject_name = "CN=" + spec.cn;
  if (good) {
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &subject);
    mbedtls_x509write_crt_set_issuer_key(&w, &issuer_key);
    good = mbedtls_x509write_crt_set_subject_name(&w, subject_name.c_str()) == 0 &&
           mbedtls_x509write_crt_set_issuer_name(&w, issuer_name) == 0 &&
           mbedtls_x509write_crt_set_validity(&w, when(spec.from).c_str(), when(spec.to).c_str()) ==
               0 &&
           (!spec.basic_constraints ||
            mbedtls_x509write_crt_set_basic_constraints(&w, spec.is_ca ? 1 : 0, -1) == 0) &&
           (spec.key_usage == 0 || mbedtls_x509write_crt_set_key_usage(&w, spec.key_usage) == 0);
  }
  // A new serial until the signature has a low s (the verifier's strict form).
  for (int attempt = 0; good && attempt < 64 && out.empty(); ++attempt) {
    uint8_t serial_bytes[16];
    mbedtls_ctr_drbg_random(&drbg().drbg, serial_bytes, sizeof(serial_bytes));
    serial_bytes[0] = static_cast<uint8_t>((serial_bytes[0] & 0x7F) | 1);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    good = mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof(serial_bytes)) == 0 &&
           mbedtls_x509write_crt_set_serial(&w, &serial) == 0;
    mbedtls_mpi_free(&serial);
    std::vector<unsigned char> buf(4096);
    const int len = good ? mbedtls_x509write_crt_der(&w, buf.data(), buf.size(),
                                                     mbedtls_ctr_drbg_random, &drbg().drbg)
                         : -1;
    good = len > 0;
    if (good) {
      Bytes der(buf.end() - len, buf.end());
      if (revocation_keys(der)) out = std::move(der);  // strict DER, low s
    }
  }
  mbedtls_x509_crt_free(&parsed_issuer);
  mbedtls_x509write_crt_free(&w);
  mbedtls_pk_free(&issuer_key);
  mbedtls_pk_free(&subject);
  if (out.empty()) throw std::runtime_error("custom certificate failed");
  return out;
}

Built make_record(const DeviceKey& key, const std::vector<Bytes>& chain, const RecordSpec& spec) {
  std::vector<std::array<uint8_t, 16>> salts(spec.fields.size());
  for (auto& s : salts) mbedtls_ctr_drbg_random(&drbg().drbg, s.data(), s.size());

  Cbor p;
  p.head(5, 11);
  p.tstr("v");
  p.head(0, 1);
  p.tstr("serial");
  p.tstr(key.serial());
  p.tstr("ctr");
  p.head(0, spec.counter);
  p.tstr("nonce");
  p.bstr(spec.nonce.data(), spec.nonce.size());
  p.tstr("time");
  p.head(0, spec.time);
  p.tstr("type");
  p.head(0, spec.card_type);
  p.tstr("uid");
  p.bstr(spec.uid.data(), spec.uid.size());
  const uint8_t sam[16] = {0x11};
  p.tstr("sam");
  p.bstr(sam, 16);
  p.tstr("sam_ok");
  p.out.push_back(spec.sam_ok ? 0xF5 : 0xF4);
  p.tstr("alg");
  p.tstr("SHA-256");
  p.tstr("digests");
  size_t with_digest = 0;
  for (const auto& f : spec.fields)
    if (std::find(spec.no_digest.begin(), spec.no_digest.end(), f.name) == spec.no_digest.end())
      ++with_digest;
  p.head(5, with_digest);
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const auto& f = spec.fields[i];
    if (std::find(spec.no_digest.begin(), spec.no_digest.end(), f.name) != spec.no_digest.end())
      continue;
    Bytes pre(salts[i].begin(), salts[i].end());
    pre.insert(pre.end(), f.value.begin(), f.value.end());
    uint8_t d[32];
    sha256(pre, d);
    p.tstr(f.name);
    p.bstr(d, 32);
  }
  Built b;
  b.payload = p.out;

  const Bytes prot = {0xA1, 0x01, 0x26};  // {1: -7}
  Cbor tbs;                               // Sig_structure, RFC 9052 4.4
  tbs.head(4, 4);
  tbs.tstr("Signature1");
  tbs.bstr(prot);
  tbs.bstr(nullptr, 0);
  tbs.bstr(b.payload);
  uint8_t digest[32];
  sha256(tbs.out, digest);
  b.signature = key.sign(digest);

  Cbor f;
  f.head(4, 2);
  f.head(6, 18);
  f.head(4, 4);
  f.bstr(prot);
  if (chain.empty()) {
    f.head(5, 0);
  } else {
    f.head(5, 1);
    f.head(0, 33);
    f.head(4, chain.size());
    for (const auto& c : chain) f.bstr(c);
  }
  f.bstr(b.payload);
  f.bstr(b.signature.data(), 64);
  f.head(4, spec.fields.size());
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    f.head(4, 3);
    f.tstr(spec.fields[i].name);
    f.bstr(salts[i].data(), 16);
    f.bstr(spec.fields[i].value);
  }
  b.file = f.out;
  return b;
}

Bytes ucs2(const std::u16string& s, size_t size) {
  Bytes out;
  for (char16_t c : s) {
    out.push_back(static_cast<uint8_t>(c & 0xFF));
    out.push_back(static_cast<uint8_t>(c >> 8));
  }
  while (out.size() < size) {
    out.push_back(0x20);
    out.push_back(0x00);
  }
  if (out.size() != size) throw std::runtime_error("field too long");
  return out;
}

std::vector<Field> resident_fields(const ResidentCard& c) {
  namespace r = card::resident;
  return {{"name", ucs2(c.name, r::kName.size)},
          {"gender", ucs2(c.gender, r::kGender.size)},
          {"ethnicity", ucs2(c.ethnicity, r::kEthnicity.size)},
          {"birth", ucs2(c.birth, r::kBirth.size)},
          {"address", ucs2(c.address, r::kAddress.size)},
          {"id_number", ucs2(c.id_number, r::kIdNumber.size)},
          {"authority", ucs2(c.authority, r::kAuthority.size)},
          {"valid_from", ucs2(c.valid_from, r::kValidFrom.size)},
          {"valid_to", ucs2(c.valid_to, r::kValidTo.size)}};
}

Bytes flip_bit(Bytes b, size_t byte, int bit) {
  b.at(byte) = static_cast<uint8_t>(b.at(byte) ^ (1u << bit));
  return b;
}

size_t find_bytes(const Bytes& hay, const Bytes& needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  return it == hay.end() ? std::string::npos : static_cast<size_t>(it - hay.begin());
}

}  // namespace idr::test
