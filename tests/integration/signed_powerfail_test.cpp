// Power-cut safety (DESIGN 11) through the whole command path: a power cut before, during or after
// EVERY flash write step of provisioning (key, chain) and of signed reads (counter journal,
// including a page swap). After each cut the firmware's signing state restarts from flash;
// every counter emitted afterwards is strictly greater than every counter emitted before,
// and the reader still signs records that verify. Also: the worst-case READ_SIGNED reply
// (largest layout, photo, fingerprint, four addresses, largest chain) fits the host link.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "idr/core/hostlink/extension_commands.h"
#include "idr/core/id_card_reader.h"
#include "idr/crypto/reader_identity.h"
#include "idr/proto/extension.h"
#include "idr/proto/hostlink.h"
#include "idr/testing/crypto_rig.h"
#include "signed_record.h"

using namespace idr;
using namespace idr::testing;

namespace {

// A found card of the 'Y' layout (the most text fields) with fingerprint and 4 addresses.
class FakeCard final : public core::IdCardReader {
 public:
  FakeCard() {
    for (size_t i = 0; i < card::kTextSize; i += 2) {
      text_[i] = static_cast<uint8_t>('A' + (i / 2) % 26);
      text_[i + 1] = 0;
    }
    text_[card::kCardTypeOffset] = 'Y';
    text_[card::kCardTypeOffset + 1] = 0;
  }
  Status init() override { return Status::Ok; }
  Status sam_reset() override { return Status::Ok; }
  Status sam_self_test() override { return Status::Ok; }
  Status sam_id(uint8_t (&id)[16]) override {
    for (uint8_t i = 0; i < 16; ++i) id[i] = i;
    return Status::Ok;
  }
  Status find_card() override { return Status::Ok; }
  Status select_card(uint8_t (&uid)[card::kUidSize]) override {
    for (uint8_t i = 0; i < card::kUidSize; ++i) uid[i] = static_cast<uint8_t>(0xA0 + i);
    return Status::Ok;
  }
  Status read_base(uint8_t* text, uint8_t* photo) override {
    std::memcpy(text, text_, card::kTextSize);
    for (size_t i = 0; i < card::kPhotoSize; ++i) photo[i] = static_cast<uint8_t>(i * 7);
    return Status::Ok;
  }
  Status read_fingerprint(uint8_t* fp, size_t& fp_len) override {
    for (size_t i = 0; i < card::kFingerprintSize; ++i) fp[i] = static_cast<uint8_t>(i * 13);
    fp_len = card::kFingerprintSize;
    return Status::Ok;
  }
  Status read_addresses(uint8_t* buf, size_t& len) override {
    for (size_t i = 0; i < card::kAddressFileSize; ++i) buf[i] = static_cast<uint8_t>(i);
    len = card::kAddressFileSize;
    return Status::Ok;
  }
  bool issuer_macs_rejected() const override { return false; }  // every read above is Ok
  void field_off() override {}

 private:
  uint8_t text_[card::kTextSize] = {};
};

struct Firmware {
  Firmware(hal::Flash& flash, hal::Rng& rng, core::IdCardReader& card, hal::Clock& clock)
      : identity(flash, rng), commands(card, identity, clock) {
    (void)identity.load();  // may fail while power is off; commands reload on demand
  }
  crypto::ReaderIdentity identity;
  core::ExtensionCommands commands;

  // (sw3, data) of one extension command.
  std::pair<uint8_t, Bytes> call(ext::Op op, const Bytes& data) {
    const hostlink::Request req{ext::kCmd, static_cast<uint8_t>(op), data.data(), data.size()};
    Bytes out(hostlink::kMaxReplyFrame);
    const size_t n = commands.handle_extension(req, out.data(), out.size());
    REQUIRE(n >= hostlink::kStatusReplySize);
    last_frame = n;
    return {out[hostlink::kReplyDataOffset - 1],
            Bytes(out.begin() + hostlink::kReplyDataOffset,
                  out.begin() + static_cast<std::ptrdiff_t>(n - hostlink::kChkSize))};
  }
  size_t last_frame = 0;
};

class StillClock final : public hal::Clock {
 public:
  uint64_t now_us() override { return t_ += 1000; }
  void delay_us(uint32_t us) override { t_ += us; }

