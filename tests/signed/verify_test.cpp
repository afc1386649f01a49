// DESIGN 5, 11: each negative case fails ITS OWN check (and only the checks it
// should), the positive record verifies, card data only when verified.
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "idr/verify.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

const Pki& pki() {
  static Pki p = make_pki("Test", kNow - 86400 * 30, kNow + 86400 * 3650);
  return p;
}

std::string temp_db() {
  char dir[] = "/tmp/idr_signed_XXXXXX";
  if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  return std::string(dir) + "/counters.db";
}

struct Fixture {
  DeviceKey key;
  std::vector<Bytes> chain = reader_chain(pki(), key);
  TrustStore trust;
  CounterStore counters = CounterStore::open(temp_db()).value();
  RecordSpec spec;
  Fixture() {
    REQUIRE(trust.add_root_der(pki().root.cert_der));
    REQUIRE(trust.load_revoked_text("idr-revocation-list 2\n"));  // an empty list
    for (size_t i = 0; i < spec.nonce.size(); ++i) spec.nonce[i] = static_cast<uint8_t>(i * 7 + 1);
    spec.counter = 5;
    spec.fields = resident_fields({});
    spec.fields.push_back({"photo", Bytes(1024, 0x5A)});
  }
  VerifyOptions options() {
    VerifyOptions o;
    o.trust = &trust;
    o.counters = &counters;
    o.nonce = spec.nonce;
    o.now = kNow;
    return o;
  }
  VerifiedRecord verify(const Bytes& file) { return verify_record(file, options()); }
};

// The failed checks of a verdict as "check:reason[:field]".
std::vector<std::string> failures(const VerifiedRecord& v) {
  std::vector<std::string> out;
  for (const auto& r : v.verdict().results())
    if (r.outcome == CheckStatus::Failed)
      out.push_back(std::string(to_string(r.check)) + ":" + to_string(r.reason) +
                    (r.field.empty() ? "" : ":" + r.field));
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("a genuine record verifies and yields the card", "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  const VerifiedRecord v = f.verify(b.file);
  INFO(failures(v).size());
  REQUIRE(failures(v).empty());
  REQUIRE(v.verified());
  REQUIRE(v.card() != nullptr);
  CHECK(v.card()->type == CardType::Resident);
  CHECK(v.card()->name == "张三丰");
  CHECK(v.card()->id_number == "110105200001010013");
  CHECK(v.card()->address == "北京市东城区景山前街4号");
  CHECK(v.card()->validity.to == "20400101");
  CHECK(v.card()->photo == Bytes(1024, 0x5A));
  for (Check c : {Check::Decode, Check::Signature, Check::Chain, Check::Revocation, Check::Nonce,
                  Check::Counter, Check::SamVerdict}) {
    const RecordCheckResult* r = v.verdict().find(c);
    REQUIRE(r != nullptr);
    CHECK(r->outcome == CheckStatus::Succeeded);
  }
  CHECK(v.verdict().find(Check::FieldDigest, "address")->outcome == CheckStatus::Succeeded);
  CHECK(v.verified_fields().size() == 10);
  CHECK(*f.counters.last(f.key.serial()).value() == 5);
}

TEST_CASE("flipped bit in the signature fails the signature check", "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  const size_t at = find_bytes(b.file, Bytes(b.signature.begin(), b.signature.end()));
  REQUIRE(at != std::string::npos);
  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    const VerifiedRecord v = f.verify(flip_bit(b.file, at + i, 3));
    CHECK(failures(v) == Strings{"signature:bad_signature"});
    CHECK_FALSE(v.verified());
    CHECK(v.card() == nullptr);
  }
  CHECK_FALSE(f.counters.last(f.key.serial()).value().has_value());  // nothing recorded
}

TEST_CASE("flipped bit in the payload fails the signature check", "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  const size_t at = find_bytes(b.file, b.payload);
  REQUIRE(at != std::string::npos);
  // The last byte is inside the last digest: the CBOR stays well formed.
  const VerifiedRecord v = f.verify(flip_bit(b.file, at + b.payload.size() - 1, 0));
  const Strings fs = failures(v);
  REQUIRE_FALSE(fs.empty());
  CHECK(fs.front() == "signature:bad_signature");
  CHECK_FALSE(v.verified());
  CHECK(v.card() == nullptr);
}

