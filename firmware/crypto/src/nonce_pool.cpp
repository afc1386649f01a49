#include "idr/crypto/nonce_pool.h"

#include <cstring>

namespace idr::crypto {

Status NoncePool::refill_one(P256Group& group, hal::Rng& rng) {
  if (full()) return Status::Ok;
  NoncePair& slot = slots_[(first_ + count_) % kCapacity];
  const Status s = precompute_nonce(group, rng, slot);  // wipes the slot on failure
  if (s == Status::Ok) ++count_;
  return s;
}

bool NoncePool::take(NoncePair& out) {
  if (count_ == 0) return false;
  NoncePair& slot = slots_[first_];
  std::memcpy(&out, &slot, sizeof(out));
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