 private:
  uint64_t t_ = 0;
};

Bytes read_request(uint8_t seed, uint8_t fields) {
  Bytes d(17);
  for (size_t i = 0; i < 16; ++i) d[i] = static_cast<uint8_t>(seed + i);
  d[16] = fields;
  return d;
}

// Chain of exactly `size` bytes: device cert, a filler byte string, CA cert (the reader
// parses the first and the last: the device key and the authority).
Bytes chain_of_size(TestCa& ca, const uint8_t* pub, size_t size) {
  const Bytes ca_pub = ca.public_key();
  const Bytes dev = ca.certify(pub, "CN=IDR-WORST,O=idr");
  const Bytes root = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);
  const size_t used = 1 + 3 + dev.size() + 3 + root.size();  // both certs are 256..65535 B
  REQUIRE(size > used + 3);
  const Bytes filler(size - used - 3, 0x5A);
  Bytes c = chain_cbor({dev, filler, root});
  REQUIRE(c.size() == size);
  return c;
}

}  // namespace

TEST_CASE("signed read: the worst-case reply fits the host link's largest frame") {
  sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  SeededRng rng(8);
  FakeCard card;
  StillClock clock;
  Firmware fw(flash, rng, card, clock);
  const auto key = fw.call(ext::Op::ProvisionKey, Bytes(16, 1));
  REQUIRE(key.first == hostlink::sw3::kOk);
  const Bytes pub(key.second.begin(), key.second.begin() + 65);
  const Bytes chain =
      chain_of_size(TestCa::instance(), pub.data(), crypto::KeyStore::kMaxChainSize);
  REQUIRE(fw.call(ext::Op::ProvisionCerts, chain).first == hostlink::sw3::kOk);
  const auto r = fw.call(ext::Op::ReadSigned, read_request(1, 0x0F));
  REQUIRE(r.first == hostlink::sw3::kOk);
  CHECK(fw.last_frame <= hostlink::kMaxReplyFrame);
  WARN("worst-case READ_SIGNED reply: " << fw.last_frame << " of " << hostlink::kMaxReplyFrame
                                        << " bytes (11 'Y' fields + photo + fingerprint 1024 + 4 "
                                           "addresses + 2048-byte chain)");
  const SignedRecord rec = parse_signed_reply(r.second);
  CHECK(rec.disclosures.size() == 11 + 2 + 4);
  CHECK(verify(rec, pub).all_ok());
  CHECK(decode(rec.payload).at("type").uint == 'Y');
}

