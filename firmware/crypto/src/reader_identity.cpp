#include "idr/crypto/reader_identity.h"

#include <cstring>

#include "idr/crypto/cose_sign1.h"
#include "idr/proto/extension.h"

namespace idr::crypto {

Status ReaderIdentity::load() {
  loaded_ = false;
  if (!layout_) {
    const uint32_t pages = flash_.page_count();
    if (pages < FlashLayout::kPagesUsed) return Status::Unsupported;
    layout_ = FlashLayout::top(pages);
  }
  drop_challenge();
  keys_.emplace(flash_, layout_->slot_a, layout_->slot_b);
  counter_.emplace(flash_, layout_->counter_a, layout_->counter_b);
  Status s = keys_->load();
  if (s != Status::Ok) return s;
  s = counter_->load();
  if (s != Status::Ok) return s;
  derive_serial();
  // Build the base point's comb table now, at start-up, not during the first signed read.
  s = group_.prepare();
  if (s != Status::Ok) return s;
  loaded_ = true;
  return Status::Ok;
}

Status ReaderIdentity::ensure_loaded() {
  return loaded_ ? Status::Ok : load();
}

Status serial_of(const uint8_t (&public_key)[kPublicKeySize], char (&serial)[kSerialSize + 1]) {
  std::memset(serial, 0, sizeof(serial));
  uint8_t digest[kSha256Size];
  const ByteView part{public_key, kPublicKeySize};
  const Status s = sha256(&part, 1, digest);
  if (s != Status::Ok) return s;
  static const char kHex[] = "0123456789ABCDEF";
  std::memcpy(serial, "IDR-", 4);
  for (size_t i = 0; i < 8; ++i) {
    serial[4 + 2 * i] = kHex[digest[i] >> 4];
    serial[5 + 2 * i] = kHex[digest[i] & 0x0F];
  }
  return Status::Ok;
}

void ReaderIdentity::derive_serial() {
  std::memset(serial_, 0, sizeof(serial_));
  serial_size_ = 0;
  std::memset(public_key_, 0, sizeof(public_key_));
  if (!keys_->has_key()) return;
  std::memcpy(public_key_, keys_->public_key(), kPublicKeySize);
  if (serial_of(public_key_, serial_) == Status::Ok) serial_size_ = kSerialSize;
}

Status ReaderIdentity::proof_of_possession(const uint8_t (&public_key)[kPublicKeySize],
                                           const uint8_t (&challenge)[kChallengeSize],
                                           uint8_t (&digest)[kSha256Size]) {
  char serial[kSerialSize + 1];
  const Status s = serial_of(public_key, serial);
  if (s != Status::Ok) return s;
  const ByteView parts[4] = {
      {reinterpret_cast<const uint8_t*>(kProvisionContext), sizeof(kProvisionContext) - 1},
      {reinterpret_cast<const uint8_t*>(serial), kSerialSize},
      {challenge, kChallengeSize},
      {public_key, kPublicKeySize}};
  return sha256(parts, 4, digest);
}

Status ReaderIdentity::trng_alive() {
  uint8_t a[16];
  uint8_t b[16];
  Status s = rng_.fill(a, sizeof(a));
  if (s == Status::Ok) s = rng_.fill(b, sizeof(b));
  const bool same = s == Status::Ok && equal_ct(a, b, sizeof(a));
  wipe(a, sizeof(a));
  wipe(b, sizeof(b));
  if (s != Status::Ok) return s;
  return same ? Status::Io : Status::Ok;
}

Status ReaderIdentity::provision(const uint8_t (&challenge)[kChallengeSize],
                                 uint8_t (&signature)[kSignatureSize]) {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  // A key is made only in Factory: never from a TRNG stuck on one output.
  if (keys_->state() == IdentityState::Factory) {
    s = trng_alive();
    if (s != Status::Ok) return s;
  }
  s = keys_->provision(group_, rng_);
  if (s != Status::Ok) {
    if (s != Status::Unauthorized && s != Status::StorageFault)
      loaded_ = false;  // a failed write may have left anything: reload next time
    return s;
  }
  derive_serial();
  uint8_t digest[kSha256Size];
  s = proof_of_possession(public_key_, challenge, digest);
  if (s != Status::Ok) return s;
  return keys_->sign(group_, digest, rng_, signature);
}

Status ReaderIdentity::provision_new_key(const uint8_t (&challenge)[kChallengeSize],
                                         uint8_t (&public_key)[kPublicKeySize],
                                         uint8_t (&signature)[kSignatureSize]) {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  if (keys_->state() == IdentityState::Provisioned) {
    s = trng_alive();  // never a new key from a TRNG stuck on one output
    if (s != Status::Ok) return s;
  }
  s = keys_->rekey(group_, rng_);
  if (s != Status::Ok) {
    if (s != Status::Unauthorized && s != Status::StorageFault) loaded_ = false;
    return s;
  }
  std::memcpy(public_key, keys_->pending_public_key(), kPublicKeySize);
  uint8_t digest[kSha256Size];
  s = proof_of_possession(public_key, challenge, digest);
  if (s != Status::Ok) return s;
  return keys_->sign_pending(group_, digest, rng_, signature);
}

Status ReaderIdentity::store_chain(ByteView cbor_chain, bool authorized) {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  s = keys_->store_chain(cbor_chain, authorized);
  if (s == Status::FlashError || s == Status::Io) loaded_ = false;
  derive_serial();  // a committed new key brings its serial
  return s;
}

Status ReaderIdentity::new_challenge(uint8_t (&challenge)[kChallengeSize]) {
  drop_challenge();
  const Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  if (state() == IdentityState::Fault) return Status::StorageFault;
  if (state() != IdentityState::Provisioned) return Status::Unauthorized;
  // A challenge from a TRNG stuck on one output would repeat, and an authorisation seen once
  // would be good again.
  if (trng_alive() != Status::Ok || rng_.fill(challenge_, kChallengeSize) != Status::Ok) {
    drop_challenge();
    return Status::Io;
  }
  std::memcpy(challenge, challenge_, kChallengeSize);
  challenge_live_ = true;
  return Status::Ok;
}

void ReaderIdentity::drop_challenge() {
  wipe(challenge_, sizeof(challenge_));
  challenge_live_ = false;
}

Status ReaderIdentity::authorize(uint8_t op, ByteView data,
                                 const uint8_t (&signature)[kSignatureSize]) {
  // Single use: taken out of RAM before anything can fail.
  uint8_t challenge[kChallengeSize];
  std::memcpy(challenge, challenge_, kChallengeSize);
  const bool live = challenge_live_;
  drop_challenge();
  Status s = Status::Unauthorized;
  if (live && loaded_ && state() == IdentityState::Provisioned && serial_size_ == kSerialSize) {
    uint8_t data_hash[kSha256Size];
    const ByteView data_part{data.data, data.size};
    s = sha256(&data_part, 1, data_hash);
    if (s == Status::Ok) {
      const ByteView parts[5] = {{reinterpret_cast<const uint8_t*>(ext::kAuthorizeContext),
                                  sizeof(ext::kAuthorizeContext) - 1},
                                 {reinterpret_cast<const uint8_t*>(serial_), kSerialSize},
                                 {challenge, kChallengeSize},
                                 {&op, 1},
                                 {data_hash, kSha256Size}};
      uint8_t digest[kSha256Size];
      s = sha256(parts, 5, digest);
      if (s == Status::Ok)
        s = verify_digest(group_, keys_->authority_key(), digest, signature) == Status::Ok
                ? Status::Ok
                : Status::Unauthorized;
    }
  }
  wipe(challenge, sizeof(challenge));
  return s == Status::Ok ? Status::Ok : Status::Unauthorized;
}

Status ReaderIdentity::read_chain(uint8_t* out, size_t cap) {
  const Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  return keys_->read_chain(out, cap);
}

Status ReaderIdentity::read_chain_part(size_t offset, uint8_t* out, size_t len) {
  const Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  return keys_->read_chain_part(offset, out, len);
}

Status ReaderIdentity::reserve_counter(uint64_t& value) {
  const Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  return counter_->reserve_next(value);
}

Status ReaderIdentity::sign_digest(const uint8_t (&digest)[kSha256Size],
                                   uint8_t (&signature)[kSignatureSize], SignPath* path) {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  NoncePair nonce;
  uint64_t made_at = 0;
  if (nonces_.take(nonce, made_at)) {
    // The pair left the pool (its slot wiped) before it is used: it can serve no other
    // signature, whatever happens below. It signs only when the counter was reserved past
    // the value it was made at (reserve_counter first, as READ_SIGNED does): that durable
    // step keeps every later pair's hedge, in this run or after any restart, from being
    // this one's (precompute_nonce). Else it is dropped and the signature made the slow way.
    s = made_at < last_counter() ? keys_->sign(group_, digest, nonce, signature)
                                 : Status::Unsupported;
    wipe(&nonce, sizeof(nonce));
    if (s == Status::Ok) {
      if (path != nullptr) *path = SignPath::Precomputed;
      return s;
    }
    if (s != Status::Unsupported) return s;  // Unsupported: s == 0, sign the slow way
  }
  if (path != nullptr) *path = SignPath::Full;
  return keys_->sign(group_, digest, rng_, signature);
}

Status ReaderIdentity::sign_payload(ByteView payload, uint8_t (&signature)[kSignatureSize],
                                    SignPath* path) {
  uint8_t digest[kSha256Size];
  const Status s = cose::sig_structure_digest(payload, digest);
  if (s != Status::Ok) return s;
  return sign_digest(digest, signature, path);
}

Status ReaderIdentity::precompute_nonce(bool& computed) {
  computed = false;
  // A key to hedge with (Keyed or Provisioned; nothing in Factory or Fault).
  if (nonces_.full() || !loaded_ || !provisioned()) return Status::Ok;
  // The hedge: secret (the key) and never the same for two pairs that sign: the counter
  // value now and the draw's number in this run (hedge_for). A pair signs only once the counter
  // moved past the value it was made at (sign_digest), and the counter is durable, so no later run
  // makes a pair with that value again.
  uint64_t made_at = 0;
  uint8_t hedge[kSha256Size];
  Status s = hedge_for(kHedgeNonce, made_at, hedge);
  if (s == Status::Ok)
    s = nonces_.refill_one(group_, rng_, ByteView{hedge, sizeof(hedge)}, made_at);
  wipe(hedge, sizeof(hedge));
  computed = s == Status::Ok;
  return s;
}

Status ReaderIdentity::hedge_for(uint8_t use, uint64_t& at, uint8_t (&out)[kSha256Size]) {
  at = last_counter();
  uint8_t context[kHedgeContextSize];
  context[0] = use;
  put_be64(context + 1, at);
  put_be64(context + 9, hedges_made_++);
  return keys_->hedge(ByteView{context, sizeof(context)}, out);
}

Status ReaderIdentity::salts(uint8_t* out, size_t count) {
  if (out == nullptr && count != 0) return Status::InvalidArgument;
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  // Secret (the key) and never the same for two records: the counter value now (a signed
  // read reserves the next one before the salts leave the reader) and the draw's number.
  uint64_t at = 0;
  uint8_t hedge[kSha256Size];
  s = hedge_for(kHedgeSalts, at, hedge);
  if (s == Status::Ok) s = rng_.fill(out, count * kSaltSize);
  for (size_t i = 0; s == Status::Ok && i < count; ++i) {
    // salt i = SHA-256(hedge || i || the TRNG's 16 bytes), the first 16 bytes.
    uint8_t* salt = out + i * kSaltSize;
    const uint8_t index = static_cast<uint8_t>(i);
    const ByteView parts[3] = {{hedge, sizeof(hedge)}, {&index, 1}, {salt, kSaltSize}};
    uint8_t mixed[kSha256Size];
    s = sha256(parts, 3, mixed);
    std::memcpy(salt, mixed, kSaltSize);
    wipe(mixed, sizeof(mixed));
  }
  wipe(hedge, sizeof(hedge));
  if (s != Status::Ok && out != nullptr) wipe(out, count * kSaltSize);
  return s;
}

Status ReaderIdentity::self_test() {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  if (state() == IdentityState::Fault) return Status::StorageFault;
  if (!provisioned()) return Status::Ok;
  static const uint8_t kMessage[] = "idr-self-test";
  const ByteView part{kMessage, sizeof(kMessage) - 1};
  uint8_t digest[kSha256Size];
  s = sha256(&part, 1, digest);
  if (s != Status::Ok) return s;
  uint8_t signature[kSignatureSize];
  s = keys_->sign(group_, digest, rng_, signature);
  if (s != Status::Ok) return s;
  return verify_digest(group_, public_key_, digest, signature);
}

}  // namespace idr::crypto
