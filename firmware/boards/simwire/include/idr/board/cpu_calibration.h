#pragma once
// The host board's firmware CPU time, per operation (DESIGN 3): instruction counts measured
// on the Cortex-M4 image under QEMU (mps2-an386, -icount shift=0: CMSDK timer 0 ticks x 40,
// DESIGN 10), committed here so the host board charges what the MCU would execute.
// tests/qemu cpu_calibration_test re-measures every figure and fails beyond its tolerance
// (stated there); toolchain/bench-footprint prints them.
//
// Where each figure comes from:
//   ECDSA / SHA-256 / CBOR: the target self-test image (crypto_selftest.cpp): one signature
//     with the comb table being built (the first after boot), one with it kept (every later
//     one; ReaderIdentity keeps the group), one key generation, SHA-256 over 4 KiB (65
//     blocks with the padding), a CBOR map of 32 digests.
//   HAL call and byte: everything else the firmware does (drivers, the reader's protocol
//     logic, the SAM link, the host-link server, building sim-wire requests), fitted to the
//     instructions the image executed for find (20 01), select (20 02) and a full read
//     (30 10) against the number of HAL calls and bytes those commands made.
#include <cstdint>

namespace idr::board::cpu_calibration {

inline constexpr uint32_t kPerHalCall = 1170;
inline constexpr uint32_t kPerHalByte = 14;
inline constexpr uint32_t kEcdsaSignFirst = 13'160'000;
inline constexpr uint32_t kEcdsaSignNext = 6'140'000;
inline constexpr uint32_t kEcdsaKeygen = 6'000'000;
inline constexpr uint32_t kSha256PerBlock = 4'000;  // 64-byte block
inline constexpr uint32_t kCborPerByte = 20;

// SHA-256 blocks for a message of `bytes`: the 0x80 byte and the 64-bit length pad it
// (FIPS 180-4 5.1.1).
[[nodiscard]] constexpr uint64_t sha256_blocks(uint64_t bytes) {
  return (bytes + 1 + 8 + 63) / 64;
}

}  // namespace idr::board::cpu_calibration
