#include "idr/crypto/cose_sign1.h"

namespace idr::crypto::cose {

Status sig_structure_digest(ByteView payload, uint8_t (&digest)[kSha256Size]) {
  // Everything of ["Signature1", protected, h'', payload] before the payload's bytes.
  uint8_t prefix[32];
  cbor::Writer w(prefix, sizeof(prefix));
  w.array(4);
  w.text("Signature1");
  w.bytes(kProtectedEs256, sizeof(kProtectedEs256));
  w.bytes(nullptr, 0);  // external_aad: empty (RFC 9052 4.3)
  w.bytes_head(payload.size);
  if (!w.ok()) return Status::BufferTooSmall;
  const ByteView parts[2] = {{prefix, w.size()}, payload};
  return sha256(parts, 2, digest);
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
  w.bytes(signature, kSignatureSize);
}

void write_sign1(cbor::Writer& w, ByteView x5chain, ByteView payload,
                 const uint8_t (&signature)[kSignatureSize]) {
  write_sign1_start(w, x5chain.size != 0);
  if (x5chain.size != 0) w.raw(x5chain.data, x5chain.size);
  write_sign1_end(w, payload, signature);
}

}  // namespace idr::crypto::cose
