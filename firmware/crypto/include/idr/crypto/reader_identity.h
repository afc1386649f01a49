#pragma once
// Everything the reader signs with, in one object the application owns: the key store, the
// counter journal, the board RNG and the flash layout. The host-link extension commands
// use it; nothing else in the firmware touches keys or the counter.
//
// Flash layout (default: the last four pages of the board's flash, so other users can
// grow from page 0 up):
//   page N-4, N-3   counter journal (CounterStore, pages A and B)
//   page N-2, N-1   identity slots A and B (KeyStore: key, commit record, chain)
//
// Provisioning (DESIGN 11): in the Factory and Keyed states (KeyStore) ProvisionKey,
// ProvisionCerts and SetTime are accepted as they come (the factory line). Once Provisioned,
// a change needs an authorisation from the manufacturer CA: the reader issues a fresh random
// challenge (new_challenge, RAM only, single use: any authorisation attempt consumes it), the
// CA signs (ECDSA P-256, SHA-256)
//   "idr-authorize" || serial (20) || challenge (16) || op (1) || SHA-256(the command's DATA)
// and the reader verifies it (authorize) with the authority key: the public key of the last
// certificate of the committed chain (the CA that issued the reader's certificate).
//
// Reader serial: derived from the public key, "IDR-" + the first 8 bytes of SHA-256(public
// key) in upper-case hex (20 characters). It exists from provisioning on, needs no extra
// flash record and no board field, and a certificate can name it; empty before provisioning
// (and in Fault). A new key brings a new serial.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "idr/crypto/bytes.h"
#include "idr/crypto/counter_store.h"
#include "idr/crypto/key_store.h"
#include "idr/crypto/nonce_pool.h"
#include "idr/crypto/p256.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::crypto {

struct FlashLayout {
  uint32_t counter_a;
  uint32_t counter_b;
  uint32_t slot_a;
  uint32_t slot_b;
  static constexpr uint32_t kPagesUsed = 4;
  // The last four pages of a flash with page_count pages (page_count >= 4).
  [[nodiscard]] static constexpr FlashLayout top(uint32_t page_count) {
    return FlashLayout{page_count - 4, page_count - 3, page_count - 2, page_count - 1};
  }
};

inline constexpr size_t kSerialSize = 20;  // "IDR-" + 16 hex digits
inline constexpr size_t kChallengeSize = 16;
// Proof of possession at provisioning (extension.h ProvisionKey).
inline constexpr char kProvisionContext[] = "idr-provision";

using IdentityState = KeyStore::State;

// The serial of a public key (NUL-terminated).
[[nodiscard]] Status serial_of(const uint8_t (&public_key)[kPublicKeySize],
                               char (&serial)[kSerialSize + 1]);

class ReaderIdentity {
 public:
  // layout: where the records live; unset = FlashLayout::top(flash.page_count()) at load().
  ReaderIdentity(hal::Flash& flash, hal::Rng& rng, std::optional<FlashLayout> layout = {})
      : flash_(flash), rng_(rng), layout_(layout) {}
  ~ReaderIdentity() { drop_challenge(); }
  ReaderIdentity(const ReaderIdentity&) = delete;
  ReaderIdentity& operator=(const ReaderIdentity&) = delete;

  // Reads the key, chain and counter from flash and prepares the P-256 group (its comb
  // table: about 12.5 M instructions on Cortex-M4, cpu_calibration.h; paid here once
  // instead of by the first signature). Call at start-up; the commands below load on
  // demand when it failed.
  [[nodiscard]] Status load();
  [[nodiscard]] bool loaded() const { return loaded_; }
  // The P-256 group's comb table is built (load() builds it once; signing reuses it).
  [[nodiscard]] bool group_prepared() const { return group_.prepared(); }

  // A key that signs (Keyed or Provisioned).
  [[nodiscard]] bool provisioned() const { return keys_ && keys_->has_key(); }
  // Fault also when the storage could not be loaded (refuse rather than guess).
  [[nodiscard]] IdentityState state() const {
    return loaded_ && keys_ ? keys_->state() : IdentityState::Fault;
  }
  // NUL-terminated; "" before provisioning.
  [[nodiscard]] const char* serial() const { return serial_; }
  [[nodiscard]] size_t serial_size() const { return serial_size_; }
  [[nodiscard]] const uint8_t (&public_key() const)[kPublicKeySize] { return public_key_; }

  // ProvisionKey (unauthorised): Factory generates the key, Keyed keeps it; then signs
  // SHA-256("idr-provision" || serial || challenge || public key). Unauthorized once
  // Provisioned, StorageFault in Fault, Io when the TRNG is stuck (trng_alive) in Factory.
  [[nodiscard]] Status provision(const uint8_t (&challenge)[kChallengeSize],
                                 uint8_t (&signature)[kSignatureSize]);
  // ProvisionKey after authorize(): a new key waits in the other slot; `public_key` and the
  // proof of possession are the new key's (signed by it, over the serial it will have). Io
  // when the TRNG is stuck (trng_alive).
  [[nodiscard]] Status provision_new_key(const uint8_t (&challenge)[kChallengeSize],
                                         uint8_t (&public_key)[kPublicKeySize],
                                         uint8_t (&signature)[kSignatureSize]);
  // ProvisionCerts; `authorized` after authorize() (see KeyStore::store_chain).
  [[nodiscard]] Status store_chain(ByteView cbor_chain, bool authorized);

