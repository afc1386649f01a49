// The key store (firmware/crypto/key_store.h) over the hw-sim flash model: provisioning,
// signing, the certificate chain, and a power cut at every provisioning write step.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "idr/crypto/key_store.h"
#include "idr/crypto/p256.h"
#include "idr/testing/crypto_rig.h"

using idr::Status;
using idr::crypto::KeyStore;
using idr::sim::CutPhase;
using idr::sim::FlashModel;
using idr::testing::ModelFlash;
using idr::testing::SeededRng;

namespace {
constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kPages = 4;
constexpr uint32_t kKeyPage = 2;
constexpr uint32_t kChainPage = 3;

std::vector<uint8_t> pub_of(const KeyStore& k) {
  return std::vector<uint8_t>(k.public_key(), k.public_key() + 65);
}

void check_signs(KeyStore& keys, SeededRng& rng) {
  uint8_t digest[32];
  const uint8_t msg[] = "signed read";
  const idr::crypto::ByteView part{msg, sizeof(msg)};
  REQUIRE(idr::crypto::sha256(&part, 1, digest) == Status::Ok);
  uint8_t sig[64];
  REQUIRE(keys.sign(digest, rng, sig) == Status::Ok);
  CHECK(idr::crypto::verify_digest(keys.public_key(), digest, sig) == Status::Ok);
}

bool flash_contains(const FlashModel& model, const uint8_t* bytes, size_t len) {
  const auto& mem = model.contents();
  for (size_t i = 0; i + len <= mem.size(); ++i)
    if (std::memcmp(mem.data() + i, bytes, len) == 0) return true;
  return false;
}
}  // namespace

TEST_CASE("key store: provisioning generates one key, keeps it, and signs with it") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  SeededRng rng(42);
  KeyStore keys(flash, kKeyPage, kChainPage);
  REQUIRE(keys.load() == Status::Ok);
  CHECK_FALSE(keys.has_key());
  uint8_t digest[32] = {};
  uint8_t sig[64];
  CHECK(keys.sign(digest, rng, sig) == Status::NoSuchContent);
  REQUIRE(keys.provision(rng) == Status::Ok);
  REQUIRE(keys.has_key());
  const auto pub = pub_of(keys);
  CHECK(pub[0] == 0x04);
  check_signs(keys, rng);
  REQUIRE(keys.provision(rng) == Status::Ok);  // idempotent: same key
  CHECK(pub_of(keys) == pub);

  KeyStore reloaded(flash, kKeyPage, kChainPage);
  REQUIRE(reloaded.load() == Status::Ok);
  REQUIRE(reloaded.has_key());
  CHECK(pub_of(reloaded) == pub);
  check_signs(reloaded, rng);
  REQUIRE(reloaded.provision(rng) == Status::Ok);
  CHECK(pub_of(reloaded) == pub);
  CHECK(model.write_steps() == 1);  // one program on a blank chip; no rewrite afterwards
}

TEST_CASE("key store: the certificate chain is checked against our key and kept") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  SeededRng rng(43);
  KeyStore keys(flash, kKeyPage, kChainPage);
  REQUIRE(keys.load() == Status::Ok);
  idr::testing::TestCa ca;
  const auto ca_pub = ca.public_key();
  const auto ca_cert = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);
  {
    uint8_t other[65];
    uint8_t priv[32];
    REQUIRE(idr::crypto::generate_key(rng, priv, other) == Status::Ok);
    const auto chain = idr::testing::chain_cbor({ca.certify(other, "CN=other")});
    CHECK(keys.store_chain({chain.data(), chain.size()}) == Status::NoSuchContent);
  }
  REQUIRE(keys.provision(rng) == Status::Ok);
  const auto device_cert = ca.certify(keys.public_key(), "CN=IDR-DEVICE,O=idr");
  const auto chain = idr::testing::chain_cbor({device_cert, ca_cert});
  INFO("chain size " << chain.size());
  REQUIRE(chain.size() <= KeyStore::kMaxChainSize);

  // Someone else's certificate first: refused.
  const auto wrong = idr::testing::chain_cbor({ca_cert, device_cert});
  CHECK(keys.store_chain({wrong.data(), wrong.size()}) == Status::DataCheckFailed);
  // Malformed: not an array, trailing bytes, truncated, empty.
  auto trailing = chain;
  trailing.push_back(0x00);
  CHECK(keys.store_chain({trailing.data(), trailing.size()}) == Status::InvalidArgument);
  CHECK(keys.store_chain({chain.data(), chain.size() - 1}) == Status::InvalidArgument);
  CHECK(keys.store_chain({chain.data() + 1, chain.size() - 1}) == Status::InvalidArgument);
  const uint8_t empty_array[] = {0x80};
  CHECK(keys.store_chain({empty_array, 1}) == Status::InvalidArgument);
  CHECK(keys.chain_size() == 0);

  REQUIRE(keys.store_chain({chain.data(), chain.size()}) == Status::Ok);
  CHECK(keys.chain_size() == chain.size());
  KeyStore reloaded(flash, kKeyPage, kChainPage);
  REQUIRE(reloaded.load() == Status::Ok);
  REQUIRE(reloaded.chain_size() == chain.size());
  std::vector<uint8_t> back(chain.size());
  REQUIRE(reloaded.read_chain(back.data(), back.size()) == Status::Ok);
  CHECK(back == chain);
  CHECK(reloaded.read_chain(back.data(), back.size() - 1) == Status::BufferTooSmall);

  // A torn chain write (header corrupted) reads as "no chain", the key stays.
  const uint8_t zero = 0x00;
  REQUIRE(model.program(kChainPage * kPageSize + 9, &zero, 1) == Status::Ok);
  KeyStore torn(flash, kKeyPage, kChainPage);
  REQUIRE(torn.load() == Status::Ok);
  CHECK(torn.has_key());
  CHECK(torn.chain_size() == 0);
}

