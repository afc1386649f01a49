// Integration (firmware side): provisioning and signed reads in-process — firmware
// core + drivers on the host board against the simulator's models, the extension commands
// reached through the legacy command hook. Records are decoded with libcbor (not the
// firmware's encoder) and checked against RFC 9052, signatures verified with mbedTLS.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "idr/core/hostlink/extension_commands.h"
#include "idr/core/hostlink/legacy_commands.h"
#include "idr/core/hostlink/signed_fields.h"
#include "idr/crypto/reader_identity.h"
#include "idr/proto/extension.h"
#include "idr/sim/resident_id_card.h"
#include "idr/testing/crypto_rig.h"
#include "reader_rig.h"
#include "signed_record.h"

using namespace idr;
using namespace idr::testing;

namespace {

struct Answer {
  uint8_t sw3 = 0;
  Bytes data;
};

// The signing side of the firmware as ReaderApp wires it, over the rig's board.
struct SignedRig {
  explicit SignedRig(const std::string& scenario)
      : spec_scenario(sim::load_scenario(scenario_path(scenario))), rig(spec_scenario) {
    restart();
  }

  // Firmware restart of the signing state: RAM forgotten, everything reloaded from flash.
  void restart() {
    commands.reset();
    extension.reset();
    identity.reset();
    identity = std::make_unique<crypto::ReaderIdentity>(rig.hb.board().flash, rig.hb.board().rng);
    REQUIRE(identity->load() == Status::Ok);
    extension =
        std::make_unique<core::ExtensionCommands>(rig.reader, *identity, rig.hb.board().clock);
    commands = std::make_unique<core::LegacyCommands>(rig.reader, extension.get());
  }

  Answer call(uint8_t command, uint8_t parameter, const Bytes& data = {}) {
    const hostlink::Request req{command, parameter, data.data(), data.size()};
    std::vector<uint8_t> out(hostlink::kMaxReplyFrame);
    const core::LegacyOutcome o = commands->handle(req, out.data(), out.size());
    REQUIRE(o.reply_size > 0);
    hostlink::ReplyParser parser;
    hostlink::ParseEvent event = hostlink::ParseEvent::kNone;
    const size_t used = parser.push(out.data(), o.reply_size, event);
    REQUIRE(event == hostlink::ParseEvent::kFrame);
    REQUIRE(used == o.reply_size);
    const hostlink::Reply r = parser.reply();
    CHECK(r.sw1 == 0);
    CHECK(r.sw2 == 0);
    last_reply_frame = o.reply_size;
    return Answer{r.sw3, Bytes(r.data, r.data + r.data_len)};
  }
  Answer ext(ext::Op op, const Bytes& data = {}) {
    return call(ext::kCmd, static_cast<uint8_t>(op), data);
  }

  Bytes provision(TestCa& ca) {
    Bytes challenge(16);
    for (size_t i = 0; i < challenge.size(); ++i) challenge[i] = static_cast<uint8_t>(0xC0 + i);
    const Answer a = ext(ext::Op::ProvisionKey, challenge);
    REQUIRE(a.sw3 == hostlink::sw3::kOk);
    REQUIRE(a.data.size() == 65 + 64);
    const Bytes pub(a.data.begin(), a.data.begin() + 65);
    const Bytes sig(a.data.begin() + 65, a.data.end());
    // Proof of possession: "idr-provision" || serial || challenge || pubkey.
    const Node info = decode(ext(ext::Op::DeviceInfo).data);
    const std::string serial = info.at("serial").text();
    CHECK(es256_verify(pub, provision_message(serial, challenge, pub), sig));
    const Bytes ca_pub = ca.public_key();
    device_cert = ca.certify(pub.data(), "CN=" + serial + ",O=idr");
    ca_cert = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);
    chain = chain_cbor({device_cert, ca_cert});
    REQUIRE(ext(ext::Op::ProvisionCerts, chain).sw3 == hostlink::sw3::kOk);
    return pub;
  }

  Answer read_signed(const Bytes& nonce, uint8_t fields) {
    rig.reader.field_off();  // a fresh presentation: the card is IDLE again after power-up
    const Answer found = call(hostlink::cmd::kCard, hostlink::para::kFind);
    REQUIRE(found.sw3 == hostlink::sw3::kFindOk);
    Bytes data = nonce;
    data.push_back(fields);
    return ext(ext::Op::ReadSigned, data);
  }

