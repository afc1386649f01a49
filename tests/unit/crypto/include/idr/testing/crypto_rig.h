#pragma once
// Test helpers for the signing code (host code): the hw-sim FlashModel behind hal::Flash, a
// seeded RNG, and test certificates made with mbedTLS's X.509 writer (the host side's CA
// will do the same with its own code; these exist only so the firmware tests can run).
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <array>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "idr/hal/hal.h"
#include "idr/proto/cbor.h"
#include "idr/sim/flash_model.h"

namespace idr::testing {

// The firmware's view (hal::Flash) of a FlashModel the test owns, so the test can arm power
// cuts and restart firmware objects over the same contents.
class ModelFlash final : public hal::Flash {
 public:
  explicit ModelFlash(sim::FlashModel& model) : model_(model) {}
  uint32_t page_size() const override { return model_.page_size(); }
  uint32_t page_count() const override { return model_.page_count(); }
  Status read(uint32_t addr, uint8_t* buf, size_t len) override {
    return model_.read(addr, buf, len);
  }
  Status program(uint32_t addr, const uint8_t* data, size_t len) override {
    return model_.program(addr, data, len);
  }
  Status erase_page(uint32_t page) override { return model_.erase_page(page); }

 private:
  sim::FlashModel& model_;
};

// Deterministic "TRNG" for tests.
class SeededRng final : public hal::Rng {
 public:
  explicit SeededRng(uint64_t seed) : gen_(seed) {}
  Status fill(uint8_t* buf, size_t len) override {
    if (fail) return Status::Io;
    for (size_t i = 0; i < len; ++i) buf[i] = static_cast<uint8_t>(gen_());
    return Status::Ok;
  }
  bool fail = false;

 private:
  std::mt19937_64 gen_;
};

// A TRNG that fails without saying so: every fill() succeeds, and once `stuck` is set every
// byte is the same (a dead entropy source, or one an attacker holds still by glitching or
// cooling the part). Until then it is a SeededRng, so a key can be made while it works.
class StickingRng final : public hal::Rng {
 public:
  explicit StickingRng(uint64_t seed) : good_(seed) {}
  Status fill(uint8_t* buf, size_t len) override {
    if (!stuck) return good_.fill(buf, len);
    for (size_t i = 0; i < len; ++i) buf[i] = 0x5A;
    return Status::Ok;
  }
  bool stuck = false;

 private:
  SeededRng good_;
};

inline void check_mbedtls(int rc, const char* what) {
  if (rc != 0)
    throw std::runtime_error(std::string(what) + " failed: mbedTLS error " + std::to_string(rc));
}

// A CA key and the certificates it issues (ES256, DER).
class TestCa {
 public:
  explicit TestCa(uint64_t seed = 7) {
    mbedtls_hmac_drbg_init(&drbg_);
    mbedtls_pk_init(&key_);
    seed_ = seed;
    check_mbedtls(mbedtls_hmac_drbg_seed(&drbg_, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                                         &TestCa::entropy, &seed_, nullptr, 0),
                  "hmac_drbg_seed");
    check_mbedtls(mbedtls_pk_setup(&key_, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk_setup");
    check_mbedtls(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key_),
                                      mbedtls_hmac_drbg_random, &drbg_),
                  "ecp_gen_key");
  }
  ~TestCa() {
    mbedtls_pk_free(&key_);
    mbedtls_hmac_drbg_free(&drbg_);
  }
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // One CA shared by a test binary (key generation is slow under the sanitizers).
  static TestCa& instance() {
    static TestCa ca(7);
    return ca;
  }

