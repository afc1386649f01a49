#pragma once
// The reader's identity in flash (DESIGN 5, DESIGN 11 "Provisioning"): the ECDSA P-256 key
// generated on the reader and the certificate chain the manufacturer CA writes back, kept in
// two slots (one flash page each) so that changing either is power-fail safe.
//
// Slot page:
//   0    key record: "IKEY" | version 1 | curve 1 (P-256) | 0 0 | private 32 | public 65 |
//        FF FF FF | CRC-32 of the 108 bytes before it (BE)                       (112 bytes)
//   112  key confirm byte: 00 once the key record is completely written
//   116  commit confirm byte: 00 once the commit record is completely written
//   128  commit record: "ICHN" | generation u32 | chain length u32 | chain CRC-32 u32 |
//        authority key 65 (the last certificate's public key) | 0 x11 | CRC-32 of the 92
//        bytes before it                                                          (96 bytes)
//   256  the chain: the CBOR array of DER byte strings received in ProvisionCerts
// Every record is written body first, then its confirm byte in a separate program step. A
// record whose confirm byte is still FF was torn before it was confirmed (it was never used:
// a key is returned, a chain reported, only after the confirm); a confirmed record that fails
// its CRC is damaged and makes the store a Fault (never "no key").
//
// States (state()):
//   Factory      both slots hold no confirmed record: ProvisionKey may generate the key.
//   Keyed        a confirmed key, no committed chain yet: the first chain may be stored.
//   Provisioned  a committed slot (key + chain + commit record, the highest generation when
//                both are): changes need the manufacturer CA's authorisation (checked by
//                ReaderIdentity); a new key is generated into the other slot ("pending") and
//                becomes the identity only when its chain is committed there.
//   Fault        a confirmed record is damaged (or the slots contradict each other): no
//                signature, no provisioning. Only a factory erase of both pages leaves it.
// A new slot is committed by its commit confirm byte; the old slot is erased right after, so
// the old identity stays valid until the new one is complete and only one key survives.
//
// The private key never leaves this class: it is read from flash into a stack buffer for
// each signature (or copy) and wiped right after (mbedtls_platform_zeroize via crypto::wipe).
#include <cstddef>
#include <cstdint>

#include "idr/crypto/bytes.h"
#include "idr/crypto/p256.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::crypto {

class KeyStore {
 public:
  enum class State : uint8_t { Factory, Keyed, Provisioned, Fault };

  static constexpr size_t kKeyRecordSize = 112;
  static constexpr size_t kKeyConfirmAt = 112;
  static constexpr size_t kCommitConfirmAt = 116;
  static constexpr size_t kCommitAt = 128;
  static constexpr size_t kCommitSize = 96;
  static constexpr size_t kChainAt = 256;
  // Largest certificate chain accepted (CBOR array of DER byte strings). Sized so that the
  // worst-case READ_SIGNED reply still fits the host link (see extension README / tests):
  // two certificates of ~500-700 bytes each fit with room to spare.
  static constexpr size_t kMaxChainSize = 2048;
  static constexpr size_t kSlotSize = kChainAt + kMaxChainSize;  // bytes used of a slot page
  // A chain names the reader (first) and the CA that may authorise changes (last).
  static constexpr size_t kMinChainCerts = 2;
  static constexpr size_t kMaxChainCerts = 8;

  KeyStore(hal::Flash& flash, uint32_t slot_a_page, uint32_t slot_b_page)
      : flash_(flash), pages_{slot_a_page, slot_b_page} {}

  // Reads both slots and settles the state. Ok also for Factory and Fault (see state());
  // an error only when the flash cannot be read or the layout does not fit it.
  [[nodiscard]] Status load();
  [[nodiscard]] State state() const { return state_; }
  // A key that signs: Keyed or Provisioned.
  [[nodiscard]] bool has_key() const {
    return state_ == State::Keyed || state_ == State::Provisioned;
  }
  [[nodiscard]] const uint8_t (&public_key() const)[kPublicKeySize] { return public_key_; }
  // Provisioned: the public key of the last certificate of the committed chain.
  [[nodiscard]] const uint8_t (&authority_key() const)[kPublicKeySize] { return authority_; }
  // Provisioned and a new key waits in the other slot for its chain.
  [[nodiscard]] bool has_pending_key() const { return pending_ >= 0; }
  [[nodiscard]] const uint8_t (&pending_public_key() const)[kPublicKeySize] { return pending_key_; }

  // Factory: generates and stores a key (-> Keyed). Keyed: Ok at once (the stored key).
  // Provisioned: Unauthorized (use rekey). Fault: StorageFault.
  [[nodiscard]] Status provision(P256Group& group, hal::Rng& rng);
  [[nodiscard]] Status provision(hal::Rng& rng);  // on a group loaded for the call
  // Provisioned only, after the caller checked the authorisation: generates a new key into
  // the other slot (replacing any earlier pending key). The identity does not change until
  // store_chain commits a chain for it.
  [[nodiscard]] Status rekey(P256Group& group, hal::Rng& rng);