  sim::Scenario spec_scenario;
  ReaderRig rig;
  std::unique_ptr<crypto::ReaderIdentity> identity;
  std::unique_ptr<core::ExtensionCommands> extension;
  std::unique_ptr<core::LegacyCommands> commands;
  Bytes device_cert, ca_cert, chain;
  size_t last_reply_frame = 0;
};

Bytes nonce_of(uint8_t seed) {
  Bytes n(16);
  for (size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(seed * 31 + i);
  return n;
}

Bytes slice(const Bytes& b, size_t off, size_t len) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(off),
               b.begin() + static_cast<std::ptrdiff_t>(off + len));
}

// The value each disclosed field must have, from the card's personalisation.
std::map<std::string, Bytes> expected_fields(const Expected& e, uint8_t fields) {
  std::map<std::string, Bytes> want;
  uint8_t text[card::kTextSize];
  std::memcpy(text, e.text.data(), card::kTextSize);
  if (fields & ext::kText) {
    size_t n = 0;
    const core::NamedField* f = core::text_fields_for(core::signed_card_type(text), n);
    for (size_t i = 0; i < n; ++i)
      want[f[i].name] = slice(e.text, f[i].field.offset, f[i].field.size);
  }
  if (fields & ext::kPhoto) want["photo"] = e.photo;
  if ((fields & ext::kFingerprint) && !e.fingerprint.empty()) want["fingerprint"] = e.fingerprint;
  if (fields & ext::kAddresses)
    for (size_t i = 0; i < e.addresses.size() / card::kAddressEntrySize; ++i)
      want["address_" + std::to_string(i + 1)] =
          slice(e.addresses, i * card::kAddressEntrySize, card::kAddressEntrySize);
  return want;
}

}  // namespace

