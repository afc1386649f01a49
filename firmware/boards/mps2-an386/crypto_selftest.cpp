// Target self-test of signing: "the reader still signs" on the Cortex-M4 image,
// through the firmware's own crypto module (firmware/crypto p256) and the cross-built
// mbedTLS with its static pool. Runs under QEMU without hw-sim (tests/qemu
// qemu_crypto_selftest); exits 0 when every check passed, else the number of the failed
// check (10 + n). Prints one line of figures for idr-bench-footprint:
//   idr-crypto-selftest sign_first=N sign_next=N verify=N keygen=N nonce=N sign_precomputed=N
//                       prepare=N sha256_4k=N cbor=N
//                       cbor_bytes=N pool_peak=N pool_blocks=N pool_min=N pool_size=N
//                       failed_check=0
// sha256_4k (65 blocks with the padding) and cbor (a map of 32 digests, cbor_bytes long) are
// per-operation figures for the host board's CPU table (firmware/boards/simwire
// cpu_calibration.h; tests/qemu cpu_calibration_test compares them).
// (instructions: CMSDK timer 0 ticks x 40 under -icount shift=0, DESIGN 10).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "idr/crypto/p256.h"
#include "idr/mps2/mbedtls_pool.h"
#include "idr/mps2/semihosting.h"
#include "idr/mps2/timer.h"
#include "idr/proto/cbor.h"

namespace {

using namespace idr;

constexpr uint64_t kInstructionsPerTick = 40;  // 25 MHz timer, 1 GHz instruction clock

// RFC 6979 A.2.5: ECDSA P-256 with SHA-256; private key x, public key (Ux, Uy), and the
// deterministic signatures of the messages "sample" and "test".
constexpr uint8_t kPrivateX[32] = {0xC9, 0xAF, 0xA9, 0xD8, 0x45, 0xBA, 0x75, 0x16, 0x6B, 0x5C, 0x21,
                                   0x57, 0x67, 0xB1, 0xD6, 0x93, 0x4E, 0x50, 0xC3, 0xDB, 0x36, 0xE8,
                                   0x9B, 0x12, 0x7B, 0x8A, 0x62, 0x2B, 0x12, 0x0F, 0x67, 0x21};
constexpr uint8_t kPublicU[65] = {0x04, 0x60, 0xFE, 0xD4, 0xBA, 0x25, 0x5A, 0x9D, 0x31, 0xC9, 0x61,
                                  0xEB, 0x74, 0xC6, 0x35, 0x6D, 0x68, 0xC0, 0x49, 0xB8, 0x92, 0x3B,
                                  0x61, 0xFA, 0x6C, 0xE6, 0x69, 0x62, 0x2E, 0x60, 0xF2, 0x9F, 0xB6,
                                  0x79, 0x03, 0xFE, 0x10, 0x08, 0xB8, 0xBC, 0x99, 0xA4, 0x1A, 0xE9,
                                  0xE9, 0x56, 0x28, 0xBC, 0x64, 0xF2, 0xF1, 0xB2, 0x0C, 0x2D, 0x7E,
                                  0x9F, 0x51, 0x77, 0xA3, 0xC2, 0x94, 0xD4, 0x46, 0x22, 0x99};
// A nonce hedge of the size the firmware passes (KeyStore::hedge: one SHA-256).
constexpr uint8_t kNonceHedge[32] = {};
constexpr uint8_t kSampleSignature[64] = {
    // r
    0xEF, 0xD4, 0x8B, 0x2A, 0xAC, 0xB6, 0xA8, 0xFD, 0x11, 0x40, 0xDD, 0x9C, 0xD4, 0x5E, 0x81, 0xD6,
    0x9D, 0x2C, 0x87, 0x7B, 0x56, 0xAA, 0xF9, 0x91, 0xC3, 0x4D, 0x0E, 0xA8, 0x4E, 0xAF, 0x37, 0x16,
    // s
    0xF7, 0xCB, 0x1C, 0x94, 0x2D, 0x65, 0x7C, 0x41, 0xD4, 0x36, 0xC7, 0xA1, 0xB6, 0xE2, 0x9F, 0x65,
    0xF3, 0xE9, 0x00, 0xDB, 0xB9, 0xAF, 0xF4, 0x06, 0x4D, 0xC4, 0xAB, 0x2F, 0x84, 0x3A, 0xCD, 0xA8};
constexpr uint8_t kTestSignature[64] = {
    // r
    0xF1, 0xAB, 0xB0, 0x23, 0x51, 0x83, 0x51, 0xCD, 0x71, 0xD8, 0x81, 0x56, 0x7B, 0x1E, 0xA6, 0x63,
    0xED, 0x3E, 0xFC, 0xF6, 0xC5, 0x13, 0x2B, 0x35, 0x4F, 0x28, 0xD3, 0xB0, 0xB7, 0xD3, 0x83, 0x67,
    // s
    0x01, 0x9F, 0x41, 0x13, 0x74, 0x2A, 0x2B, 0x14, 0xBD, 0x25, 0x92, 0x6B, 0x49, 0xC6, 0x49, 0x15,
    0x5F, 0x26, 0x7E, 0x60, 0xD3, 0x81, 0x4B, 0x4C, 0x0C, 0xC8, 0x42, 0x50, 0xE4, 0x6F, 0x00, 0x83};

// Deterministic stand-in for the board TRNG (blinding and key generation input): the
// signatures must not depend on it (RFC 6979), the generated key only has to work.
class CountingRng final : public hal::Rng {
 public:
  Status fill(uint8_t* buf, size_t len) override {
    for (size_t i = 0; i < len; ++i) buf[i] = static_cast<uint8_t>(0x5Au ^ next_++);
    return Status::Ok;
  }

