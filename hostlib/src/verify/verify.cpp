// verify_record: one RecordCheckResult per check of DESIGN 5, card data only when all required
// checks succeeded. Order: decode, signature, chain, revocation, nonce, SAM verdict, field
// digests, DESIGN 7 hooks, and the counter last (recorded only when everything else passed).
#include <openssl/crypto.h>

#include <atomic>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "cbor_io.h"
#include "certificate.h"
#include "chain_cache.h"
#include "constant_time.h"
#include "idr/verify.h"
#include "signed_fields.h"
#include "trust_store_impl.h"

namespace idr {

const char* to_string(Check c) noexcept {
  switch (c) {
    case Check::Decode:
      return "decode";
    case Check::Signature:
      return "signature";
    case Check::Chain:
      return "chain";
    case Check::Revocation:
      return "revocation";
    case Check::Nonce:
      return "nonce";
    case Check::Counter:
      return "counter";
    case Check::SamVerdict:
      return "sam";
    case Check::FieldDigest:
      return "digest";
  }
  return "?";
}

bool covered_by_issuer_mac(const std::string& field) noexcept {
  return field.rfind("address_", 0) != 0;  // appended addresses: file 60 03, no issuer MAC
}

const char* to_string(Reason r) noexcept {
  switch (r) {
    case Reason::Ok:
      return "ok";
    case Reason::Malformed:
      return "malformed";
    case Reason::BadSignature:
      return "bad_signature";
    case Reason::NoChain:
      return "no_chain";
    case Reason::BadCertificate:
      return "bad_certificate";
    case Reason::UntrustedRoot:
      return "untrusted_root";
    case Reason::Expired:
      return "expired";
    case Reason::NotYetValid:
      return "not_yet_valid";
    case Reason::SerialMismatch:
      return "serial_mismatch";
    case Reason::NoTrustStore:
      return "no_trust_store";
    case Reason::Revoked:
      return "revoked";
    case Reason::NonceMismatch:
      return "nonce_mismatch";
    case Reason::NoExpectedNonce:
      return "no_expected_nonce";
    case Reason::Replay:
      return "replay";
    case Reason::Regression:
      return "regression";
    case Reason::NoCounterStore:
      return "no_counter_store";
    case Reason::CounterStoreError:
      return "counter_store_error";
    case Reason::SamRejected:
      return "sam_rejected";
    case Reason::DigestMismatch:
      return "digest_mismatch";
    case Reason::NoDigest:
      return "no_digest";
    case Reason::DuplicateDisclosure:
      return "duplicate_disclosure";
    case Reason::NotDisclosed:
      return "not_disclosed";
    case Reason::UnsupportedPayload:
      return "unsupported_payload";
    case Reason::Undecodable:
      return "undecodable";
    case Reason::NoRevocationList:
      return "no_revocation_list";
    case Reason::ChainTooLong:
      return "chain_too_long";
    case Reason::NonCanonicalCertificate:
      return "non_canonical_certificate";
    case Reason::KeyUsage:
      return "key_usage";
    case Reason::BasicConstraints:
      return "basic_constraints";
    case Reason::PathLength:
      return "path_length";
    case Reason::UnsupportedAlgorithm:
      return "unsupported_algorithm";
  }
  return "?";
}

bool RecordVerdict::verified() const {
  if (results_.empty()) return false;
  for (const auto& r : results_)
    if (r.required && r.outcome != CheckStatus::Succeeded) return false;
  return true;
}

const RecordCheckResult* RecordVerdict::find(Check check, const std::string& field) const {
  for (const auto& r : results_)
    if (r.check == check && (field.empty() || r.field == field)) return &r;
  return nullptr;
}

const RecordCheckResult* RecordVerdict::first_failure() const {
  for (const auto& r : results_)
    if (r.required && r.outcome != CheckStatus::Succeeded) return &r;
  return nullptr;
}

namespace {

RecordCheckResult ok(Check c, std::string message, std::string field = {}) {
  return {c, std::move(field), CheckStatus::Succeeded, Reason::Ok, std::move(message), true};
}
RecordCheckResult failed(Check c, Reason r, std::string message, std::string field = {}) {
  return {c, std::move(field), CheckStatus::Failed, r, std::move(message), true};
}
RecordCheckResult not_checked(Check c, Reason r, std::string message, bool required) {
  return {c, {}, CheckStatus::NotChecked, r, std::move(message), required};
}

// SHA-256 of the COSE Sig_structure ["Signature1", protected, h'', payload] (RFC 9052 4.4).
void sig_structure_digest(const SignedRecord& r, uint8_t (&digest)[32]) {
  detail::CborWriter w;
  w.array(4);
  w.text("Signature1");
  w.bytes(r.protected_header);
  w.bytes(nullptr, 0);
  w.bytes(r.payload_bytes);
  const Bytes tbs = w.take();
  const auto d = detail::sha256(tbs.data(), tbs.size());
  std::memcpy(digest, d.data(), d.size());
}

RecordCheckResult check_signature(const SignedRecord& r, const detail::ChainVerdict& chain) {
  uint8_t digest[32];
  sig_structure_digest(r, digest);
  if (!chain.verify_signature(digest, r.signature.data()))
    return failed(Check::Signature, Reason::BadSignature,
                  "the ES256 signature does not verify with the device certificate's key");
  return ok(Check::Signature, "ES256 signature verifies with the device certificate's key");
}

// The chain's cached verdict, then what depends on the record and `now`: each certificate's
// validity at the caller's clock, the device CN against the payload serial.
RecordCheckResult check_chain(const SignedRecord& r, const detail::ChainVerdict& chain,
                              const VerifyOptions& o) {
  if (o.trust == nullptr || o.trust->root_count() == 0)
    return failed(Check::Chain, Reason::NoTrustStore, "no trusted roots configured");
  if (chain.path_failed) return *chain.path_failed;
  for (const detail::ChainCert& pc : chain.path) {
    if (o.now < pc.from)
      return failed(Check::Chain, Reason::NotYetValid,
                    "certificate '" + pc.name + "' is not yet valid");
    if (o.now > pc.to)
      return failed(Check::Chain, Reason::Expired, "certificate '" + pc.name + "' has expired");
  }
  if (chain.x5chain.front().cn != r.payload.serial)
    return failed(
        Check::Chain, Reason::SerialMismatch,
        "the device certificate's CN is not the payload serial '" + r.payload.serial + "'");
  return ok(Check::Chain, "chain of " + std::to_string(chain.path.size()) +
                              " certificates to a trusted root, valid now");
}

// Every certificate of x5chain and of the verified path (a trusted intermediate among the
// roots counts too) and the reader serial, against the list (DESIGN 11): on every record,
// the list may have changed since the chain was judged.
RecordCheckResult check_revocation(const SignedRecord& r, const VerifyOptions& o,
                                   const detail::ChainVerdict* chain) {
  if (o.trust == nullptr || !o.trust->has_revocation_list())
    return not_checked(Check::Revocation, Reason::NoRevocationList,
                       "no revocation list configured (--revoked FILE, or revoked.txt beside the "
                       "trusted root)",
                       o.require_revocation);
  if (r.chain.empty())
    return failed(Check::Revocation, Reason::NoChain, "no certificate to look up");
  if (chain == nullptr)
    return not_checked(Check::Revocation, Reason::BadCertificate,
                       "not checked: the certificate chain was refused", true);
  for (const detail::ChainCert& c : chain->x5chain)
    if (const char* by = o.trust->revoked_by(c.keys))
      return failed(Check::Revocation, Reason::Revoked, c.name + " is revoked (by " + by + ")");
  for (size_t depth = 0; depth < chain->path.size(); ++depth) {
    const detail::ChainCert& pc = chain->path[depth];
    if (const char* by = o.trust->revoked_by(pc.keys))
      return failed(Check::Revocation, Reason::Revoked,
                    "certificate '" + pc.name + "' of the path (depth " + std::to_string(depth) +
                        ") is revoked (by " + by + ")");
  }
  if (o.trust->is_reader_revoked(r.payload.serial))
    return failed(Check::Revocation, Reason::Revoked,
                  "reader " + r.payload.serial + " is revoked (by reader serial)");
  return ok(Check::Revocation, "no certificate of the chain nor the reader serial is revoked");
}

RecordCheckResult check_nonce(const SignedRecord& r, const VerifyOptions& o) {
  if (!o.nonce)
    return not_checked(Check::Nonce, Reason::NoExpectedNonce, "no expected nonce given",
                       o.require_nonce);
  if (!detail::equal_ct(o.nonce->data(), r.payload.nonce.data(), kNonceSize))
    return failed(Check::Nonce, Reason::NonceMismatch,
                  "the record's nonce is not the one sent (an old or foreign record)");
  return ok(Check::Nonce, "nonce matches");
}

// Puts the verified text slices into a block of UCS-2 spaces with the payload's type char.
Result<CardData> card_from(const SignedRecord& r,
                           const std::map<std::string, const Disclosure*>& ok_fields,
                           std::string& why) {
  size_t n = 0;
  const detail::SignedTextField* table = detail::signed_text_fields(r.payload.card_type, n);
  std::array<uint8_t, card::kTextSize> block{};
  for (size_t i = 0; i < block.size(); i += 2) block[i] = 0x20;
  block[card::kCardTypeOffset] = static_cast<uint8_t>(r.payload.card_type & 0xFF);
  block[card::kCardTypeOffset + 1] = static_cast<uint8_t>(r.payload.card_type >> 8);
  bool any_text = false;
  for (size_t i = 0; i < n; ++i) {
    auto it = ok_fields.find(table[i].name);
    if (it == ok_fields.end()) continue;
    const Bytes& v = it->second->value;
    if (v.size() != table[i].field.size) {
      why = std::string("field '") + table[i].name + "' has " + std::to_string(v.size()) +
            " bytes, the layout says " + std::to_string(table[i].field.size);
      return Error::MalformedReply;
    }
    std::memcpy(block.data() + table[i].field.offset, v.data(), v.size());
    any_text = true;
  }
  CardData card;
  if (table != nullptr) {
    auto decoded = decode_text(block.data());
    if (!decoded) {
      why = "the disclosed text does not decode as UCS-2";
      return decoded.error();
    }
    card = std::move(decoded).value();
  }
  // Only disclosed bytes: the block's untouched parts are spaces, not card data.
  card.text_raw = block;
  card.fields_read = any_text ? unsigned{kText} : 0u;
  if (auto it = ok_fields.find("photo"); it != ok_fields.end()) {
    card.photo = it->second->value;
    card.fields_read |= kPhoto;
  }
  if (auto it = ok_fields.find("fingerprint"); it != ok_fields.end()) {
    card.fingerprint = it->second->value;
    card.fields_read |= kFingerprint;
  }
  for (int i = 1; i <= static_cast<int>(card::kAddressEntries); ++i) {
    auto it = ok_fields.find("address_" + std::to_string(i));
    if (it == ok_fields.end()) continue;
    auto text = ucs2le_to_utf8(it->second->value.data(), it->second->value.size());
    if (!text) {
      why = "address_" + std::to_string(i) + " does not decode as UCS-2";
      return text.error();
    }
    card.appended_addresses.push_back(std::move(text).value());
    card.fields_read |= kAddresses;
  }
  return card;
}

bool known_field(const SignedRecord& r, const std::string& name) {
  size_t n = 0;
  const detail::SignedTextField* table = detail::signed_text_fields(r.payload.card_type, n);
  for (size_t i = 0; i < n; ++i)
    if (name == table[i].name) return true;
  if (name == "photo" || name == "fingerprint") return true;
  for (int i = 1; i <= 4; ++i)
    if (name == "address_" + std::to_string(i)) return true;
  return false;
}

}  // namespace

VerifiedRecord verify_record(const uint8_t* data, size_t size, const VerifyOptions& o) {
  VerifiedRecord out;
  RecordVerdict& v = out.verdict_;
  std::string why;
  auto decoded = decode_signed(data, size, &why);
  if (decoded && decoded->payload.version != 1) {
    decoded = Error::MalformedReply;
    why = "payload version is not 1";
  } else if (decoded && decoded->payload.alg != "SHA-256") {
    why = "digest algorithm '" + decoded->payload.alg + "' is not SHA-256";  // before the reset
    decoded = Error::MalformedReply;
  }
  if (!decoded) {
    const bool unsupported =
        why.rfind("payload version", 0) == 0 || why.rfind("digest algorithm", 0) == 0;
    v.add(failed(Check::Decode, unsupported ? Reason::UnsupportedPayload : Reason::Malformed, why));
    for (Check c : {Check::Signature, Check::Chain, Check::Revocation, Check::Nonce, Check::Counter,
                    Check::SamVerdict, Check::FieldDigest})
      v.add(not_checked(c, Reason::Malformed, "the record did not decode", true));
    return out;
  }
  out.record_ = std::move(decoded).value();
  const SignedRecord& r = *out.record_;
  v.add(ok(Check::Decode, "COSE_Sign1 ES256 record, payload v1, " +
                              std::to_string(r.disclosures.size()) + " disclosures"));

  const detail::ChainVerdict* accepted = nullptr;
  std::shared_ptr<const detail::ChainVerdict> chain;
  if (r.chain.empty()) {
    v.add(failed(Check::Signature, Reason::NoChain,
                 "the record carries no certificate chain: no key to verify the signature with"));
    v.add(failed(Check::Chain, Reason::NoChain, "the record carries no certificate chain"));
  } else {
    // Judged once per distinct chain and trust store (chain_cache.h).
    chain = o.trust != nullptr && o.trust->root_count() != 0
                ? o.trust->impl().chains.verdict(r.chain, o.trust->impl().roots)
                : detail::judge_chain(r.chain, nullptr);
    if (chain->refused) {
      v.add(not_checked(Check::Signature, chain->refused->reason,
                        "not checked: the certificate chain was refused", true));
      v.add(*chain->refused);
    } else {
      accepted = chain.get();
      v.add(check_signature(r, *chain));
      v.add(check_chain(r, *chain, o));
    }
  }
  v.add(check_revocation(r, o, accepted));
  v.add(check_nonce(r, o));
  v.add(r.payload.sam_ok
            ? ok(Check::SamVerdict,
                 "the reader's SAM verified the issuer MACs over text, photo and fingerprint "
                 "(not over appended addresses: they have none)")
            : failed(Check::SamVerdict, Reason::SamRejected,
                     "the reader's SAM rejected the issuer MACs over text, photo and "
                     "fingerprint: the card data is not what the issuer sealed"));

  // Field digests: each disclosure against its digest; digests without disclosure are
  // hidden fields (fine, not required).
  std::map<std::string, const Disclosure*> ok_fields;
  std::set<std::string> seen;
  for (const Disclosure& d : r.disclosures) {
    if (!seen.insert(d.field).second) {
      v.add(failed(Check::FieldDigest, Reason::DuplicateDisclosure,
                   "two disclosures for '" + d.field + "'", d.field));
      ok_fields.erase(d.field);
      continue;
    }
    auto digest = r.payload.digests.find(d.field);
    if (digest == r.payload.digests.end() || !known_field(r, d.field)) {
      v.add(failed(Check::FieldDigest, Reason::NoDigest,
                   "a disclosure for '" + d.field + "' which the signed payload has no digest for",
                   d.field));
      continue;
    }
    detail::Sha256 sha;
    sha.update(d.salt.data(), d.salt.size());
    sha.update(d.value.data(), d.value.size());
    std::array<uint8_t, 32> computed = sha.finish();
    const bool same = detail::equal_ct(computed.data(), digest->second.data(), kDigestSize);
    OPENSSL_cleanse(computed.data(), computed.size());
    if (!same) {
      v.add(failed(Check::FieldDigest, Reason::DigestMismatch,
                   "'" + d.field + "' does not match its signed digest", d.field));
      continue;
    }
    v.add(ok(Check::FieldDigest,
             "'" + d.field + "' matches its signed digest" +
                 (covered_by_issuer_mac(d.field)
                      ? std::string()
                      : " (no issuer MAC: covered by the reader's signature only)"),
             d.field));
    ok_fields[d.field] = &d;
  }
  for (const auto& [name, digest] : r.payload.digests) {
    (void)digest;
    if (seen.count(name) != 0) continue;
    RecordCheckResult hidden = not_checked(Check::FieldDigest, Reason::NotDisclosed,
                                           "'" + name + "' not disclosed", false);
    hidden.field = name;
    v.add(std::move(hidden));
  }

  // Card data from the verified slices only.
  std::optional<CardData> card;
  {
    std::string card_why;
    auto c = card_from(r, ok_fields, card_why);
    if (c) {
      card = std::move(c).value();
    } else {
      v.add(failed(Check::FieldDigest, Reason::Undecodable, card_why, "text"));
    }
  }

  // Counter: compared always, recorded only when every other check succeeded.
  if (o.counters == nullptr) {
    v.add(not_checked(Check::Counter, Reason::NoCounterStore, "no counter store given",
                      o.require_counter));
  } else {
    const uint64_t ctr = r.payload.counter;
    auto last = o.counters->last(r.payload.serial);
    if (!last) {
      v.add(failed(Check::Counter, Reason::CounterStoreError, "the counter store failed"));
    } else if (*last && ctr == **last) {
      v.add(failed(Check::Counter, Reason::Replay,
                   "counter " + std::to_string(ctr) +
                       " was seen before from this reader: a replayed record or a cloned reader"));
    } else if (*last && ctr < **last) {
      v.add(failed(Check::Counter, Reason::Regression,
                   "counter " + std::to_string(ctr) + " is below the last seen " +
                       std::to_string(**last) + ": possible cloned reader or replay"));
    } else {
      const std::string above =
          *last ? "above the last seen " + std::to_string(**last) : "the first seen";
      if (!v.verified()) {
        v.add(ok(Check::Counter, "counter " + std::to_string(ctr) + " is " + above +
                                     " (not recorded: another check failed)"));
      } else {
        auto advanced = o.counters->advance(r.payload.serial, ctr);
        if (!advanced)
          v.add(failed(Check::Counter, Reason::CounterStoreError, "the counter store failed"));
        else if (!*advanced)
          v.add(failed(Check::Counter, Reason::Replay,
                       "counter " + std::to_string(ctr) + " was recorded meanwhile: a replay"));
        else
          v.add(
              ok(Check::Counter, "counter " + std::to_string(ctr) + " is " + above + ", recorded"));
      }
    }
  }

  if (v.verified() && card) {
    out.card_ = std::move(card);
    for (const auto& [name, d] : ok_fields) {
      (void)d;
      out.fields_.push_back(name);
    }
  }
  return out;
}

}  // namespace idr
