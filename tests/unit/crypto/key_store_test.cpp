// The key store (firmware/crypto/key_store.h) over the hw-sim flash model: provisioning,
// signing, the certificate chain, the provisioning states (DESIGN 11: a damaged record is a
// fault, never "no key"), and a power cut at every write step of provisioning, of a new key
// with its chain and of a chain rewrite.
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
constexpr uint32_t kKeyPage = 2;    // slot A: the first key and chain go here
constexpr uint32_t kChainPage = 3;  // slot B

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
  CHECK(model.write_steps() == 2);  // record + confirm on a blank chip; no rewrite afterwards
  CHECK(reloaded.state() == KeyStore::State::Keyed);
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
    CHECK(keys.store_chain({chain.data(), chain.size()}, false) == Status::NoSuchContent);
  }
  REQUIRE(keys.provision(rng) == Status::Ok);
  const auto device_cert = ca.certify(keys.public_key(), "CN=IDR-DEVICE,O=idr");
  const auto chain = idr::testing::chain_cbor({device_cert, ca_cert});
  INFO("chain size " << chain.size());
  REQUIRE(chain.size() <= KeyStore::kMaxChainSize);

  // Someone else's certificate first: refused.
  const auto wrong = idr::testing::chain_cbor({ca_cert, device_cert});
  CHECK(keys.store_chain({wrong.data(), wrong.size()}, false) == Status::DataCheckFailed);
  // Malformed: not an array, trailing bytes, truncated, empty.
  auto trailing = chain;
  trailing.push_back(0x00);
  CHECK(keys.store_chain({trailing.data(), trailing.size()}, false) == Status::InvalidArgument);
  CHECK(keys.store_chain({chain.data(), chain.size() - 1}, false) == Status::InvalidArgument);
  CHECK(keys.store_chain({chain.data() + 1, chain.size() - 1}, false) == Status::InvalidArgument);
  const uint8_t empty_array[] = {0x80};
  CHECK(keys.store_chain({empty_array, 1}, false) == Status::InvalidArgument);
  // One certificate names no CA that could authorise a later change: refused.
  const auto alone = idr::testing::chain_cbor({device_cert});
  CHECK(keys.store_chain({alone.data(), alone.size()}, false) == Status::InvalidArgument);
  CHECK(keys.chain_size() == 0);
  CHECK(keys.state() == KeyStore::State::Keyed);

  REQUIRE(keys.store_chain({chain.data(), chain.size()}, false) == Status::Ok);
  CHECK(keys.state() == KeyStore::State::Provisioned);
  CHECK(std::vector<uint8_t>(keys.authority_key(), keys.authority_key() + 65) == ca_pub);
  // Provisioned: the key and the chain change only when authorised.
  CHECK(keys.provision(rng) == Status::Unauthorized);
  CHECK(keys.store_chain({chain.data(), chain.size()}, false) == Status::Unauthorized);
  CHECK(keys.chain_size() == chain.size());
  KeyStore reloaded(flash, kKeyPage, kChainPage);
  REQUIRE(reloaded.load() == Status::Ok);
  REQUIRE(reloaded.chain_size() == chain.size());
  std::vector<uint8_t> back(chain.size());
  REQUIRE(reloaded.read_chain(back.data(), back.size()) == Status::Ok);
  CHECK(back == chain);
  CHECK(reloaded.read_chain(back.data(), back.size() - 1) == Status::BufferTooSmall);

  // A committed chain damaged afterwards (commit record bits cleared: its magic) is a fault.
  const uint8_t zero = 0x00;
  REQUIRE(model.program(kKeyPage * kPageSize + KeyStore::kCommitAt, &zero, 1) == Status::Ok);
  KeyStore damaged(flash, kKeyPage, kChainPage);
  REQUIRE(damaged.load() == Status::Ok);
  CHECK(damaged.state() == KeyStore::State::Fault);
  CHECK_FALSE(damaged.has_key());
  CHECK(damaged.chain_size() == 0);
}