 private:
  uint32_t next_ = 1;
};

mps2::Timer0 timer;
CountingRng rng;
uint32_t failed_check = 0;
uint32_t check_number = 0;

void check(bool ok) {
  ++check_number;
  if (!ok && failed_check == 0) failed_check = check_number;
}

uint64_t instructions_since(uint64_t start_ticks) {
  return (timer.ticks() - start_ticks) * kInstructionsPerTick;
}

[[nodiscard]] Status digest_of(const char* message, uint8_t (&digest)[crypto::kSha256Size]) {
  const crypto::ByteView part{reinterpret_cast<const uint8_t*>(message), std::strlen(message)};
  return crypto::sha256(&part, 1, digest);
}

// Appends " name=value" to line (bounded by its size).
void append(char* line, size_t size, const char* name, uint64_t value) {
  size_t at = std::strlen(line);
  const auto put = [&](char c) {
    if (at + 1 < size) line[at++] = c;
  };
  put(' ');
  for (size_t i = 0; name[i] != '\0' && i < 32; ++i) put(name[i]);
  put('=');
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && n < sizeof(digits));
  while (n > 0) put(digits[--n]);
  line[at] = '\0';
}

// Every mbedTLS path of the firmware once (p256.h), statuses only: the pool measurement.
// As the firmware does it: the group prepared first (ReaderIdentity::load at start-up) and
// its comb table kept in the pool while everything else runs.
[[nodiscard]] bool workload(crypto::P256Group& group) {
  uint8_t public_key[crypto::kPublicKeySize] = {};
  uint8_t digest[crypto::kSha256Size] = {};
  uint8_t signature[crypto::kSignatureSize] = {};
  uint8_t private_key[crypto::kPrivateKeySize] = {};
  const bool ok = group.prepare() == Status::Ok &&
                  crypto::public_key_of(group, kPrivateX, public_key) == Status::Ok &&
                  digest_of("sample", digest) == Status::Ok &&
                  crypto::sign_digest(group, kPrivateX, digest, rng, signature) == Status::Ok &&
                  crypto::verify_digest(group, kPublicU, digest, signature) == Status::Ok &&
                  crypto::generate_key(group, rng, private_key, public_key) == Status::Ok &&
                  crypto::sign_digest(group, private_key, digest, rng, signature) == Status::Ok &&
                  crypto::verify_digest(group, public_key, digest, signature) == Status::Ok;
  crypto::wipe(private_key, sizeof(private_key));
  crypto::NoncePair pair{};
  const bool nonce_ok =
      ok &&
      crypto::precompute_nonce(group, rng, {kNonceHedge, sizeof(kNonceHedge)}, pair) ==
          Status::Ok &&
      crypto::sign_digest(group, kPrivateX, digest, pair, signature) == Status::Ok &&
      crypto::verify_digest(group, kPublicU, digest, signature) == Status::Ok;
  crypto::wipe(&pair, sizeof(pair));
  return nonce_ok;
}