TEST_CASE("signed read: a power cut at every write step never repeats a counter") {
  constexpr uint32_t kPageSize = 4096;
  constexpr uint32_t kPages = 8;
  constexpr int kReads = 4;
  const crypto::FlashLayout layout = crypto::FlashLayout::top(kPages);
  // The journal's page A is two records short of full, so the reads swap pages.
  auto prepare = [&](sim::FlashModel& model) {
    constexpr uint32_t slots = kPageSize / crypto::CounterStore::kRecordSize;
    for (uint32_t i = 0; i + 2 < slots; ++i) {
      uint8_t rec[crypto::CounterStore::kRecordSize];
      crypto::CounterStore::encode(i + 1, rec);
      REQUIRE(model.program(layout.counter_a * kPageSize + i * 16, rec, sizeof(rec)) == Status::Ok);
    }
  };
  TestCa& ca = TestCa::instance();
  const Bytes ca_pub = ca.public_key();
  const Bytes ca_cert = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);

  // One full run: provision, store the chain, kReads signed reads. Returns false when the
  // power went away (the caller restarts); counters emitted go to `emitted`.
  auto run = [&](Firmware& fw, std::vector<uint64_t>& emitted, Bytes& pub) -> bool {
    const auto key = fw.call(ext::Op::ProvisionKey, Bytes(16, 2));
    if (key.first == hostlink::sw3::kUnauthorized) {
      // The cut came after the chain's commit: provisioned, nothing to repeat.
      const auto info = fw.call(ext::Op::DeviceInfo, {});
      if (info.first != hostlink::sw3::kOk) return false;
      pub = decode(info.second).at("pubkey").bytes;
    } else {
      if (key.first != hostlink::sw3::kOk) return false;
      pub.assign(key.second.begin(), key.second.begin() + 65);
      const Bytes chain = chain_cbor({ca.certify(pub.data(), "CN=IDR-PF"), ca_cert});
      if (fw.call(ext::Op::ProvisionCerts, chain).first != hostlink::sw3::kOk) return false;
    }
    for (int i = 0; i < kReads; ++i) {
      const auto r = fw.call(ext::Op::ReadSigned, read_request(static_cast<uint8_t>(i), 0x01));
      if (r.first != hostlink::sw3::kOk) return false;
      const SignedRecord rec = parse_signed_reply(r.second);
      CHECK(verify(rec, pub).all_ok());
      emitted.push_back(decode(rec.payload).at("ctr").uint);
    }
    return true;
  };

  uint64_t total_steps = 0;
  {
    sim::FlashModel model(kPageSize, kPages, 5);
    prepare(model);
    const uint64_t before = model.write_steps();
    ModelFlash flash(model);
    SeededRng rng(1);
    FakeCard card;
    StillClock clock;
    Firmware fw(flash, rng, card, clock);
    std::vector<uint64_t> emitted;
    Bytes pub;
    REQUIRE(run(fw, emitted, pub));
    total_steps = model.write_steps() - before;
    CHECK(emitted == std::vector<uint64_t>({255, 256, 257, 258}));
  }
  // key record, key confirm; chain, commit record, commit confirm; 4 counter records + 1
  // page erase.
  REQUIRE(total_steps == 10);

  int cut_points = 0;
  for (uint64_t step = 1; step <= total_steps; ++step) {
    for (sim::CutPhase phase :
         {sim::CutPhase::Before, sim::CutPhase::During, sim::CutPhase::After}) {
      INFO("cut at write step " << step << " phase " << static_cast<int>(phase));
      sim::FlashModel model(kPageSize, kPages, 300 + step);
      prepare(model);
      model.arm_power_cut(model.write_steps() + step, phase);
      ModelFlash flash(model);
      SeededRng rng(2000 + step);
      FakeCard card;
      StillClock clock;
      std::vector<uint64_t> emitted;
      Bytes pub;
      {
        Firmware fw(flash, rng, card, clock);
        CHECK_FALSE(run(fw, emitted, pub));
      }
      REQUIRE(model.cut_happened());
      ++cut_points;
      const uint64_t max_before = emitted.empty() ? 254 : emitted.back();
      model.power_on();
      Firmware restarted(flash, rng, card, clock);  // RAM gone: everything from flash
      std::vector<uint64_t> after;
      Bytes pub_after;
      REQUIRE(run(restarted, after, pub_after));
      REQUIRE(after.size() == static_cast<size_t>(kReads));
      CHECK(after.front() > max_before);
      for (size_t i = 1; i < after.size(); ++i) CHECK(after[i] > after[i - 1]);
      if (!pub.empty()) CHECK(pub_after == pub);  // a key once returned is the key
      const auto st = restarted.call(ext::Op::SelfTest, {});
      CHECK(st.first == hostlink::sw3::kOk);
    }
  }
  WARN("signed-read power cuts covered: " << cut_points << " (" << total_steps
                                          << " write steps of provisioning + " << kReads
                                          << " signed reads incl. a journal page swap, x "
                                             "before/during/after)");
  CHECK(cut_points == static_cast<int>(3 * total_steps));
}