  // Signs a SHA-256 digest with the identity's key (NoSuchContent in Factory, StorageFault
  // in Fault); sign_pending with the pending key (NoSuchContent when there is none).
  [[nodiscard]] Status sign(P256Group& group, const uint8_t (&digest)[kSha256Size],
                            hal::Rng& blinding, uint8_t (&signature)[kSignatureSize]);
  [[nodiscard]] Status sign(const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                            uint8_t (&signature)[kSignatureSize]);  // group loaded for the call
  [[nodiscard]] Status sign_pending(P256Group& group, const uint8_t (&digest)[kSha256Size],
                                    hal::Rng& blinding, uint8_t (&signature)[kSignatureSize]);
  // The identity's key with a precomputed nonce pair (p256.h: s = w (b e + (b r) d) mod n
  // only, = k^-1 (e + r d)). The pair is the caller's to wipe, whatever the result.
  [[nodiscard]] Status sign(P256Group& group, const uint8_t (&digest)[kSha256Size],
                            const NoncePair& nonce, uint8_t (&signature)[kSignatureSize]);

  // SHA-256("idr-hedge" || the identity's private key || context): secret input that
  // hedges what the TRNG draws for a signature (ReaderIdentity: a precomputed nonce, p256.h
  // precompute_nonce, and a signed read's salts), so the key itself never leaves this class.
  // `context` names the use and makes the input unique. NoSuchContent in Factory,
  // StorageFault in Fault (or when the key record went bad since load, as for sign). The
  // caller wipes `out`.
  [[nodiscard]] Status hedge(ByteView context, uint8_t (&out)[kSha256Size]);

  // Validates and commits the chain: a CBOR array of 2..8 non-empty byte strings, nothing
  // after it, at most kMaxChainSize bytes; the first certificate's key must be ours (Keyed)
  // or, when `authorized` (Provisioned), the pending key (the new identity) or the current
  // one (a new chain for the same key); the last certificate's key becomes the authority.
  //   InvalidArgument  malformed or too large; DataCheckFailed  the key does not match;
  //   NoSuchContent    Factory;  Unauthorized  Provisioned and not authorized;
  //   StorageFault     Fault;    FlashError    a write failed or did not read back.
  [[nodiscard]] Status store_chain(ByteView cbor_chain, bool authorized);
  // 0 when no chain is committed.
  [[nodiscard]] size_t chain_size() const { return chain_size_; }
  // Copies the committed CBOR array into out (cap >= chain_size()).
  [[nodiscard]] Status read_chain(uint8_t* out, size_t cap);
  // Bytes [offset, offset + len) of it; InvalidArgument past its end.
  [[nodiscard]] Status read_chain_part(size_t offset, uint8_t* out, size_t len);

 private:
  enum class Kind : uint8_t { Blank, Dirty, Keyed, Committed, Damaged };
  struct Slot {
    Kind kind = Kind::Blank;
    bool commit_valid = false;  // the commit record (and its chain) verify
    uint32_t generation = 0;
    uint32_t chain_size = 0;
    uint8_t public_key[kPublicKeySize] = {};
    uint8_t authority[kPublicKeySize] = {};
  };

  [[nodiscard]] Status read_slot(uint32_t page, Slot& slot);
  [[nodiscard]] Status chain_crc(uint32_t page, uint32_t len, uint32_t& crc);
  [[nodiscard]] Status erase_if_used(uint32_t page, size_t len);
  [[nodiscard]] Status area_blank(uint32_t page, bool& blank);
  [[nodiscard]] Status write_key(uint32_t page, const uint8_t (&record)[kKeyRecordSize]);
  [[nodiscard]] Status copy_key(uint32_t from_page, uint32_t to_page);
  [[nodiscard]] Status write_commit(uint32_t page, ByteView chain, uint32_t generation,
                                    const uint8_t (&authority)[kPublicKeySize]);
  // With `nonce` the precomputed-pair signature, else RFC 6979 with `blinding`.
  [[nodiscard]] Status sign_in(uint32_t page, const uint8_t (&expected)[kPublicKeySize],
                               P256Group& group, const uint8_t (&digest)[kSha256Size],
                               hal::Rng* blinding, const NoncePair* nonce,
                               uint8_t (&signature)[kSignatureSize]);
  [[nodiscard]] uint32_t address(uint32_t page) const { return page * flash_.page_size(); }

  hal::Flash& flash_;
  uint32_t pages_[2];
  State state_ = State::Factory;
  int active_ = -1;   // slot of the identity's key (Keyed, Provisioned)
  int pending_ = -1;  // Provisioned: slot of a new key waiting for its chain
  uint32_t generation_ = 0;
  uint8_t public_key_[kPublicKeySize] = {};
  uint8_t authority_[kPublicKeySize] = {};
  uint8_t pending_key_[kPublicKeySize] = {};
  size_t chain_size_ = 0;
};

}  // namespace idr::crypto
