#include "idr/crypto/cose_sign1.h"

namespace idr::crypto::cose {

SigStructureHasher::SigStructureHasher(size_t payload_size) : expected_(payload_size) {
  // Everything of ["Signature1", protected, h'', payload] before the payload's bytes.
  uint8_t prefix[32];
  cbor::Writer w(prefix, sizeof(prefix));
  w.array(4);
  w.text("Signature1");
  w.bytes(kProtectedEs256, sizeof(kProtectedEs256));
  w.bytes(nullptr, 0);  // external_aad: empty (RFC 9052 4.3)
  w.bytes_head(payload_size);
  static_assert(1 + 11 + 4 + 1 + cbor::kMaxHeadSize <= sizeof(prefix), "prefix fits");
  sha_.update(prefix, w.size());
}

void SigStructureHasher::emit(const uint8_t* data, size_t len) {
  seen_ += len;
  sha_.update(data, len);
}

Status SigStructureHasher::finish(uint8_t (&digest)[kSha256Size]) {
  const Status s = sha_.finish(digest);
  if (s != Status::Ok) return s;
  return seen_ == expected_ ? Status::Ok : Status::InvalidArgument;
}

Status sig_structure_digest(ByteView payload, uint8_t (&digest)[kSha256Size]) {
  SigStructureHasher h(payload.size);
  h.emit(payload.data, payload.size);
  return h.finish(digest);
}

void write_sign1_start(cbor::Writer& w, bool has_chain) {
  w.tag(kTagSign1);
  w.array(4);
  w.bytes(kProtectedEs256, sizeof(kProtectedEs256));
  if (has_chain) {
    w.map(1);
    w.uint(kHeaderX5Chain);
  } else {
    w.map(0);
  }
}

void write_sign1_end(cbor::Writer& w, ByteView payload,
                     const uint8_t (&signature)[kSignatureSize]) {
  w.bytes(payload.data, payload.size);
  write_sign1_signature(w, signature);
}

void write_sign1_signature(cbor::Writer& w, const uint8_t (&signature)[kSignatureSize]) {
  w.bytes(signature, kSignatureSize);
}

void write_sign1(cbor::Writer& w, ByteView x5chain, ByteView payload,
                 const uint8_t (&signature)[kSignatureSize]) {
  write_sign1_start(w, x5chain.size != 0);
  if (x5chain.size != 0) w.raw(x5chain.data, x5chain.size);
  write_sign1_end(w, payload, signature);
}

}  // namespace idr::crypto::cose