TEST_CASE("signed read: a power cut discards the precomputed nonces and no r is used twice") {
  constexpr uint32_t kPageSize = 4096;
  sim::FlashModel model(kPageSize, 8, 9);
  ModelFlash flash(model);
  SeededRng rng(77);  // one TRNG across the power cuts: it does not repeat itself
  FakeCard card;
  StillClock clock;
  TestCa& ca = TestCa::instance();
  const Bytes ca_pub = ca.public_key();
  const Bytes ca_cert = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);
  Bytes pub;
  std::set<Bytes> rs;  // every r signed, across every power cut
  auto fill = [](Firmware& fw) {
    for (size_t i = 0; i < crypto::NoncePool::kCapacity && !fw.identity.nonces_full(); ++i) {
      bool computed = false;
      REQUIRE(fw.identity.precompute_nonce(computed) == Status::Ok);
      REQUIRE(computed);
    }
  };
  auto read = [&](Firmware& fw, uint8_t seed) {
    const auto r = fw.call(ext::Op::ReadSigned, read_request(seed, 0x01));
    if (r.first != hostlink::sw3::kOk) return false;
    const SignedRecord rec = parse_signed_reply(r.second);
    CHECK(verify(rec, pub).all_ok());
    REQUIRE(rec.signature.size() == 64);
    CHECK(rs.insert(Bytes(rec.signature.begin(), rec.signature.begin() + 32)).second);
    return true;
  };
  {
    Firmware fw(flash, rng, card, clock);
    const auto key = fw.call(ext::Op::ProvisionKey, Bytes(16, 3));
    REQUIRE(key.first == hostlink::sw3::kOk);
    pub.assign(key.second.begin(), key.second.begin() + 65);
    const Bytes chain = chain_cbor({ca.certify(pub.data(), "CN=IDR-NONCE"), ca_cert});
    REQUIRE(fw.call(ext::Op::ProvisionCerts, chain).first == hostlink::sw3::kOk);
  }
  int cuts = 0;
  uint8_t seed = 0;
  for (sim::CutPhase phase : {sim::CutPhase::Before, sim::CutPhase::During, sim::CutPhase::After}) {
    INFO("cut at a counter write, phase " << static_cast<int>(phase));
    {
      Firmware fw(flash, rng, card, clock);
      fill(fw);
      REQUIRE(read(fw, ++seed));  // from a pair
      fill(fw);
      model.arm_power_cut(model.write_steps() + 1, phase);  // the next read's counter record
      CHECK_FALSE(read(fw, ++seed));
      REQUIRE(model.cut_happened());
      CHECK(fw.identity.nonces_ready() > 0);  // pairs in RAM when the power went
    }
    ++cuts;
    model.power_on();
    Firmware restarted(flash, rng, card, clock);  // RAM gone
    CHECK(restarted.identity.nonces_ready() == 0);
    REQUIRE(read(restarted, ++seed));  // made fresh (the slow way): an r never seen
    CHECK(restarted.identity.nonces_ready() == 0);
    fill(restarted);
    REQUIRE(read(restarted, ++seed));
    REQUIRE(read(restarted, ++seed));
  }
  CHECK(cuts == 3);
  CHECK(rs.size() == 3 * 4);
}

// A board whose TRNG starts the same stream again at every power-up (or sticks): READ_SIGNED
// records are public, and two of them signed with one k give the reader's private key away.
// The precomputed k is hedged with the key and the counter (ReaderIdentity::precompute_nonce),
// so no two records share r however the TRNG repeats itself; the salts likewise
// (ReaderIdentity::salts).
TEST_CASE(
    "signed read: a TRNG that repeats itself after each restart signs no two records "
    "with one k or one salt") {
  sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  FakeCard card;
  StillClock clock;
  TestCa& ca = TestCa::instance();
  const Bytes ca_pub = ca.public_key();
  Bytes pub;
  {
    SeededRng factory(30);  // the key is made while the TRNG still works
    Firmware fw(flash, factory, card, clock);
    const auto key = fw.call(ext::Op::ProvisionKey, Bytes(16, 3));
    REQUIRE(key.first == hostlink::sw3::kOk);
    pub.assign(key.second.begin(), key.second.begin() + 65);
    const Bytes chain = chain_cbor(
        {ca.certify(pub.data(), "CN=IDR-REPLAY"), ca.certify(ca_pub.data(), "CN=idr test CA", 1)});
    REQUIRE(fw.call(ext::Op::ProvisionCerts, chain).first == hostlink::sw3::kOk);
  }
  std::set<Bytes> rs;
  std::set<Bytes> salts;  // and no salt twice (a field left out stays hidden)
  size_t disclosed = 0;
  uint8_t seed = 0;
  for (int boot = 0; boot < 3; ++boot) {
    INFO("power-up " << boot);
    SeededRng replayed(31);  // the same bytes after every power-up
    Firmware fw(flash, replayed, card, clock);
    for (int i = 0; i < 2; ++i) {
      bool computed = false;
      REQUIRE(fw.identity.precompute_nonce(computed) == Status::Ok);
      REQUIRE(computed);
      const auto r = fw.call(ext::Op::ReadSigned, read_request(++seed, 0x01));
      REQUIRE(r.first == hostlink::sw3::kOk);
      const SignedRecord rec = parse_signed_reply(r.second);
      CHECK(verify(rec, pub).all_ok());
      REQUIRE(rec.signature.size() == 64);
      CHECK(rs.insert(Bytes(rec.signature.begin(), rec.signature.begin() + 32)).second);
      for (const auto& d : rec.disclosures) {
        CHECK(salts.insert(d.salt).second);
        ++disclosed;
      }
    }
  }
  CHECK(rs.size() == 6);
  CHECK(salts.size() == disclosed);
}