// Power-cut safety of the key store (DESIGN 11): a power cut at every write step of provisioning
// (and of storing the chain). A torn key record reads as "no key" and provisioning can be repeated;
// afterwards exactly one key is valid and it signs.
TEST_CASE("key store: after a power cut at any provisioning write step the reader still signs") {
  idr::testing::TestCa ca;
  const auto ca_pub = ca.public_key();
  const auto ca_cert = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);
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
    const auto chain =
        idr::testing::chain_cbor({ca.certify(keys.public_key(), "CN=IDR-X"), ca_cert});
    (void)model;
    return keys.store_chain({chain.data(), chain.size()}, false);
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
  // erase slot B, erase slot A, key record, key confirm, chain, commit record, commit confirm
  REQUIRE(total_steps == 7);

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
      // Torn before anything was confirmed (or after): never a fault, never a second key.
      REQUIRE(after_cut.state() != KeyStore::State::Fault);
      const bool had_key = after_cut.has_key();
      const auto key_after_cut = pub_of(after_cut);
      // Provisioning is repeated (the host retries) unless the commit already went through:
      // one key, it signs, it is the stored one.
      if (after_cut.state() != KeyStore::State::Provisioned) {
        REQUIRE(after_cut.provision(rng) == Status::Ok);
        if (had_key) CHECK(pub_of(after_cut) == key_after_cut);
        check_signs(after_cut, rng);
        const auto chain =
            idr::testing::chain_cbor({ca.certify(after_cut.public_key(), "CN=IDR-Y"), ca_cert});
        REQUIRE(after_cut.store_chain({chain.data(), chain.size()}, false) == Status::Ok);
      }
      KeyStore reloaded(flash, kKeyPage, kChainPage);
      REQUIRE(reloaded.load() == Status::Ok);
      REQUIRE(reloaded.state() == KeyStore::State::Provisioned);
      CHECK(pub_of(reloaded) == pub_of(after_cut));
      CHECK(reloaded.chain_size() == after_cut.chain_size());
      if (had_key) CHECK(pub_of(reloaded) == key_after_cut);
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

namespace {

// A provisioned store: key generated with `seed`, chain [device cert, CA cert].
struct Provisioned {
  std::vector<uint8_t> pub;
  std::vector<uint8_t> chain;
};

std::vector<uint8_t> chain_of(const KeyStore& keys, idr::testing::TestCa& ca, bool pending,
                              const std::string& subject = "CN=IDR-DEVICE,O=idr") {
  const uint8_t* pub = pending ? keys.pending_public_key() : keys.public_key();
  const auto ca_pub = ca.public_key();
  return idr::testing::chain_cbor(
      {ca.certify(pub, subject), ca.certify(ca_pub.data(), "CN=idr test CA", 1)});
}

Provisioned provision_store(FlashModel& model, idr::testing::TestCa& ca, uint64_t seed) {
  ModelFlash flash(model);
  SeededRng rng(seed);
  KeyStore keys(flash, kKeyPage, kChainPage);
  REQUIRE(keys.load() == Status::Ok);
  REQUIRE(keys.provision(rng) == Status::Ok);
  Provisioned p{pub_of(keys), chain_of(keys, ca, false)};
  REQUIRE(keys.store_chain({p.chain.data(), p.chain.size()}, false) == Status::Ok);
  REQUIRE(keys.state() == KeyStore::State::Provisioned);
  return p;
}

std::vector<uint8_t> stored_chain(KeyStore& keys) {
  std::vector<uint8_t> c(keys.chain_size());
  REQUIRE(keys.read_chain(c.data(), c.size()) == Status::Ok);
  return c;
}

}  // namespace