TEST_CASE("signed read: provisioning, COSE_Sign1 per RFC 9052, signature and every digest") {
  const char* name =
      GENERATE("resident-fingerprint", "resident-longterm-address", "permit-j", "foreign-i");
  INFO("scenario " << name);
  SignedRig s(name);
  REQUIRE(s.rig.init_status == Status::Ok);
  TestCa ca;

  // Before provisioning: no serial, no key; a signed read is refused.
  const Node info0 = decode(s.ext(ext::Op::DeviceInfo).data);
  CHECK(info0.at("provisioned").boolean == false);
  CHECK(info0.at("serial").text().empty());
  CHECK(info0.at("state").text() == "factory");
  CHECK(info0.pairs.size() == 5);
  CHECK(s.read_signed(nonce_of(1), 0x0F).sw3 == hostlink::sw3::kUnauthorized);

  // The time goes in while the reader still takes it unauthorised (the factory line).
  Bytes time(8, 0);
  const uint64_t now = 1700000000;
  for (int i = 0; i < 8; ++i) time[i] = static_cast<uint8_t>(now >> (56 - 8 * i));
  REQUIRE(s.ext(ext::Op::SetTime, time).sw3 == hostlink::sw3::kOk);

  const Bytes pub = s.provision(ca);
  const Node info = decode(s.ext(ext::Op::DeviceInfo).data);
  CHECK(info.at("provisioned").boolean);
  CHECK(info.at("pubkey").bytes == pub);
  CHECK(info.at("fw").text() == core::kFirmwareVersion);
  const std::string serial = info.at("serial").text();
  CHECK(serial.size() == 20);
  CHECK(serial.rfind("IDR-", 0) == 0);
  CHECK(decode(s.ext(ext::Op::CertChain).data).items.size() == 2);
  CHECK(s.ext(ext::Op::CertChain).data == s.chain);

  CHECK(info.at("state").text() == "provisioned");

  const Bytes nonce = nonce_of(2);
  const Answer a = s.read_signed(nonce, 0x0F);
  REQUIRE(a.sw3 == hostlink::sw3::kOk);
  WARN(name << ": READ_SIGNED reply (all fields, 2-cert chain) " << s.last_reply_frame
            << " bytes on the wire");
  const SignedRecord rec = parse_signed_reply(a.data);

  // RFC 9052: protected = bstr .cbor {1: -7} (alg ES256, RFC 9053 2.1).
  CHECK(rec.protected_bytes == Bytes({0xA1, 0x01, 0x26}));
  const Node prot = decode(rec.protected_bytes);
  REQUIRE(prot.kind == Node::Kind::Map);
  CHECK(prot.pairs.size() == 1);
  CHECK(prot.at_int(1).integer() == -7);
  // unprotected: {33 (x5chain, RFC 9360): [device cert, CA cert]}.
  REQUIRE(rec.unprotected.pairs.size() == 1);
  const Node& x5 = rec.unprotected.at_int(33);
  REQUIRE(x5.kind == Node::Kind::Array);
  REQUIRE(x5.items.size() == 2);
  CHECK(x5.items[0].bytes == s.device_cert);
  CHECK(x5.items[1].bytes == s.ca_cert);
  CHECK(rec.signature.size() == 64);

  // Payload (extension.h), keys in the contract's order.
  const Node p = decode(rec.payload);
  REQUIRE(p.kind == Node::Kind::Map);
  const char* keys[] = {"v",   "serial", "ctr",    "nonce", "time",   "type",
                        "uid", "sam",    "sam_ok", "alg",   "digests"};
  REQUIRE(p.pairs.size() == 11);
  for (size_t i = 0; i < 11; ++i) CHECK(p.pairs[i].first.text() == keys[i]);
  CHECK(p.at("v").uint == 1);
  CHECK(p.at("serial").text() == serial);
  CHECK(p.at("ctr").uint == 1);
  CHECK(p.at("nonce").bytes == nonce);
  CHECK(p.at("time").uint >= now);
  CHECK(p.at("time").uint < now + 60);
  const Expected want = expected_from(s.spec_scenario.cards.front().spec);
  uint8_t text[card::kTextSize];
  std::memcpy(text, want.text.data(), sizeof(text));
  CHECK(p.at("type").uint == core::signed_card_type(text));
  CHECK(p.at("uid").bytes == want.uid);
  CHECK(p.at("sam").bytes == Bytes(s.spec_scenario.sam_id.begin(), s.spec_scenario.sam_id.end()));
  CHECK(p.at("sam_ok").kind == Node::Kind::Bool);
  CHECK(p.at("sam_ok").boolean);
  CHECK(p.at("alg").text() == "SHA-256");

  // Disclosures: exactly the expected fields with the card's bytes; digests in the payload.
  const auto fields = expected_fields(want, 0x0F);
  REQUIRE(rec.disclosures.size() == fields.size());
  REQUIRE(p.at("digests").pairs.size() == fields.size());
  for (const auto& d : rec.disclosures) {
    INFO("field " << d.name);
    REQUIRE(fields.count(d.name) == 1);
    CHECK(d.value == fields.at(d.name));
    CHECK(d.salt.size() == 16);
  }
  for (size_t i = 0; i + 1 < rec.disclosures.size(); ++i)
    CHECK(rec.disclosures[i].salt != rec.disclosures[i + 1].salt);

  const Verdict v = verify(rec, pub);
  CHECK(v.signature);
  CHECK(v.all_ok());
  CHECK(v.digests.size() == fields.size());

  // The next read: counter strictly greater, fresh salts, still verifies.
  const Answer b = s.read_signed(nonce_of(3), ext::kText);
  REQUIRE(b.sw3 == hostlink::sw3::kOk);
  const SignedRecord rec2 = parse_signed_reply(b.data);
  CHECK(decode(rec2.payload).at("ctr").uint == 2);
  CHECK(verify(rec2, pub).all_ok());
  for (const auto& d : rec2.disclosures) CHECK(fields.count(d.name) == 1);
}

// The card the rig's simulator holds (for fault injection after personalisation).
sim::ResidentIdCard& first_card(SignedRig& s) {
  auto* c = dynamic_cast<sim::ResidentIdCard*>(&s.rig.sim->field()->card(0));
  REQUIRE(c != nullptr);
  return *c;
}