// Selective disclosure (DESIGN 5) rests on the salts: a field left out of a forwarded record
// stays hidden only while its salt cannot be guessed, else SHA-256(salt || value) is tried
// against every gender, birth date or ID number. Salts made from the TRNG alone are known to
// anyone once it sticks; hedged with the key and the counter they stay secret and differ
// from record to record and from field to field.
TEST_CASE("signed read: a TRNG stuck on one value leaves no salt guessable or repeated") {
  sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  FakeCard card;
  StillClock clock;
  TestCa& ca = TestCa::instance();
  const Bytes ca_pub = ca.public_key();
  StickingRng rng(32);
  Firmware fw(flash, rng, card, clock);
  const auto key = fw.call(ext::Op::ProvisionKey, Bytes(16, 3));
  REQUIRE(key.first == hostlink::sw3::kOk);
  const Bytes pub(key.second.begin(), key.second.begin() + 65);
  const Bytes chain = chain_cbor(
      {ca.certify(pub.data(), "CN=IDR-SALTS"), ca.certify(ca_pub.data(), "CN=idr test CA", 1)});
  REQUIRE(fw.call(ext::Op::ProvisionCerts, chain).first == hostlink::sw3::kOk);
  rng.stuck = true;
  Bytes stuck_bytes(ext::kSaltSize);
  REQUIRE(rng.fill(stuck_bytes.data(), stuck_bytes.size()) == Status::Ok);
  std::set<Bytes> salts;
  size_t disclosed = 0;
  for (uint8_t read = 1; read <= 3; ++read) {
    const auto r = fw.call(ext::Op::ReadSigned, read_request(read, 0x0F));
    REQUIRE(r.first == hostlink::sw3::kOk);
    const SignedRecord rec = parse_signed_reply(r.second);
    CHECK(verify(rec, pub).all_ok());
    for (const auto& d : rec.disclosures) {
      INFO("read " << int{read} << ", field " << d.name);
      CHECK(d.salt != stuck_bytes);
      CHECK(salts.insert(d.salt).second);
      ++disclosed;
    }
  }
  CHECK(disclosed > 3 * 10);
  CHECK(salts.size() == disclosed);
}

// What no hedge can save: a key made from a TRNG stuck on one output is the same for every
// reader it happens to (anyone can make it too), and a challenge drawn from one repeats, so an
// Authorized command seen once is good again. The reader refuses both (SW3 24) rather than go
// on: its TRNG answers two draws alike.
TEST_CASE("provisioning: a TRNG stuck on one value makes no key and no challenge") {
  sim::FlashModel model(4096, 8);
  ModelFlash flash(model);
  FakeCard card;
  StillClock clock;
  {
    StickingRng stuck(33);
    stuck.stuck = true;
    Firmware fw(flash, stuck, card, clock);
    CHECK(fw.call(ext::Op::ProvisionKey, Bytes(16, 3)).first == hostlink::sw3::kUnrecognizedError);
    CHECK(fw.identity.state() == crypto::IdentityState::Factory);
  }
  StickingRng rng(34);
  Firmware fw(flash, rng, card, clock);
  const auto key = fw.call(ext::Op::ProvisionKey, Bytes(16, 3));
  REQUIRE(key.first == hostlink::sw3::kOk);
  TestCa& ca = TestCa::instance();
  const Bytes ca_pub = ca.public_key();
  const Bytes chain = chain_cbor({ca.certify(key.second.data(), "CN=IDR-STUCK"),
                                  ca.certify(ca_pub.data(), "CN=idr test CA", 1)});
  REQUIRE(fw.call(ext::Op::ProvisionCerts, chain).first == hostlink::sw3::kOk);
  REQUIRE(fw.call(ext::Op::AuthChallenge, {}).first == hostlink::sw3::kOk);
  rng.stuck = true;
  CHECK(fw.call(ext::Op::AuthChallenge, {}).first == hostlink::sw3::kUnrecognizedError);
  CHECK(fw.call(ext::Op::AuthChallenge, {}).first == hostlink::sw3::kUnrecognizedError);
}