// The smallest pool (to kStep bytes) in which workload() succeeds, by bisection between a
// size that fails and the full pool (which the checks before showed to work).
size_t smallest_working_pool(crypto::P256Group& group) {
  constexpr size_t kStep = 64;
  size_t fails = 0;
  size_t works = mps2::kMbedtlsPoolSize;
  for (int i = 0; i < 32 && works - fails > kStep; ++i) {
    const size_t mid = (fails + works) / 2 / kStep * kStep;
    group.release();  // its table lives in the pool about to be handed over again
    mps2::mbedtls_pool_init(mid);
    if (workload(group)) {
      works = mid;
    } else {
      fails = mid;
    }
  }
  group.release();
  mps2::mbedtls_pool_init();
  return works;
}

}  // namespace

extern "C" void idr_firmware_main() {
  timer.start();
  mps2::mbedtls_pool_init();

  uint8_t public_key[crypto::kPublicKeySize] = {};
  uint8_t digest[crypto::kSha256Size] = {};
  uint8_t signature[crypto::kSignatureSize] = {};

  check(crypto::public_key_of(kPrivateX, public_key) == Status::Ok &&
        std::memcmp(public_key, kPublicU, sizeof(kPublicU)) == 0);

  // One group kept for every operation below, as ReaderIdentity keeps it: the first
  // signature builds mbedTLS's comb table for G in it, the next ones reuse it (DESIGN 9).
  crypto::P256Group group;
  check(digest_of("sample", digest) == Status::Ok);
  uint64_t start = timer.ticks();
  check(crypto::sign_digest(group, kPrivateX, digest, rng, signature) == Status::Ok);
  const uint64_t sign_first = instructions_since(start);
  check(std::memcmp(signature, kSampleSignature, sizeof(signature)) == 0);

  check(digest_of("test", digest) == Status::Ok);
  check(group.prepared());
  start = timer.ticks();
  check(crypto::sign_digest(group, kPrivateX, digest, rng, signature) == Status::Ok);
  const uint64_t sign_next = instructions_since(start);
  check(std::memcmp(signature, kTestSignature, sizeof(signature)) == 0);

  start = timer.ticks();
  check(crypto::verify_digest(group, kPublicU, digest, kTestSignature) == Status::Ok);
  const uint64_t verify = instructions_since(start);
  signature[63] ^= 0x01u;
  check(crypto::verify_digest(group, kPublicU, digest, signature) == Status::DataCheckFailed);

  // A key generated on the target signs, and its signature verifies.
  uint8_t private_key[crypto::kPrivateKeySize] = {};
  start = timer.ticks();
  check(crypto::generate_key(group, rng, private_key, public_key) == Status::Ok);
  const uint64_t keygen = instructions_since(start);
  check(crypto::sign_digest(group, private_key, digest, rng, signature) == Status::Ok &&
        crypto::verify_digest(group, public_key, digest, signature) == Status::Ok);
  crypto::wipe(private_key, sizeof(private_key));

  // A precomputed nonce pair (idle work) and a signature from it (the online part of a
  // signed read, DESIGN 9): it verifies, and its r is the pair's.
  crypto::NoncePair pair{};
  start = timer.ticks();
  check(crypto::precompute_nonce(group, rng, {kNonceHedge, sizeof(kNonceHedge)}, pair) ==
        Status::Ok);
  const uint64_t nonce = instructions_since(start);
  check(digest_of("sample", digest) == Status::Ok);
  start = timer.ticks();
  check(crypto::sign_digest(group, kPrivateX, digest, pair, signature) == Status::Ok);
  const uint64_t sign_precomputed = instructions_since(start);
  check(std::memcmp(signature, pair.r, sizeof(pair.r)) == 0);
  crypto::wipe(&pair, sizeof(pair));
  check(crypto::verify_digest(group, kPublicU, digest, signature) == Status::Ok);

  // SHA-256 over 4 KiB and a CBOR map of 32 digests (a signed read's "digests").
  static uint8_t scratch[4096];
  for (size_t i = 0; i < sizeof(scratch); ++i) scratch[i] = static_cast<uint8_t>(i * 7u);
  const crypto::ByteView whole{scratch, sizeof(scratch)};
  start = timer.ticks();
  check(crypto::sha256(&whole, 1, digest) == Status::Ok);
  const uint64_t sha256_4k = instructions_since(start);
  static uint8_t encoded[2048];
  start = timer.ticks();
  cbor::Writer cbor(encoded, sizeof(encoded));
  cbor.map(32);
  for (int i = 0; i < 32; ++i) {
    const char name[] = {'f',
                         'i',
                         'e',
                         'l',
                         'd',
                         '_',
                         static_cast<char>('a' + i % 26),
                         static_cast<char>('a' + i / 26),
                         '\0'};
    cbor.text(name);
    cbor.bytes(digest, sizeof(digest));
  }
  const uint64_t cbor_instructions = instructions_since(start);
  check(cbor.ok());

  // Nothing leaks once the group (and its table) is released, and the pool keeps its
  // headroom (mbedtls_pool.h).
  group.release();
  const mps2::MbedtlsPoolUse pool = mps2::mbedtls_pool_use();
  check(pool.now_bytes == 0 && pool.now_blocks == 0);
  const size_t pool_min = smallest_working_pool(group);
  check(pool_min + mps2::kMbedtlsPoolHeadroom <= mps2::kMbedtlsPoolSize);

  // The comb table of a fresh group, as ReaderIdentity::load builds it once after boot.
  start = timer.ticks();
  check(group.prepare() == Status::Ok);
  const uint64_t prepare = instructions_since(start);
  group.release();

  char line[384] = "idr-crypto-selftest";
  append(line, sizeof(line), "sign_first", sign_first);
  append(line, sizeof(line), "sign_next", sign_next);
  append(line, sizeof(line), "verify", verify);
  append(line, sizeof(line), "keygen", keygen);
  append(line, sizeof(line), "nonce", nonce);
  append(line, sizeof(line), "sign_precomputed", sign_precomputed);
  append(line, sizeof(line), "prepare", prepare);
  append(line, sizeof(line), "sha256_4k", sha256_4k);
  append(line, sizeof(line), "cbor", cbor_instructions);
  append(line, sizeof(line), "cbor_bytes", cbor.size());
  append(line, sizeof(line), "pool_peak", pool.peak_bytes);
  append(line, sizeof(line), "pool_blocks", pool.peak_blocks);
  append(line, sizeof(line), "pool_min", pool_min);
  append(line, sizeof(line), "pool_size", mps2::kMbedtlsPoolSize);
  append(line, sizeof(line), "failed_check", failed_check);
  std::strcat(line, "\n");
  mps2::semihosting_write(line);
  mps2::semihosting_exit(failed_check == 0 ? 0 : 10 + failed_check);
}
