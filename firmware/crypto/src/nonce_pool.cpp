#include "idr/crypto/nonce_pool.h"

#include <cstring>

namespace idr::crypto {

Status NoncePool::refill_one(P256Group& group, hal::Rng& rng, ByteView hedge, uint64_t made_at) {
  if (full()) return Status::Ok;
  const size_t at = (first_ + count_) % kCapacity;
  const Status s = precompute_nonce(group, rng, hedge, slots_[at]);  // wipes it on failure
  if (s != Status::Ok) return s;
  made_at_[at] = made_at;
  ++count_;
  return s;
}

bool NoncePool::take(NoncePair& out, uint64_t& made_at) {
  if (count_ == 0) return false;
  NoncePair& slot = slots_[first_];
  std::memcpy(&out, &slot, sizeof(out));
  made_at = made_at_[first_];
  wipe(&slot, sizeof(slot));
  first_ = (first_ + 1) % kCapacity;
  --count_;
  return true;
}

void NoncePool::clear() {
  wipe(slots_, sizeof(slots_));
  first_ = 0;
  count_ = 0;
}

}  // namespace idr::crypto