  // A certificate for the P-256 point `public_key` (65 bytes, 04 || X || Y).
  std::vector<uint8_t> certify(const uint8_t* public_key, const std::string& subject,
                               int serial = 2) {
    mbedtls_pk_context subject_key;
    mbedtls_pk_init(&subject_key);
    mbedtls_x509write_cert crt;
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi sn;
    mbedtls_mpi_init(&sn);
    std::vector<uint8_t> der;
    try {
      check_mbedtls(mbedtls_pk_setup(&subject_key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)),
                    "pk_setup");
      mbedtls_ecp_keypair* ec = mbedtls_pk_ec(subject_key);
      check_mbedtls(mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1), "group_load");
      check_mbedtls(mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, public_key, 65), "read point");
      mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
      mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
      mbedtls_x509write_crt_set_subject_key(&crt, &subject_key);
      mbedtls_x509write_crt_set_issuer_key(&crt, &key_);
      check_mbedtls(mbedtls_x509write_crt_set_subject_name(&crt, subject.c_str()), "subject");
      check_mbedtls(mbedtls_x509write_crt_set_issuer_name(&crt, "CN=idr test CA,O=idr"), "issuer");
      check_mbedtls(mbedtls_mpi_lset(&sn, serial), "serial");
      check_mbedtls(mbedtls_x509write_crt_set_serial(&crt, &sn), "set serial");
      check_mbedtls(mbedtls_x509write_crt_set_validity(&crt, "20240101000000", "20440101000000"),
                    "validity");
      std::array<uint8_t, 2048> buf{};
      const int n =
          mbedtls_x509write_crt_der(&crt, buf.data(), buf.size(), mbedtls_hmac_drbg_random, &drbg_);
      if (n <= 0) throw std::runtime_error("x509write_crt_der failed: " + std::to_string(n));
      der.assign(buf.end() - n, buf.end());  // mbedTLS writes DER at the end of the buffer
    } catch (...) {
      mbedtls_mpi_free(&sn);
      mbedtls_x509write_crt_free(&crt);
      mbedtls_pk_free(&subject_key);
      throw;
    }
    mbedtls_mpi_free(&sn);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&subject_key);
    return der;
  }

  // ECDSA (r || s, 64 bytes) over a SHA-256 digest with the CA's key: what the manufacturer
  // CA's authorisation of a provisioning change is (extension.h Authorized).
  std::vector<uint8_t> sign_digest(const uint8_t* digest32) {
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    mbedtls_ecp_keypair* ec = mbedtls_pk_ec(key_);
    std::vector<uint8_t> out(64);
    int rc = mbedtls_ecdsa_sign(&ec->grp, &r, &s, &ec->d, digest32, 32, mbedtls_hmac_drbg_random,
                                &drbg_);
    if (rc == 0) rc = mbedtls_mpi_write_binary(&r, out.data(), 32);
    if (rc == 0) rc = mbedtls_mpi_write_binary(&s, out.data() + 32, 32);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    check_mbedtls(rc, "ecdsa_sign");
    return out;
  }

  // The CA's own public key, 65 bytes.
  std::vector<uint8_t> public_key() {
    std::vector<uint8_t> out(65);
    size_t olen = 0;
    mbedtls_ecp_keypair* ec = mbedtls_pk_ec(key_);
    check_mbedtls(mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                                 &olen, out.data(), out.size()),
                  "write point");
    return out;
  }

 private:
  static int entropy(void* ctx, unsigned char* out, size_t len) {
    auto* state = static_cast<uint64_t*>(ctx);
    std::mt19937_64 gen(*state);
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(gen());
    *state += 1;
    return 0;
  }

  uint64_t seed_ = 0;
  mbedtls_hmac_drbg_context drbg_;
  mbedtls_pk_context key_;
};

// The CBOR array of DER certificates that ProvisionCerts carries.
inline std::vector<uint8_t> chain_cbor(const std::vector<std::vector<uint8_t>>& certs) {
  std::vector<uint8_t> out(16 + [&] {
    size_t n = 0;
    for (const auto& c : certs) n += c.size() + 9;
    return n;
  }());
  cbor::Writer w(out.data(), out.size());
  w.array(certs.size());
  for (const auto& c : certs) w.bytes(c.data(), c.size());
  if (!w.ok()) throw std::runtime_error("chain_cbor: buffer too small");
  out.resize(w.size());
  return out;
}

// Power cuts at every write step (DESIGN 3 flash model), one way for every storage test:
// `prepare(model)` builds the state before the operation, `operation(model)` runs it (true
// when it completed). The operation runs once uncut to count its write steps, then once per
// step x {Before, During, After} with the cut armed, on a fresh model prepared the same way;
// `after_cut(model, step, phase)` then checks the flash with the power back on.
struct PowerCutCoverage {
  uint64_t steps = 0;             // write steps of the uncut operation (0: it failed uncut)
  int cuts = 0;                   // cut points checked
  int completed_despite_cut = 0;  // operations that reported success although cut
};

template <typename Prepare, typename Operation, typename AfterCut>
PowerCutCoverage for_each_power_cut(uint32_t page_size, uint32_t pages, Prepare prepare,
                                    Operation operation, AfterCut after_cut) {
  PowerCutCoverage c;
  {
    sim::FlashModel model(page_size, pages, 1);
    prepare(model);
    const uint64_t before = model.write_steps();
    if (!operation(model)) return c;
    c.steps = model.write_steps() - before;
  }
  for (uint64_t step = 1; step <= c.steps; ++step) {
    for (sim::CutPhase phase :
         {sim::CutPhase::Before, sim::CutPhase::During, sim::CutPhase::After}) {
      sim::FlashModel model(page_size, pages, 100 + step);
      prepare(model);
      model.arm_power_cut(model.write_steps() + step, phase);
      if (operation(model)) ++c.completed_despite_cut;
      if (!model.cut_happened()) continue;
      model.power_on();
      after_cut(model, step, phase);
      ++c.cuts;
    }
  }
  return c;
}

inline std::vector<uint8_t> from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::invalid_argument("from_hex: odd length");
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

}  // namespace idr::testing