TEST_CASE("key store: a damaged key record is a fault, never 'unprovisioned'") {
  idr::testing::TestCa ca;
  const bool with_chain = GENERATE(false, true);
  // Where the damage is: inside the private key, the public key, the CRC.
  const uint32_t offset = GENERATE(9u, 60u, 109u);
  INFO("chain committed " << with_chain << ", damaged byte " << offset);
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  SeededRng rng(45);
  if (with_chain) {
    (void)provision_store(model, ca, 45);
  } else {
    KeyStore keys(flash, kKeyPage, kChainPage);
    REQUIRE(keys.load() == Status::Ok);
    REQUIRE(keys.provision(rng) == Status::Ok);
  }
  // Bit rot / a glitch: NOR can only clear bits without an erase. Clear one that is set.
  uint8_t byte = 0;
  REQUIRE(model.read(kKeyPage * kPageSize + offset, &byte, 1) == Status::Ok);
  REQUIRE(byte != 0);
  const uint8_t cleared = static_cast<uint8_t>(byte & (byte - 1));
  REQUIRE(model.program(kKeyPage * kPageSize + offset, &cleared, 1) == Status::Ok);

  KeyStore keys(flash, kKeyPage, kChainPage);
  REQUIRE(keys.load() == Status::Ok);
  CHECK(keys.state() == KeyStore::State::Fault);
  CHECK_FALSE(keys.has_key());
  uint8_t digest[32] = {};
  uint8_t sig[64];
  CHECK(keys.sign(digest, rng, sig) == Status::StorageFault);
  const auto steps = model.write_steps();
  CHECK(keys.provision(rng) == Status::StorageFault);  // no silent new identity
  idr::crypto::P256Group group;
  CHECK(keys.rekey(group, rng) == Status::StorageFault);
  uint8_t other[65];
  uint8_t priv[32];
  REQUIRE(idr::crypto::generate_key(rng, priv, other) == Status::Ok);
  const auto ca_pub = ca.public_key();
  const auto chain = idr::testing::chain_cbor(
      {ca.certify(other, "CN=other"), ca.certify(ca_pub.data(), "CN=idr test CA", 1)});
  CHECK(keys.store_chain({chain.data(), chain.size()}, false) == Status::StorageFault);
  CHECK(keys.store_chain({chain.data(), chain.size()}, true) == Status::StorageFault);
  CHECK(model.write_steps() == steps);  // nothing written
}

TEST_CASE("key store: a new key signs nothing until its chain commits, the old one until then") {
  idr::testing::TestCa ca;
  FlashModel model(kPageSize, kPages);
  const Provisioned old = provision_store(model, ca, 46);
  ModelFlash flash(model);
  SeededRng rng(47);
  KeyStore keys(flash, kKeyPage, kChainPage);
  REQUIRE(keys.load() == Status::Ok);
  idr::crypto::P256Group group;
  REQUIRE(keys.rekey(group, rng) == Status::Ok);
  REQUIRE(keys.has_pending_key());
  const std::vector<uint8_t> fresh(keys.pending_public_key(), keys.pending_public_key() + 65);
  CHECK(fresh != old.pub);
  CHECK(pub_of(keys) == old.pub);  // the identity is still the old key
  check_signs(keys, rng);
  // A chain for a third key: refused; for the new key but unauthorised: refused.
  uint8_t other[65];
  uint8_t priv[32];
  REQUIRE(idr::crypto::generate_key(rng, priv, other) == Status::Ok);
  const auto ca_pub = ca.public_key();
  const auto third = idr::testing::chain_cbor(
      {ca.certify(other, "CN=other"), ca.certify(ca_pub.data(), "CN=idr test CA", 1)});
  CHECK(keys.store_chain({third.data(), third.size()}, true) == Status::DataCheckFailed);
  const auto chain = chain_of(keys, ca, true);
  CHECK(keys.store_chain({chain.data(), chain.size()}, false) == Status::Unauthorized);
  // A restart keeps the pending key and the old identity.
  KeyStore restarted(flash, kKeyPage, kChainPage);
  REQUIRE(restarted.load() == Status::Ok);
  CHECK(pub_of(restarted) == old.pub);
  REQUIRE(restarted.has_pending_key());
  CHECK(std::vector<uint8_t>(restarted.pending_public_key(), restarted.pending_public_key() + 65) ==
        fresh);
  REQUIRE(restarted.store_chain({chain.data(), chain.size()}, true) == Status::Ok);
  CHECK(pub_of(restarted) == fresh);
  CHECK(stored_chain(restarted) == chain);
  CHECK_FALSE(restarted.has_pending_key());
  check_signs(restarted, rng);
  // The old key is gone from the flash (its slot erased after the commit).
  const auto& mem = model.contents();
  size_t old_hits = 0;
  for (size_t i = 0; i + 65 <= mem.size(); ++i)
    if (std::memcmp(mem.data() + i, old.pub.data(), 65) == 0) ++old_hits;
  CHECK(old_hits == 0);
}