  // A fresh authorisation challenge (Provisioned only; Unauthorized before, StorageFault in
  // Fault, Io when the TRNG fails or is stuck: trng_alive). Replaces any earlier one.
  [[nodiscard]] Status new_challenge(uint8_t (&challenge)[kChallengeSize]);
  // Checks the CA's signature over the outstanding challenge for `op` with `data` (the
  // command's DATA). The challenge is consumed whatever the outcome. Ok or Unauthorized.
  [[nodiscard]] Status authorize(uint8_t op, ByteView data,
                                 const uint8_t (&signature)[kSignatureSize]);
  // Forgets the challenge (wiped).
  void drop_challenge();
  [[nodiscard]] size_t chain_size() const { return keys_ ? keys_->chain_size() : 0; }
  [[nodiscard]] Status read_chain(uint8_t* out, size_t cap);
  // Bytes [offset, offset + len) of the committed chain (a reply streams it in pieces).
  [[nodiscard]] Status read_chain_part(size_t offset, uint8_t* out, size_t len);

  // Durably reserves the next counter (see CounterStore): only such values may be signed.
  [[nodiscard]] Status reserve_counter(uint64_t& value);
  // Highest counter reserved (>= every counter emitted); 0 when none.
  [[nodiscard]] uint64_t last_counter() const { return counter_ ? counter_->last() : 0; }

  // How a signature was made: from a precomputed nonce pair (the online part only) or the
  // slow way (RFC 6979, the whole scalar multiplication), when no pair was ready.
  enum class SignPath : uint8_t { Precomputed, Full };

  // Signs a SHA-256 digest with the identity's key (ES256): with the oldest precomputed
  // nonce pair when one is ready (taken out of the pool and wiped, whatever the outcome)
  // and the counter was reserved past the value it was made at (reserve_counter first, as
  // READ_SIGNED does), else the slow way. `path` (optional) says which.
  [[nodiscard]] Status sign_digest(const uint8_t (&digest)[kSha256Size],
                                   uint8_t (&signature)[kSignatureSize], SignPath* path = nullptr);
  // Signs a COSE_Sign1 payload (its Sig_structure digest, then sign_digest).
  [[nodiscard]] Status sign_payload(ByteView payload, uint8_t (&signature)[kSignatureSize],
                                    SignPath* path = nullptr);

  // Idle work (DESIGN 9): computes one nonce pair when the pool has room (about one
  // signature's worth of instructions). `computed` says whether it did; nothing is done
  // without a key (Factory, Fault, storage not loaded). Its k comes from the TRNG hedged
  // with the key, the counter value and the draw's number in this run (KeyStore::hedge), so
  // a TRNG that sticks or repeats after a restart never gives two signatures one k. Pairs
  // live in RAM only: a reset or power cut discards them.
  [[nodiscard]] Status precompute_nonce(bool& computed);
  [[nodiscard]] size_t nonces_ready() const { return nonces_.ready(); }
  [[nodiscard]] bool nonces_full() const { return nonces_.full(); }
  // `count` salts of kSaltSize bytes into `out` for a signed read's field digests: salt i =
  // SHA-256(hedge || i || 16 TRNG bytes), first kSaltSize bytes, the hedge from the key, the
  // counter value and the draw's number (KeyStore::hedge; a key is needed: NoSuchContent in
  // Factory, StorageFault in Fault). A field left out of a forwarded record is hidden only
  // while its salt cannot be guessed: a TRNG that sticks or repeats still gives salts no one
  // without the key can compute, different for every record (the caller reserves the
  // counter before the salts leave the reader, as READ_SIGNED does). SHA-256 work:
  // kHedgeMessageSize bytes once, then kSaltMixSize bytes per salt.
  static constexpr size_t kSaltSize = 16;
  static constexpr size_t kHedgeContextSize = 1 + 8 + 8;  // use || counter || draw number
  static constexpr size_t kHedgeMessageSize = 9 + kPrivateKeySize + kHedgeContextSize;
  static constexpr size_t kSaltMixSize = kSha256Size + 1 + kSaltSize;
  [[nodiscard]] Status salts(uint8_t* out, size_t count);

  // Storage loaded and, when provisioned, a test signature verifies under our public key.
  [[nodiscard]] Status self_test();

 private:
  [[nodiscard]] Status ensure_loaded();
  // Io when two 16-byte TRNG draws are equal (probability 2^-128 for a working TRNG): a TRNG
  // stuck on one output. Checked before a key or a challenge is drawn, which no hedge can
  // protect (a key from it is anyone's; a challenge from it repeats). It does not catch a
  // TRNG that repeats a whole stream after a restart.
  [[nodiscard]] Status trng_alive();
  void derive_serial();
  [[nodiscard]] Status proof_of_possession(const uint8_t (&public_key)[kPublicKeySize],
                                           const uint8_t (&challenge)[kChallengeSize],
                                           uint8_t (&digest)[kSha256Size]);

  hal::Flash& flash_;
  hal::Rng& rng_;
  std::optional<FlashLayout> layout_;
  std::optional<KeyStore> keys_;
  std::optional<CounterStore> counter_;
  P256Group group_;   // kept loaded for our lifetime: every signature after the first is cheaper
  NoncePool nonces_;  // precomputed nonce pairs, RAM only (nonce_pool.h)
  // KeyStore::hedge for one draw of the TRNG: `use`, the counter value now (`at`) and the
  // draw's number in this run, so no two draws hedge alike.
  static constexpr uint8_t kHedgeNonce = 1;
  static constexpr uint8_t kHedgeSalts = 2;
  [[nodiscard]] Status hedge_for(uint8_t use, uint64_t& at, uint8_t (&out)[kSha256Size]);
  uint64_t hedges_made_ = 0;  // draws hedged in this run
  uint8_t public_key_[kPublicKeySize] = {};
  char serial_[kSerialSize + 1] = {};
  size_t serial_size_ = 0;
  bool loaded_ = false;
  uint8_t challenge_[kChallengeSize] = {};
  bool challenge_live_ = false;
};

}  // namespace idr::crypto
