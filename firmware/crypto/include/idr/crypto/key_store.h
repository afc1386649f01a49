#pragma once
// The reader's identity in flash (DESIGN 5): the ECDSA P-256 key generated on the reader at
// provisioning, and the certificate chain the manufacturer CA writes back.
//
// Key page:  "IKEY" | version 1 | curve 1 (P-256) | 0 0 | private 32 | public 65 | FF FF FF |
//            CRC-32 of the 108 bytes before it (BE) = 112 bytes at the start of the page.
//   Provisioning erases the page if it is not blank, generates the key, programs the record
//   in one write and reads it back. A torn write fails the CRC and reads as "no key", so
//   provisioning can simply be repeated; there is one record slot, so two different keys can
//   never both be valid. The public key is returned only once the record is durable.
// Chain page: "ICHN" | length u32 | CRC-32 of the data u32 | 0 x4, then the chain as the CBOR
//   array of byte strings received in ProvisionCerts (validated first). Written data first,
//   header last, so a torn write reads as "no chain".
//
// The private key never leaves this class: it is read from flash into a stack buffer for
// each signature and wiped right after (mbedtls_platform_zeroize via crypto::wipe).
#include <cstddef>
#include <cstdint>

#include "idr/crypto/bytes.h"
#include "idr/crypto/p256.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::crypto {

class KeyStore {
 public:
  static constexpr size_t kKeyRecordSize = 112;
  static constexpr size_t kChainHeaderSize = 16;
  // Largest certificate chain accepted (CBOR array of DER byte strings). Sized so that the
  // worst-case READ_SIGNED reply still fits the host link (see extension README / tests):
  // two certificates of ~500-700 bytes each fit with room to spare.
  static constexpr size_t kMaxChainSize = 2048;

  KeyStore(hal::Flash& flash, uint32_t key_page, uint32_t chain_page)
      : flash_(flash), key_page_(key_page), chain_page_(chain_page) {}

  // Reads both pages. Ok also when nothing (valid) is stored.
  [[nodiscard]] Status load();
  [[nodiscard]] bool has_key() const { return has_key_; }
  [[nodiscard]] const uint8_t (&public_key() const)[kPublicKeySize] { return public_key_; }

  // Generates and stores a key when none is stored (Ok at once when one is).
  [[nodiscard]] Status provision(P256Group& group, hal::Rng& rng);
  [[nodiscard]] Status provision(hal::Rng& rng);  // on a group loaded for the call

  // Signs a SHA-256 digest with the stored key (NoSuchContent when not provisioned).
  [[nodiscard]] Status sign(P256Group& group, const uint8_t (&digest)[kSha256Size],
                            hal::Rng& blinding, uint8_t (&signature)[kSignatureSize]);
  [[nodiscard]] Status sign(const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                            uint8_t (&signature)[kSignatureSize]);  // group loaded for the call

  // Validates and stores the chain: a CBOR array of 1..8 byte strings, nothing after it, at
  // most kMaxChainSize bytes, whose first certificate's public key equals ours.
  //   InvalidArgument  malformed or too large; DataCheckFailed  the key does not match;
  //   NoSuchContent    not provisioned.
  [[nodiscard]] Status store_chain(ByteView cbor_chain);
  // 0 when no chain is stored.
  [[nodiscard]] size_t chain_size() const { return chain_size_; }
  // Copies the stored CBOR array into out (cap >= chain_size()).
  [[nodiscard]] Status read_chain(uint8_t* out, size_t cap);

 private:
  [[nodiscard]] Status load_key();
  [[nodiscard]] Status load_chain();
  [[nodiscard]] Status erase_if_used(uint32_t page, size_t len);
  [[nodiscard]] uint32_t address(uint32_t page) const { return page * flash_.page_size(); }

  hal::Flash& flash_;
  uint32_t key_page_;
  uint32_t chain_page_;
  uint8_t public_key_[kPublicKeySize] = {};
  bool has_key_ = false;
  size_t chain_size_ = 0;
};

}  // namespace idr::crypto