// DESIGN 11: a power cut at every write step of re-provisioning (a new key, then its chain)
// and of a chain rewrite for the same key leaves either the old or the new complete identity,
// and the host's retry then completes it.
TEST_CASE("key store: a power cut at every re-provisioning write step leaves old or new") {
  idr::testing::TestCa ca;
  const bool new_key = GENERATE(true, false);
  INFO((new_key ? "new key + chain" : "new chain for the same key"));
  Provisioned before;
  std::vector<uint8_t> after_pub, after_chain;
  auto prepare = [&](FlashModel& model) { before = provision_store(model, ca, 48); };
  // `seed` fixes the new key: the same in every cut run; the host's retry gets another.
  auto change = [&](FlashModel& model, uint64_t seed) {
    ModelFlash flash(model);
    SeededRng rng(seed);
    KeyStore keys(flash, kKeyPage, kChainPage);
    if (keys.load() != Status::Ok || keys.state() != KeyStore::State::Provisioned) return false;
    idr::crypto::P256Group group;
    if (new_key && keys.rekey(group, rng) != Status::Ok) return false;
    // (Certificates are deterministic: another subject makes the rewritten chain differ.)
    const auto chain = chain_of(keys, ca, new_key, "CN=IDR-REWRITTEN,O=idr");
    if (keys.store_chain({chain.data(), chain.size()}, true) != Status::Ok) return false;
    after_pub = pub_of(keys);
    after_chain = chain;
    return true;
  };
  auto operation = [&](FlashModel& model) { return change(model, 49); };
  int old_seen = 0, new_seen = 0;
  auto after_cut = [&](FlashModel& model, uint64_t step, CutPhase phase) {
    INFO("cut at write step " << step << " phase " << static_cast<int>(phase));
    ModelFlash flash(model);
    SeededRng rng(50);
    KeyStore keys(flash, kKeyPage, kChainPage);
    REQUIRE(keys.load() == Status::Ok);
    REQUIRE(keys.state() == KeyStore::State::Provisioned);
    const auto pub = pub_of(keys);
    const auto chain = stored_chain(keys);
    const bool is_old = pub == before.pub && chain == before.chain;
    // The new identity: another key (new_key) or the old key, with the rewritten chain.
    const bool is_new =
        !is_old && (new_key ? pub != before.pub : pub == before.pub) && chain != before.chain;
    CHECK((is_old || is_new));
    old_seen += is_old ? 1 : 0;
    new_seen += is_new ? 1 : 0;
    check_signs(keys, rng);
    // The host retries the whole change: it completes.
    REQUIRE(change(model, 51));
    KeyStore done(flash, kKeyPage, kChainPage);
    REQUIRE(done.load() == Status::Ok);
    CHECK(pub_of(done) == after_pub);
    CHECK(stored_chain(done) == after_chain);
    check_signs(done, rng);
  };
  const auto coverage =
      idr::testing::for_each_power_cut(kPageSize, kPages, prepare, operation, after_cut);
  // new key: key record + confirm (rekey; slot B is blank), chain + commit + confirm + erase
  // of the old slot; same key: copied key record + confirm, then the same four.
  CHECK(coverage.steps == 6);
  CHECK(coverage.cuts == static_cast<int>(3 * coverage.steps));
  CHECK(coverage.completed_despite_cut == 0);
  CHECK(old_seen > 0);
  CHECK(new_seen > 0);
  WARN("re-provisioning power cuts ("
       << (new_key ? "new key" : "same key") << "): " << coverage.cuts << " over " << coverage.steps
       << " write steps; old identity after " << old_seen << ", new after " << new_seen);
}