TEST_CASE("flipped bit in each disclosure value and each salt fails that field's digest",
          "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  const SignedRecord rec = decode_signed(b.file).value();
  for (size_t i = 0; i < rec.disclosures.size(); ++i) {
    for (int part = 0; part < 2; ++part) {
      auto d = rec.disclosures;
      if (part == 0)
        d[i].value[d[i].value.size() / 2] ^= 0x04;
      else
        d[i].salt[i % 16] ^= 0x80;
      const VerifiedRecord v = f.verify(encode_record_file(rec.cose, d));
      INFO(d[i].field << (part == 0 ? " value" : " salt"));
      CHECK(failures(v) == Strings{"digest:digest_mismatch:" + d[i].field});
      CHECK_FALSE(v.verified());
      CHECK(v.card() == nullptr);
    }
  }
}

TEST_CASE("wrong nonce fails the nonce check", "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  VerifyOptions o = f.options();
  (*o.nonce)[15] ^= 1;
  const VerifiedRecord v = verify_record(b.file, o);
  CHECK(failures(v) == Strings{"nonce:nonce_mismatch"});
  CHECK(v.card() == nullptr);
}

TEST_CASE("a missing expected nonce leaves a required check not done", "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  VerifyOptions o = f.options();
  o.nonce.reset();
  CHECK_FALSE(verify_record(b.file, o).verified());
  o.require_nonce = false;  // offline verification of a forwarded record
  CHECK(verify_record(b.file, o).verified());
}

TEST_CASE("replayed record (same counter) fails the counter check as a replay", "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  REQUIRE(f.verify(b.file).verified());
  const VerifiedRecord again = f.verify(b.file);
  CHECK(failures(again) == Strings{"counter:replay"});
  CHECK(again.verdict().find(Check::Counter)->message.find("replayed") != std::string::npos);
  CHECK(again.card() == nullptr);
}

TEST_CASE("counter lower than the last seen fails the counter check as a regression", "[signed]") {
  Fixture f;
  f.spec.counter = 9;
  REQUIRE(f.verify(make_record(f.key, f.chain, f.spec).file).verified());
  f.spec.counter = 8;
  const VerifiedRecord v = f.verify(make_record(f.key, f.chain, f.spec).file);
  CHECK(failures(v) == Strings{"counter:regression"});
  CHECK(v.verdict().find(Check::Counter)->message.find("clone") != std::string::npos);
  f.spec.counter = 10;
  CHECK(f.verify(make_record(f.key, f.chain, f.spec).file).verified());
}

TEST_CASE("the counter is recorded only when every other check succeeded", "[signed]") {
  Fixture f;
  f.spec.counter = 20;
  VerifyOptions o = f.options();
  (*o.nonce)[0] ^= 1;
  const VerifiedRecord bad = verify_record(make_record(f.key, f.chain, f.spec).file, o);
  CHECK(bad.verdict().find(Check::Counter)->outcome == CheckStatus::Succeeded);
  CHECK_FALSE(f.counters.last(f.key.serial()).value().has_value());
}

TEST_CASE("certificate from an untrusted root fails the chain check", "[signed]") {
  Fixture f;
  const Pki other = make_pki("Other", kNow - 86400, kNow + 86400 * 365);
  const Built b = make_record(f.key, reader_chain(other, f.key), f.spec);
  const VerifiedRecord v = f.verify(b.file);
  CHECK(failures(v) == Strings{"chain:untrusted_root"});
  CHECK(v.card() == nullptr);
}

TEST_CASE("revoked reader certificate fails the revocation check", "[signed]") {
  Fixture f;
  f.trust.revoke_fingerprint(certificate_fingerprint(f.chain[0]));
  const VerifiedRecord v = f.verify(make_record(f.key, f.chain, f.spec).file);
  CHECK(failures(v) == Strings{"revocation:revoked"});
  CHECK(v.card() == nullptr);
}