TEST_CASE("signed read: the SAM's issuer MAC verdict is what it answered (sam_ok)") {
  // Data changed after the issuer sealed it: the session MACs are right (the card sends
  // what it holds), the SAM's issuer MAC check fails. The legacy read answers 33; the signed
  // read signs the bytes as read with sam_ok false, so the host sees the SAM's "no".
  const auto [file, offset, fields] =
      GENERATE(std::make_tuple(card::kFileBase, size_t{130}, uint8_t{ext::kText | ext::kPhoto}),
               std::make_tuple(card::kFileFingerprint, size_t{700},
                               uint8_t{ext::kText | ext::kFingerprint}));
  INFO("file " << int{file} << " offset " << offset);
  SignedRig s("resident-fingerprint");
  REQUIRE(s.rig.init_status == Status::Ok);
  TestCa ca;
  const Bytes pub = s.provision(ca);

  const Answer good = s.read_signed(nonce_of(20), fields);
  REQUIRE(good.sw3 == hostlink::sw3::kOk);
  CHECK(decode(parse_signed_reply(good.data).payload).at("sam_ok").boolean);

  first_card(s).corrupt_file_byte(file, offset, 0x01);
  const Answer bad = s.read_signed(nonce_of(21), fields);
  REQUIRE(bad.sw3 == hostlink::sw3::kOk);
  const SignedRecord rec = parse_signed_reply(bad.data);
  const Node p = decode(rec.payload);
  CHECK(p.at("sam_ok").kind == Node::Kind::Bool);
  CHECK_FALSE(p.at("sam_ok").boolean);
  CHECK(verify(rec, pub).all_ok());  // signed as read: the signature and digests hold
  if (file == card::kFileBase) {
    const Expected want = expected_from(s.spec_scenario.cards.front().spec);
    for (const auto& d : rec.disclosures)
      if (d.name == "id_number") CHECK(d.value != slice(want.text, 122, 36));  // altered byte
  }

  // The legacy read of the same card: 33, nothing handed out.
  s.rig.reader.field_off();
  REQUIRE(s.call(hostlink::cmd::kCard, hostlink::para::kFind).sw3 == hostlink::sw3::kFindOk);
  REQUIRE(s.call(hostlink::cmd::kCard, hostlink::para::kSelect).sw3 == hostlink::sw3::kOk);
  const Answer legacy =
      s.call(hostlink::cmd::kRead, file == card::kFileBase ? hostlink::para::kReadBase
                                                           : hostlink::para::kReadBaseFingerprint);
  CHECK(legacy.sw3 == hostlink::sw3::kInfoCheckError);
  CHECK(legacy.data.empty());
}