// Issue 4 acceptance 3 (key part): a power cut at every write step of provisioning (and of
// storing the chain). A torn key record reads as "no key" and provisioning can be repeated;
// afterwards exactly one key is valid and it signs.
TEST_CASE("key store: after a power cut at any provisioning write step the reader still signs") {
  idr::testing::TestCa ca;
  // A dirty start (an earlier torn attempt left bits in both pages) makes provisioning erase
  // first, so the run has erase and program steps.
  auto dirty = [](FlashModel& model) {
    const uint8_t junk[4] = {0x00, 0x11, 0x22, 0x33};
    REQUIRE(model.program(kKeyPage * kPageSize + 50, junk, 4) == Status::Ok);
    REQUIRE(model.program(kChainPage * kPageSize + 3, junk, 4) == Status::Ok);
  };
  auto run = [&](FlashModel& model, ModelFlash& flash, SeededRng& rng) -> Status {
    KeyStore keys(flash, kKeyPage, kChainPage);
    Status s = keys.load();
    if (s == Status::Ok) s = keys.provision(rng);
    if (s != Status::Ok) return s;
    const auto chain = idr::testing::chain_cbor({ca.certify(keys.public_key(), "CN=IDR-X")});
    (void)model;
    return keys.store_chain({chain.data(), chain.size()});
  };
  uint64_t total_steps = 0;
  {
    FlashModel model(kPageSize, kPages, 3);
    dirty(model);
    const uint64_t before = model.write_steps();
    ModelFlash flash(model);
    SeededRng rng(1);
    REQUIRE(run(model, flash, rng) == Status::Ok);
    total_steps = model.write_steps() - before;
  }
  REQUIRE(total_steps == 6);  // erase chain, erase key, program key, erase chain, data, header

  int cut_points = 0;
  for (uint64_t step = 1; step <= total_steps; ++step) {
    for (CutPhase phase : {CutPhase::Before, CutPhase::During, CutPhase::After}) {
      INFO("cut at provisioning write step " << step << " phase " << static_cast<int>(phase));
      FlashModel model(kPageSize, kPages, 200 + step);
      dirty(model);
      model.arm_power_cut(model.write_steps() + step, phase);
      ModelFlash flash(model);
      SeededRng rng(1000 + step);
      CHECK(run(model, flash, rng) != Status::Ok);
      REQUIRE(model.cut_happened());
      ++cut_points;
      model.power_on();

      KeyStore after_cut(flash, kKeyPage, kChainPage);
      REQUIRE(after_cut.load() == Status::Ok);
      const bool had_key = after_cut.has_key();
      const auto key_after_cut = pub_of(after_cut);
      // Provisioning is repeated (the host retries): one key, it signs, it is the stored one.
      REQUIRE(after_cut.provision(rng) == Status::Ok);
      if (had_key) CHECK(pub_of(after_cut) == key_after_cut);
      check_signs(after_cut, rng);
      const auto chain = idr::testing::chain_cbor({ca.certify(after_cut.public_key(), "CN=IDR-Y")});
      REQUIRE(after_cut.store_chain({chain.data(), chain.size()}) == Status::Ok);
      KeyStore reloaded(flash, kKeyPage, kChainPage);
      REQUIRE(reloaded.load() == Status::Ok);
      REQUIRE(reloaded.has_key());
      CHECK(pub_of(reloaded) == pub_of(after_cut));
      CHECK(reloaded.chain_size() == chain.size());
      check_signs(reloaded, rng);
    }
  }
  WARN("key store power cuts covered: " << cut_points << " (" << total_steps
                                        << " provisioning write steps x before/during/after)");
  CHECK(cut_points == static_cast<int>(3 * total_steps));
}

TEST_CASE("key store: the private key is not left in the chain page or anywhere but its record") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  SeededRng rng(44);
  KeyStore keys(flash, kKeyPage, kChainPage);
  REQUIRE(keys.load() == Status::Ok);
  REQUIRE(keys.provision(rng) == Status::Ok);
  // The private key lives at offset 8 of the key record; it appears exactly there.
  const uint8_t* priv = model.contents().data() + kKeyPage * kPageSize + 8;
  std::vector<uint8_t> copy(priv, priv + 32);
  CHECK(flash_contains(model, copy.data(), copy.size()));
  size_t hits = 0;
  const auto& mem = model.contents();
  for (size_t i = 0; i + 32 <= mem.size(); ++i)
    if (std::memcmp(mem.data() + i, copy.data(), 32) == 0) ++hits;
  CHECK(hits == 1);
  // The public key is derived from exactly that scalar (so it is the key, not a copy of junk).
  uint8_t scalar[32];
  std::memcpy(scalar, priv, 32);
  uint8_t derived[65];
  REQUIRE(idr::crypto::public_key_of(scalar, derived) == Status::Ok);
  CHECK(std::memcmp(derived, keys.public_key(), 65) == 0);
}
