#pragma once
// COSE_Sign1 (RFC 9052 4.2, 4.4) with alg ES256 as protocol/include/idr/proto/extension.h
// lays it out:
//   18([ h'A10126' (protected {1: -7}), {33: x5chain} or {}, payload bstr, signature bstr 64 ])
// signed over Sig_structure = ["Signature1", h'A10126', h'', payload] hashed with SHA-256.
#include <cstddef>
#include <cstdint>

#include "idr/crypto/bytes.h"
#include "idr/crypto/p256.h"
#include "idr/crypto/sha256.h"
#include "idr/proto/cbor.h"
#include "idr/status.h"

namespace idr::crypto::cose {

inline constexpr uint64_t kTagSign1 = 18;                         // RFC 9052 2 (COSE_Sign1 tag)
inline constexpr uint8_t kProtectedEs256[] = {0xA1, 0x01, 0x26};  // {1 (alg): -7 (ES256)}
inline constexpr uint64_t kHeaderX5Chain = 33;                    // RFC 9360 2 (x5chain)

// SHA-256 of the Sig_structure for `payload` (hashed in parts: no copy of the payload).
[[nodiscard]] Status sig_structure_digest(ByteView payload, uint8_t (&digest)[kSha256Size]);

// The same for a payload that is never held whole: its size is known first, its bytes
// arrive through emit() (a cbor::Sink, so a streaming cbor::Writer encodes the payload
// straight into the hash). finish() refuses (InvalidArgument) when the bytes emitted were
// not exactly payload_size.
class SigStructureHasher final : public cbor::Sink {
 public:
  explicit SigStructureHasher(size_t payload_size);
  void emit(const uint8_t* data, size_t len) override;
  [[nodiscard]] Status finish(uint8_t (&digest)[kSha256Size]);

 private:
  Sha256 sha_;
  size_t expected_;
  size_t seen_ = 0;
};

// The same in two halves, for a caller that copies the x5chain straight from flash into
// the output: start writes up to the x5chain value (when has_chain, the caller then writes
// exactly the stored CBOR array), end writes payload and signature.
void write_sign1_start(cbor::Writer& w, bool has_chain);
void write_sign1_end(cbor::Writer& w, ByteView payload, const uint8_t (&signature)[kSignatureSize]);
// write_sign1_end for a streamed payload: the caller writes w.bytes_head(size) and the
// payload's bytes, then this writes the signature.
void write_sign1_signature(cbor::Writer& w, const uint8_t (&signature)[kSignatureSize]);

// Writes the tagged COSE_Sign1. `x5chain` is the CBOR array of DER certificates as stored
// (size 0: the unprotected map is empty). Check w.ok() afterwards.
void write_sign1(cbor::Writer& w, ByteView x5chain, ByteView payload,
                 const uint8_t (&signature)[kSignatureSize]);

// Bytes write_sign1 produces, for sizing buffers.
[[nodiscard]] constexpr size_t sign1_size(size_t x5chain_size, size_t payload_size) {
  return 1 /*tag*/ + 1 /*array*/ + 1 + sizeof(kProtectedEs256) +
         (x5chain_size == 0 ? 1 : 1 + 2 + x5chain_size) + cbor::head_size(payload_size) +
         payload_size + 2 + kSignatureSize;
}

}  // namespace idr::crypto::cose
