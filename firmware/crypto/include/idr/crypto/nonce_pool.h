#pragma once
// A few precomputed ECDSA nonce pairs (p256.h NoncePair), filled while the reader is idle so
// that a signed read pays only s = w (b e + (b r) d) mod n = k^-1 (e + r d) (DESIGN 9). RAM only:
// nothing is ever written to flash, so no pair survives a reset or power cut. Each pair is handed
// out once: take() moves it to the caller and wipes its slot before returning, so the same pair can
// never be taken again; the caller wipes its copy after the one signature. When the pool is empty
// the caller signs the slow way (p256.h sign_digest with RFC 6979). One owner, one thread
// (ReaderIdentity).
#include <cstddef>
#include <cstdint>

#include "idr/crypto/p256.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::crypto {

class NoncePool {
 public:
  // Pairs kept ready: 96 bytes each (r, b, w). Two cover a read and an immediate re-read; one idle
  // refill (about one signature of work) follows each signed read.
  static constexpr size_t kCapacity = 2;

  NoncePool() = default;
  ~NoncePool() { clear(); }
  NoncePool(const NoncePool&) = delete;
  NoncePool& operator=(const NoncePool&) = delete;

  [[nodiscard]] size_t ready() const { return count_; }
  [[nodiscard]] bool full() const { return count_ == kCapacity; }

  // Computes one pair into a free slot (precompute_nonce: a fresh k from an HMAC-DRBG seeded
  // by `rng` and `hedge`) and keeps `made_at` with it (ReaderIdentity: the counter value at
  // that time). Ok and nothing done when full; on failure the slot stays free and wiped.
  [[nodiscard]] Status refill_one(P256Group& group, hal::Rng& rng, ByteView hedge,
                                  uint64_t made_at);

  // Moves the oldest pair into `out` (its `made_at` too) and wipes its slot; false (out
  // untouched) when empty.
  [[nodiscard]] bool take(NoncePair& out, uint64_t& made_at);

  // Wipes every pair.
  void clear();

 private:
  NoncePair slots_[kCapacity] = {};
  uint64_t made_at_[kCapacity] = {};
  size_t first_ = 0;  // oldest ready slot
  size_t count_ = 0;  // ready slots: first_, first_ + 1, ... (mod kCapacity)
};

}  // namespace idr::crypto
