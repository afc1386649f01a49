#pragma once
// The host board's firmware CPU time, per operation (DESIGN 3): instruction counts measured
// on the Cortex-M4 image under QEMU (mps2-an386, -icount shift=0: CMSDK timer 0 ticks x 40,
// DESIGN 10), committed here so the host board charges what the MCU would execute.
// tests/qemu cpu_calibration_test re-measures every figure and fails beyond its tolerance
// (stated there); toolchain/bench-footprint prints them.
//
// Where each figure comes from:
//   ECDSA / SHA-256 / CBOR: the target self-test image (crypto_selftest.cpp): the comb table
//     of a fresh P-256 group (ReaderIdentity::load builds it once after boot), a signature
//     with the table kept (the slow way, when no precomputed nonce is ready), a precomputed
//     nonce pair and a signature from one, a key generation, SHA-256 over
//     4 KiB (65 blocks with the padding), a CBOR map of 32 digests.
//   HAL call and byte: everything else the firmware does (drivers, the reader's protocol
//     logic, the SAM link, the host-link server, building sim-wire requests), fitted to the
//     instructions the image executed for find (20 01), select (20 02) and a full read
//     (30 10) against the number of HAL calls and bytes those commands made.
#include <cstdint>

namespace idr::board::cpu_calibration {

// Fitted by hand to the image's counts, 2026-12-04 (instructions; the host board's HAL calls
// and bytes for the same command): find 14 040 (32 calls, 82 B), select 20 080 (52, 130),
// 30 10 716 720 (1708, 10 927), READ_SIGNED less its signature, digests and CBOR about
// 0.8 M (1818, 13 038). The call count depends on the time charged (the SAM link polls
// while bytes trickle in), so the fit was iterated until it settled.
inline constexpr uint32_t kPerHalCall = 330;
inline constexpr uint32_t kPerHalByte = 16;
// Self-test image, mbedTLS 2.28.3 (window 4), measured 2026-12-04: prepare (the comb table
// of a fresh group) prepare=12475240, sign_next=6142400 (table kept, as the firmware always has it:
// ReaderIdentity::load prepares the group), keygen=5400960, sha256_4k=245680 (65 blocks; 173200
// since the unrolled SHA-256, 2026-12-04), cbor=9920 for 1378 bytes.
inline constexpr uint32_t kEcdsaPrepare = 12'475'240;
inline constexpr uint32_t kEcdsaSign = 6'142'400;
inline constexpr uint32_t kEcdsaKeygen = 5'400'960;
// Precomputed nonces (p256.h), self-test image 2026-12-05: one pair in idle time
// (nonce=5975920 with its 32-byte hedge in the DRBG seed, 5958880 before the hedge: kG on the
// kept table, a blinding b, (k b)^-1) and a signature from a pair (sign_precomputed=89560:
// s = w (b e + (b r) d) mod n, four modular multiplications).
inline constexpr uint32_t kEcdsaNonce = 5'975'920;
inline constexpr uint32_t kEcdsaSignPrecomputed = 89'560;
inline constexpr uint32_t kSha256PerBlock = 2'665;  // 64-byte block (unrolled rounds)
inline constexpr uint32_t kCborPerByte = 7;

// SHA-256 blocks for a message of `bytes`: the 0x80 byte and the 64-bit length pad it
// (FIPS 180-4 5.1.1).
[[nodiscard]] constexpr uint64_t sha256_blocks(uint64_t bytes) {
  return (bytes + 1 + 8 + 63) / 64;
}

}  // namespace idr::board::cpu_calibration