TEST_CASE("revocation list file: fingerprints with colons, comments, bad lines rejected",
          "[signed]") {
  Fixture f;
  const auto fp = certificate_fingerprint(f.chain[0]);
  std::string line;
  char hex[4];
  for (size_t i = 0; i < fp.size(); ++i) {
    std::snprintf(hex, sizeof(hex), i == 0 ? "%02X" : ":%02X", fp[i]);
    line += hex;
  }
  const std::string path = temp_db() + ".revoked";
  FILE* file = std::fopen(path.c_str(), "w");
  std::fprintf(file, "# revoked readers\n\n%s\n", line.c_str());
  std::fclose(file);
  REQUIRE(f.trust.load_revoked(path));
  CHECK(failures(f.verify(make_record(f.key, f.chain, f.spec).file)) ==
        Strings{"revocation:revoked"});
  file = std::fopen(path.c_str(), "w");
  std::fprintf(file, "abc\n");
  std::fclose(file);
  std::string why;
  CHECK_FALSE(TrustStore().load_revoked(path, &why));
  CHECK(why.find(":1:") != std::string::npos);
}

TEST_CASE("expired reader certificate fails the chain check", "[signed]") {
  Fixture f;
  const auto chain = reader_chain(pki(), f.key, kNow - 86400 * 10, kNow - 86400);
  const VerifiedRecord v = f.verify(make_record(f.key, chain, f.spec).file);
  CHECK(failures(v) == Strings{"chain:expired"});
  const auto future = reader_chain(pki(), f.key, kNow + 86400, kNow + 86400 * 10);
  CHECK(failures(f.verify(make_record(f.key, future, f.spec).file)) ==
        Strings{"chain:not_yet_valid"});
}

TEST_CASE("a disclosure for a field with no digest fails that field", "[signed]") {
  Fixture f;
  f.spec.no_digest = {"address"};
  const VerifiedRecord v = f.verify(make_record(f.key, f.chain, f.spec).file);
  CHECK(failures(v) == Strings{"digest:no_digest:address"});
  CHECK(v.card() == nullptr);
}

TEST_CASE("a disclosure for an unknown field name fails as having no digest", "[signed]") {
  Fixture f;
  f.spec.fields.push_back({"text", Bytes(256, 0x20)});  // "text" is never a field
  CHECK(failures(f.verify(make_record(f.key, f.chain, f.spec).file)) ==
        Strings{"digest:no_digest:text"});
}

TEST_CASE("truncated CBOR fails decoding at every length", "[signed]") {
  Fixture f;
  const Built b = make_record(f.key, f.chain, f.spec);
  for (size_t n = 0; n < b.file.size(); ++n) {
    const VerifiedRecord v = f.verify(Bytes(b.file.begin(), b.file.begin() + static_cast<long>(n)));
    INFO("length " << n);
    REQUIRE(failures(v) == Strings{"decode:malformed"});
    REQUIRE(v.card() == nullptr);
    REQUIRE(v.record() == nullptr);
  }
  Bytes longer = b.file;
  longer.push_back(0x00);
  CHECK(failures(f.verify(longer)) == Strings{"decode:malformed"});
}

TEST_CASE("the SAM verdict false fails the sam check", "[signed]") {
  Fixture f;
  f.spec.sam_ok = false;
  CHECK(failures(f.verify(make_record(f.key, f.chain, f.spec).file)) ==
        Strings{"sam:sam_rejected"});
}

TEST_CASE("a record without a chain or without trust store is not verified", "[signed]") {
  Fixture f;
  const VerifiedRecord bare = f.verify(make_record(f.key, {}, f.spec).file);
  CHECK(failures(bare) == Strings{"signature:no_chain", "chain:no_chain", "revocation:no_chain"});
  VerifyOptions o = f.options();
  o.trust = nullptr;
  const VerifiedRecord no_trust = verify_record(make_record(f.key, f.chain, f.spec).file, o);
  CHECK(failures(no_trust) == Strings{"chain:no_trust_store"});
  const RecordCheckResult* revocation = no_trust.verdict().find(Check::Revocation);
  REQUIRE(revocation != nullptr);
  CHECK(revocation->outcome == CheckStatus::NotChecked);
  CHECK(revocation->reason == Reason::NoRevocationList);
  CHECK(revocation->required);
}

TEST_CASE("a chain whose device certificate names another reader fails the chain check",
          "[signed]") {
  Fixture f;
  DeviceKey other;
  std::string why;
  // Certificate for f.key's public key but with another reader's serial as CN.
  auto cert = ca::certify_reader(pki().intermediate, f.key.public_key().data(), other.serial(),
                                 {kNow - 10, kNow + 86400}, &why);
  REQUIRE(cert);
  const VerifiedRecord v =
      f.verify(make_record(f.key, {*cert, pki().intermediate.cert_der}, f.spec).file);
  CHECK(failures(v) == Strings{"chain:serial_mismatch"});
}
