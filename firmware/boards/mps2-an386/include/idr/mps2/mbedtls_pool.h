#pragma once
// mbedTLS's heap on the target: a static pool (MBEDTLS_MEMORY_BUFFER_ALLOC_C, see
// toolchain/mbedtls/include/idr_mbedtls_config.h). The firmware never allocates; mbedTLS
// does, for its bignums, and gets this pool instead of the C library heap.
#include <cstddef>

namespace idr::mps2 {

// Pool size in bytes. Measured, not guessed: the target self-test
// (idr-crypto-selftest-mps2, run by tests/qemu qemu_crypto_selftest) runs every mbedTLS
// path the firmware has (public key, signing, verification, key generation) in pools of
// decreasing size and reports the smallest that works (pool_min; first-fit fragmentation
// makes it larger than the high-water mark mbedtls_memory_buffer_alloc_max_get gives).
// It runs them as the firmware does: on one kept P256Group (crypto/p256.h) prepared first,
// so the comb table of G (8 points, window 4) stays in the pool throughout.
// This is pool_min rounded up to 512 bytes plus kMbedtlsPoolHeadroom; the self-test fails
// when the headroom is gone. Measured 2026-12-05: pool_min 6464 (peak 3880 B).
inline constexpr size_t kMbedtlsPoolSize = 7168;
inline constexpr size_t kMbedtlsPoolHeadroom = 512;

// Hands the pool to mbedTLS. Call once at start-up, before any mbedTLS function.
void mbedtls_pool_init();
// The same with only the first `bytes` (<= kMbedtlsPoolSize) of the pool: the self-test's
// measurement. Call again to start over (everything allocated before is forgotten).
void mbedtls_pool_init(size_t bytes);

struct MbedtlsPoolUse {
  size_t peak_bytes = 0;   // high-water mark of allocated bytes (headers included)
  size_t peak_blocks = 0;  // blocks allocated at that time
  size_t now_bytes = 0;    // allocated right now (0 between operations: nothing leaks)
  size_t now_blocks = 0;
};
[[nodiscard]] MbedtlsPoolUse mbedtls_pool_use();

}  // namespace idr::mps2