TEST_CASE("signed read: one flipped bit anywhere is detected") {
  SignedRig s("resident-longterm-address");
  REQUIRE(s.rig.init_status == Status::Ok);
  TestCa ca;
  const Bytes pub = s.provision(ca);
  const Answer a = s.read_signed(nonce_of(4), 0x0F);
  REQUIRE(a.sw3 == hostlink::sw3::kOk);
  const SignedRecord good = parse_signed_reply(a.data);
  REQUIRE(verify(good, pub).all_ok());

  SECTION("signature") {
    for (size_t bit = 0; bit < 64 * 8; bit += 37) {
      SignedRecord bad = good;
      bad.signature[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      CHECK_FALSE(verify(bad, pub).signature);
    }
  }
  SECTION("payload") {
    for (size_t bit = 0; bit < good.payload.size() * 8; bit += 61) {
      SignedRecord bad = good;
      bad.payload[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      CHECK_FALSE(verify(bad, pub).signature);
    }
  }
  SECTION("each disclosure value and each salt") {
    int checked = 0;
    for (size_t i = 0; i < good.disclosures.size(); ++i) {
      INFO("field " << good.disclosures[i].name);
      SignedRecord value = good;
      value.disclosures[i].value[value.disclosures[i].value.size() / 2] ^= 0x04;
      const Verdict vv = verify(value, pub);
      CHECK(vv.signature);  // the signed part is untouched
      CHECK_FALSE(vv.digests.at(good.disclosures[i].name));
      CHECK_FALSE(vv.all_ok());
      SignedRecord salt = good;
      salt.disclosures[i].salt[15] ^= 0x80;
      CHECK_FALSE(verify(salt, pub).digests.at(good.disclosures[i].name));
      checked += 2;
    }
    CHECK(checked == static_cast<int>(2 * good.disclosures.size()));
    CHECK(good.disclosures.size() >= 10);  // 9 resident fields + photo (+ addresses)
  }
  SECTION("a different key does not verify") {
    Bytes other = ca.public_key();
    CHECK_FALSE(verify(good, other).signature);
  }
}

TEST_CASE("signed read: counters strictly increase across reads and reader restarts") {
  SignedRig s("resident-fingerprint");
  REQUIRE(s.rig.init_status == Status::Ok);
  TestCa ca;
  const Bytes pub = s.provision(ca);
  uint64_t last = 0;
  for (int restart = 0; restart < 3; ++restart) {
    const Node info = decode(s.ext(ext::Op::DeviceInfo).data);
    CHECK(info.at("pubkey").bytes == pub);  // same key after a restart
    CHECK(info.at("ctr").uint == last);
    for (int i = 0; i < 2; ++i) {
      const Answer a =
          s.read_signed(nonce_of(static_cast<uint8_t>(10 + i)), ext::kText | ext::kPhoto);
      REQUIRE(a.sw3 == hostlink::sw3::kOk);
      const SignedRecord rec = parse_signed_reply(a.data);
      CHECK(verify(rec, pub).all_ok());
      const uint64_t ctr = decode(rec.payload).at("ctr").uint;
      CHECK(ctr > last);
      last = ctr;
      const Answer c = s.ext(ext::Op::GetCounter);
      REQUIRE(c.data.size() == 8);
      uint64_t got = 0;
      for (uint8_t byte : c.data) got = (got << 8) | byte;
      CHECK(got == last);
    }
    s.restart();
  }
  CHECK(last == 6);
  CHECK(s.ext(ext::Op::SelfTest).sw3 == hostlink::sw3::kOk);
}

TEST_CASE("extension commands: request errors get defined status codes") {
  SignedRig s("resident-fingerprint");
  REQUIRE(s.rig.init_status == Status::Ok);
  CHECK(s.call(ext::kCmd, 0x7F).sw3 == hostlink::sw3::kCommandError);  // unknown PARA
  CHECK(s.ext(ext::Op::DeviceInfo, {1}).sw3 == hostlink::sw3::kLengthError);
  CHECK(s.ext(ext::Op::ReadSigned, Bytes(16, 0)).sw3 == hostlink::sw3::kLengthError);
  Bytes zero_fields(17, 0);
  CHECK(s.ext(ext::Op::ReadSigned, zero_fields).sw3 == hostlink::sw3::kCommandError);
  Bytes unknown_bits(17, 0);
  unknown_bits[16] = 0x10;
  CHECK(s.ext(ext::Op::ReadSigned, unknown_bits).sw3 == hostlink::sw3::kCommandError);
  CHECK(s.ext(ext::Op::SetTime, Bytes(7, 0)).sw3 == hostlink::sw3::kLengthError);
  CHECK(s.ext(ext::Op::ProvisionKey, Bytes(15, 0)).sw3 == hostlink::sw3::kLengthError);
  CHECK(s.ext(ext::Op::ProvisionCerts, {0x80}).sw3 == hostlink::sw3::kUnauthorized);
  const Answer chain = s.ext(ext::Op::CertChain);
  CHECK(chain.sw3 == hostlink::sw3::kOk);
  CHECK(chain.data == Bytes{0x80});
  const Answer ctr = s.ext(ext::Op::GetCounter);
  CHECK(ctr.data == Bytes(8, 0));
  CHECK(s.ext(ext::Op::SelfTest).sw3 == hostlink::sw3::kOk);

  TestCa ca;
  (void)s.provision(ca);
  TestCa other_ca(99);
  uint8_t stranger[65];
  uint8_t priv[32];
  SeededRng rng(5);
  REQUIRE(crypto::generate_key(rng, priv, stranger) == Status::Ok);
  const Bytes wrong = chain_cbor({other_ca.certify(stranger, "CN=someone else"), s.ca_cert});
  // Provisioned: any unauthorised ProvisionCerts is refused before it is even parsed.
  CHECK(s.ext(ext::Op::ProvisionCerts, wrong).sw3 == hostlink::sw3::kUnauthorized);
  CHECK(s.ext(ext::Op::ProvisionCerts, {0x82, 0x41}).sw3 == hostlink::sw3::kUnauthorized);
  CHECK(s.ext(ext::Op::CertChain).data == s.chain);  // the stored chain is untouched
}

TEST_CASE("provisioning: a chain for another key or malformed is refused while keyed") {
  SignedRig s("resident-fingerprint");
  REQUIRE(s.rig.init_status == Status::Ok);
  REQUIRE(s.ext(ext::Op::ProvisionKey, Bytes(16, 7)).sw3 == hostlink::sw3::kOk);
  CHECK(decode(s.ext(ext::Op::DeviceInfo).data).at("state").text() == "keyed");
  TestCa other_ca(99);
  uint8_t stranger[65];
  uint8_t priv[32];
  SeededRng rng(5);
  REQUIRE(crypto::generate_key(rng, priv, stranger) == Status::Ok);
  const Bytes other_pub = other_ca.public_key();
  const Bytes wrong = chain_cbor({other_ca.certify(stranger, "CN=someone else"),
                                  other_ca.certify(other_pub.data(), "CN=other CA", 1)});
  CHECK(s.ext(ext::Op::ProvisionCerts, wrong).sw3 == hostlink::sw3::kCommandError);
  CHECK(s.ext(ext::Op::ProvisionCerts, {0x82, 0x41}).sw3 == hostlink::sw3::kCommandError);
  CHECK(s.ext(ext::Op::CertChain).data == Bytes{0x80});
  CHECK(decode(s.ext(ext::Op::DeviceInfo).data).at("state").text() == "keyed");
}

namespace {

// The DATA of an Authorized command (extension.h): op || the signer's ECDSA signature over
// SHA-256("idr-authorize" || serial || challenge || signed_op || SHA-256(data)) || data.
// `signed_op` differs from `op` only to test that the operation is bound.
Bytes authorized(TestCa& signer, const std::string& serial, const Bytes& challenge, ext::Op op,
                 const Bytes& data, std::optional<ext::Op> signed_op = std::nullopt) {
  uint8_t data_hash[32];
  const crypto::ByteView data_part{data.data(), data.size()};
  REQUIRE(crypto::sha256(&data_part, 1, data_hash) == Status::Ok);
  const uint8_t op_byte = static_cast<uint8_t>(signed_op.value_or(op));
  const crypto::ByteView parts[5] = {
      {reinterpret_cast<const uint8_t*>(ext::kAuthorizeContext),
       sizeof(ext::kAuthorizeContext) - 1},
      {reinterpret_cast<const uint8_t*>(serial.data()), serial.size()},
      {challenge.data(), challenge.size()},
      {&op_byte, 1},
      {data_hash, sizeof(data_hash)}};
  uint8_t digest[32];
  REQUIRE(crypto::sha256(parts, 5, digest) == Status::Ok);
  Bytes out{static_cast<uint8_t>(op)};
  const Bytes sig = signer.sign_digest(digest);
  out.insert(out.end(), sig.begin(), sig.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes be64(uint64_t v) {
  Bytes b(8);
  for (size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return b;
}

}  // namespace

// DESIGN 11: once provisioned, the key, the chain and the time change only by a command the
// manufacturer CA authorised over the reader's fresh challenge; every other attempt is 0x23
// and changes nothing.
TEST_CASE("provisioning: a provisioned reader refuses changes without the CA's authorisation") {
  SignedRig s("resident-fingerprint");
  REQUIRE(s.rig.init_status == Status::Ok);
  TestCa ca(11);
  const Bytes pub = s.provision(ca);
  const Node info = decode(s.ext(ext::Op::DeviceInfo).data);
  REQUIRE(info.at("state").text() == "provisioned");
  const std::string serial = info.at("serial").text();
  constexpr uint8_t kRefused = hostlink::sw3::kUnauthorized;
  auto unchanged = [&] {
    const Node now = decode(s.ext(ext::Op::DeviceInfo).data);
    CHECK(now.at("serial").text() == serial);
    CHECK(now.at("pubkey").bytes == pub);
    CHECK(s.ext(ext::Op::CertChain).data == s.chain);
  };

  // A second CA, unauthorised: its chain, a new key, the time.
  TestCa other(12);
  const Bytes other_pub = other.public_key();
  const Bytes foreign = chain_cbor(
      {other.certify(pub.data(), "CN=" + serial), other.certify(other_pub.data(), "CN=other", 1)});
  CHECK(s.ext(ext::Op::ProvisionKey, Bytes(16, 3)).sw3 == kRefused);
  CHECK(s.ext(ext::Op::ProvisionCerts, foreign).sw3 == kRefused);
  CHECK(s.ext(ext::Op::SetTime, be64(1'700'000'000)).sw3 == kRefused);
  unchanged();

  // No challenge outstanding (none issued yet).
  CHECK(s.ext(ext::Op::Authorized,
              authorized(ca, serial, Bytes(16, 0), ext::Op::SetTime, be64(1'700'000'000)))
            .sw3 == kRefused);
  // The second CA's signature over a genuine challenge.
  Answer c = s.ext(ext::Op::AuthChallenge);
  REQUIRE(c.sw3 == hostlink::sw3::kOk);
  REQUIRE(c.data.size() == 16);
  CHECK(s.ext(ext::Op::Authorized,
              authorized(other, serial, c.data, ext::Op::ProvisionCerts, foreign))
            .sw3 == kRefused);
  unchanged();

  // Replay: an authorisation works once; again (challenge consumed) or after a new challenge
  // (another challenge) it is refused.
  c = s.ext(ext::Op::AuthChallenge);
  const Bytes set_time = authorized(ca, serial, c.data, ext::Op::SetTime, be64(1'700'000'000));
  CHECK(s.ext(ext::Op::Authorized, set_time).sw3 == hostlink::sw3::kOk);
  CHECK(s.ext(ext::Op::Authorized, set_time).sw3 == kRefused);
  REQUIRE(s.ext(ext::Op::AuthChallenge).sw3 == hostlink::sw3::kOk);
  CHECK(s.ext(ext::Op::Authorized, set_time).sw3 == kRefused);
  // A refused attempt consumed that challenge too: the right signature over it is now late.
  // Another reader's serial, another operation, other data: refused.
  c = s.ext(ext::Op::AuthChallenge);
  CHECK(s.ext(ext::Op::Authorized,
              authorized(ca, "IDR-0123456789ABCDEF", c.data, ext::Op::ProvisionKey, Bytes(16, 4)))
            .sw3 == kRefused);
  c = s.ext(ext::Op::AuthChallenge);
  CHECK(s.ext(ext::Op::Authorized,
              authorized(ca, serial, c.data, ext::Op::ProvisionKey, Bytes(16, 4), ext::Op::SetTime))
            .sw3 == kRefused);
  c = s.ext(ext::Op::AuthChallenge);
  Bytes other_data = authorized(ca, serial, c.data, ext::Op::SetTime, be64(1'700'000'000));
  other_data.back() ^= 1;
  CHECK(s.ext(ext::Op::Authorized, other_data).sw3 == kRefused);
  // Malformed Authorized commands.
  c = s.ext(ext::Op::AuthChallenge);
  CHECK(s.ext(ext::Op::Authorized, Bytes(10, 0)).sw3 == hostlink::sw3::kLengthError);
  CHECK(s.ext(ext::Op::Authorized, authorized(ca, serial, c.data, ext::Op::DeviceInfo, {})).sw3 ==
        hostlink::sw3::kCommandError);
  CHECK(s.ext(ext::Op::AuthChallenge, {1}).sw3 == hostlink::sw3::kLengthError);
  // A challenge does not survive a restart.
  c = s.ext(ext::Op::AuthChallenge);
  s.restart();
  CHECK(s.ext(ext::Op::Authorized,
              authorized(ca, serial, c.data, ext::Op::SetTime, be64(1'700'000'000)))
            .sw3 == kRefused);
  unchanged();
  const Answer still = s.read_signed(nonce_of(1), ext::kText);
  REQUIRE(still.sw3 == hostlink::sw3::kOk);
  CHECK(verify(parse_signed_reply(still.data), pub).all_ok());

  // The authorised change: a new key (the old one signs until the chain commits), its chain.
  c = s.ext(ext::Op::AuthChallenge);
  const Bytes pop_challenge(16, 0x42);
  const Answer key = s.ext(ext::Op::Authorized,
                           authorized(ca, serial, c.data, ext::Op::ProvisionKey, pop_challenge));
  REQUIRE(key.sw3 == hostlink::sw3::kOk);
  REQUIRE(key.data.size() == 65 + 64);
  const Bytes fresh(key.data.begin(), key.data.begin() + 65);
  CHECK(fresh != pub);
  char fresh_serial[crypto::kSerialSize + 1];
  uint8_t fresh_point[65];
  std::memcpy(fresh_point, fresh.data(), 65);
  REQUIRE(crypto::serial_of(fresh_point, fresh_serial) == Status::Ok);
  CHECK(es256_verify(
      fresh,
      provision_message(std::string(fresh_serial, crypto::kSerialSize), pop_challenge, fresh),
      Bytes(key.data.begin() + 65, key.data.end())));
  unchanged();
  const Answer old_signs = s.read_signed(nonce_of(2), ext::kText);
  REQUIRE(old_signs.sw3 == hostlink::sw3::kOk);
  CHECK(verify(parse_signed_reply(old_signs.data), pub).all_ok());

  const Bytes new_chain =
      chain_cbor({ca.certify(fresh.data(), std::string("CN=") + fresh_serial), s.ca_cert});
  c = s.ext(ext::Op::AuthChallenge);
  REQUIRE(
      s.ext(ext::Op::Authorized, authorized(ca, serial, c.data, ext::Op::ProvisionCerts, new_chain))
          .sw3 == hostlink::sw3::kOk);
  const Node after = decode(s.ext(ext::Op::DeviceInfo).data);
  CHECK(after.at("serial").text() == fresh_serial);
  CHECK(after.at("pubkey").bytes == fresh);
  CHECK(after.at("state").text() == "provisioned");
  CHECK(s.ext(ext::Op::CertChain).data == new_chain);
  s.restart();
  const Answer new_signs = s.read_signed(nonce_of(3), ext::kText);
  REQUIRE(new_signs.sw3 == hostlink::sw3::kOk);
  const SignedRecord rec = parse_signed_reply(new_signs.data);
  CHECK(verify(rec, fresh).all_ok());
  CHECK(decode(rec.payload).at("serial").text() == fresh_serial);
}

// DESIGN 11: a damaged key record is a fault, reported as such (SW3 0x25), never as
// "unprovisioned": no signature and no provisioning, authorised or not.
TEST_CASE("provisioning: a damaged key record leaves the reader refusing to sign (0x25)") {
  SignedRig s("resident-fingerprint");
  REQUIRE(s.rig.init_status == Status::Ok);
  TestCa ca(13);
  (void)s.provision(ca);
  REQUIRE(s.read_signed(nonce_of(4), ext::kText).sw3 == hostlink::sw3::kOk);
  hal::Flash& flash = s.rig.hb.board().flash;
  const crypto::FlashLayout layout = crypto::FlashLayout::top(flash.page_count());
  // Clear one set bit inside the private key (slot A holds the first identity).
  const uint32_t at = layout.slot_a * flash.page_size() + 20;
  uint8_t byte = 0;
  REQUIRE(flash.read(at, &byte, 1) == Status::Ok);
  REQUIRE(byte != 0);
  const uint8_t cleared = static_cast<uint8_t>(byte & (byte - 1));
  REQUIRE(flash.program(at, &cleared, 1) == Status::Ok);
  s.restart();

  constexpr uint8_t kFault = hostlink::sw3::kIdentityFault;
  const Node info = decode(s.ext(ext::Op::DeviceInfo).data);
  CHECK(info.at("state").text() == "fault");
  CHECK_FALSE(info.at("provisioned").boolean);
  CHECK(s.read_signed(nonce_of(5), ext::kText).sw3 == kFault);
  CHECK(s.ext(ext::Op::SelfTest).sw3 == kFault);
  CHECK(s.ext(ext::Op::ProvisionKey, Bytes(16, 5)).sw3 == kFault);
  CHECK(s.ext(ext::Op::ProvisionCerts, s.chain).sw3 == kFault);
  CHECK(s.ext(ext::Op::SetTime, be64(1'700'000'000)).sw3 == kFault);
  CHECK(s.ext(ext::Op::AuthChallenge).sw3 == kFault);
  CHECK(s.ext(ext::Op::Authorized, authorized(ca, info.at("serial").text(), Bytes(16, 0),
                                              ext::Op::SetTime, be64(1'700'000'000)))
            .sw3 == kFault);
  CHECK(s.ext(ext::Op::CertChain).data == Bytes{0x80});
  // Still a fault after another restart: nothing above wrote anything.
  s.restart();
  CHECK(decode(s.ext(ext::Op::DeviceInfo).data).at("state").text() == "fault");
}
