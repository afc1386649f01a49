#include "idr/crypto/reader_identity.h"

#include <cstring>

#include "idr/crypto/cose_sign1.h"

namespace idr::crypto {

Status ReaderIdentity::load() {
  loaded_ = false;
  if (!layout_) {
    const uint32_t pages = flash_.page_count();
    if (pages < FlashLayout::kPagesUsed) return Status::Unsupported;
    layout_ = FlashLayout::top(pages);
  }
  keys_.emplace(flash_, layout_->key, layout_->chain);
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

void ReaderIdentity::derive_serial() {
  std::memset(serial_, 0, sizeof(serial_));
  serial_size_ = 0;
  std::memset(public_key_, 0, sizeof(public_key_));
  if (!keys_->has_key()) return;
  std::memcpy(public_key_, keys_->public_key(), kPublicKeySize);
  uint8_t digest[kSha256Size];
  const ByteView part{public_key_, kPublicKeySize};
  if (sha256(&part, 1, digest) != Status::Ok) return;
  static const char kHex[] = "0123456789ABCDEF";
  std::memcpy(serial_, "IDR-", 4);
  for (size_t i = 0; i < 8; ++i) {
    serial_[4 + 2 * i] = kHex[digest[i] >> 4];
    serial_[5 + 2 * i] = kHex[digest[i] & 0x0F];
  }
  serial_size_ = kSerialSize;
}

Status ReaderIdentity::provision(const uint8_t (&challenge)[kChallengeSize],
                                 uint8_t (&signature)[kSignatureSize]) {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  s = keys_->provision(group_, rng_);
  if (s != Status::Ok) {
    loaded_ = false;  // a failed write may have left anything: reload next time
    return s;
  }
  derive_serial();
  const ByteView parts[4] = {
      {reinterpret_cast<const uint8_t*>(kProvisionContext), sizeof(kProvisionContext) - 1},
      {reinterpret_cast<const uint8_t*>(serial_), serial_size_},
      {challenge, kChallengeSize},
      {public_key_, kPublicKeySize}};
  uint8_t digest[kSha256Size];
  s = sha256(parts, 4, digest);
  if (s != Status::Ok) return s;
  return keys_->sign(group_, digest, rng_, signature);
}

Status ReaderIdentity::store_chain(ByteView cbor_chain) {
  const Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  return keys_->store_chain(cbor_chain);
}

Status ReaderIdentity::read_chain(uint8_t* out, size_t cap) {
  const Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  return keys_->read_chain(out, cap);
}

Status ReaderIdentity::reserve_counter(uint64_t& value) {
  const Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  return counter_->reserve_next(value);
}

Status ReaderIdentity::sign_payload(ByteView payload, uint8_t (&signature)[kSignatureSize]) {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
  uint8_t digest[kSha256Size];
  s = cose::sig_structure_digest(payload, digest);
  if (s != Status::Ok) return s;
  return keys_->sign(group_, digest, rng_, signature);
}

Status ReaderIdentity::self_test() {
  Status s = ensure_loaded();
  if (s != Status::Ok) return s;
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
