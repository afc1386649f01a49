#pragma once
// Test-only reading and checking of a READ_SIGNED reply (extension.h) with libcbor (an
// independent CBOR decoder, not the firmware's encoder) and mbedTLS: the structure field by
// field against RFC 9052 (COSE_Sign1, tag 18), the ES256 signature over the Sig_structure,
// and each disclosure's salted digest. The real verifier is the host library's; this one
// exists so the firmware side can test what it emits.
#include <cbor.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace idr::testing {

using Bytes = std::vector<uint8_t>;

// A decoded CBOR item (just what the records use).
struct Node {
  enum class Kind { Uint, Nint, ByteString, Text, Array, Map, Tag, Bool, Other } kind = Kind::Other;
  uint64_t uint = 0;  // Uint value; Nint: the encoded n of -1 - n; Tag number
  Bytes bytes;        // ByteString, or Text's UTF-8
  bool boolean = false;
  std::vector<Node> items;                   // Array items; Tag: one item
  std::vector<std::pair<Node, Node>> pairs;  // Map, in encoded order

  std::string text() const { return std::string(bytes.begin(), bytes.end()); }
  int64_t integer() const {
    return kind == Kind::Nint ? -1 - static_cast<int64_t>(uint) : static_cast<int64_t>(uint);
  }
  const Node& at(const std::string& key) const {
    for (const auto& p : pairs)
      if (p.first.kind == Kind::Text && p.first.text() == key) return p.second;
    throw std::runtime_error("no key " + key);
  }
  const Node& at_int(int64_t key) const {
    for (const auto& p : pairs)
      if ((p.first.kind == Kind::Uint || p.first.kind == Kind::Nint) && p.first.integer() == key)
        return p.second;
    throw std::runtime_error("no key " + std::to_string(key));
  }
};

inline Node to_node(const cbor_item_t* item) {
  Node n;
  switch (cbor_typeof(item)) {
    case CBOR_TYPE_UINT:
      n.kind = Node::Kind::Uint;
      n.uint = cbor_get_int(item);
      break;
    case CBOR_TYPE_NEGINT:
      n.kind = Node::Kind::Nint;
      n.uint = cbor_get_int(item);
      break;
    case CBOR_TYPE_BYTESTRING:
      if (!cbor_bytestring_is_definite(item)) throw std::runtime_error("indefinite bstr");
      n.kind = Node::Kind::ByteString;
      n.bytes.assign(cbor_bytestring_handle(item),
                     cbor_bytestring_handle(item) + cbor_bytestring_length(item));
      break;
    case CBOR_TYPE_STRING:
      if (!cbor_string_is_definite(item)) throw std::runtime_error("indefinite tstr");
      n.kind = Node::Kind::Text;
      n.bytes.assign(cbor_string_handle(item), cbor_string_handle(item) + cbor_string_length(item));
      break;
    case CBOR_TYPE_ARRAY: {
      if (!cbor_array_is_definite(item)) throw std::runtime_error("indefinite array");
      n.kind = Node::Kind::Array;
      cbor_item_t** items = cbor_array_handle(item);
      for (size_t i = 0; i < cbor_array_size(item); ++i) n.items.push_back(to_node(items[i]));
      break;
    }
    case CBOR_TYPE_MAP: {
      if (!cbor_map_is_definite(item)) throw std::runtime_error("indefinite map");
      n.kind = Node::Kind::Map;
      cbor_pair* pairs = cbor_map_handle(item);
      for (size_t i = 0; i < cbor_map_size(item); ++i)
        n.pairs.emplace_back(to_node(pairs[i].key), to_node(pairs[i].value));
      break;
    }
    case CBOR_TYPE_TAG: {
      n.kind = Node::Kind::Tag;
      n.uint = cbor_tag_value(item);
      cbor_item_t* inner = cbor_tag_item(item);  // new reference
      n.items.push_back(to_node(inner));
      cbor_decref(&inner);
      break;
    }
    case CBOR_TYPE_FLOAT_CTRL:
      if (cbor_is_bool(item)) {
        n.kind = Node::Kind::Bool;
        n.boolean = cbor_get_bool(item);
      }
      break;
  }
  return n;
}

// Decodes the first item of data[0..size); `used` gets its encoded size.
inline Node decode_prefix(const uint8_t* data, size_t size, size_t& used) {
  cbor_load_result result{};
  cbor_item_t* item = cbor_load(data, size, &result);
  if (item == nullptr || result.error.code != CBOR_ERR_NONE)
    throw std::runtime_error("libcbor could not decode the item (error " +
                             std::to_string(static_cast<int>(result.error.code)) + " at byte " +
                             std::to_string(result.error.position) + ")");
  std::unique_ptr<cbor_item_t*, void (*)(cbor_item_t**)> guard(&item, cbor_decref);
  used = result.read;
  return to_node(item);
}

// Decodes exactly one item that spans all of `data` (throws otherwise).
inline Node decode(const Bytes& data) {
  cbor_load_result result{};
  cbor_item_t* item = cbor_load(data.data(), data.size(), &result);
  if (item == nullptr || result.error.code != CBOR_ERR_NONE)
    throw std::runtime_error("libcbor could not decode the item (error " +
                             std::to_string(static_cast<int>(result.error.code)) + " at byte " +
                             std::to_string(result.error.position) + " of " +
                             std::to_string(data.size()) + ")");
  std::unique_ptr<cbor_item_t*, void (*)(cbor_item_t**)> guard(&item, cbor_decref);
  if (result.read != data.size()) throw std::runtime_error("bytes after the CBOR item");
  return to_node(item);
}

inline Bytes sha256_of(const Bytes& a, const Bytes& b = {}) {
  Bytes out(32);
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  mbedtls_sha256_starts_ret(&ctx, 0);
  mbedtls_sha256_update_ret(&ctx, a.data(), a.size());
  mbedtls_sha256_update_ret(&ctx, b.data(), b.size());
  mbedtls_sha256_finish_ret(&ctx, out.data());
  mbedtls_sha256_free(&ctx);
  return out;
}

// Sig_structure = ["Signature1", protected, external_aad h'', payload] (RFC 9052 4.4), built
// here with libcbor.
inline Bytes sig_structure(const Bytes& protected_bytes, const Bytes& payload) {
  cbor_item_t* array = cbor_new_definite_array(4);
  bool ok = cbor_array_push(array, cbor_move(cbor_build_string("Signature1")));
  ok = ok && cbor_array_push(array, cbor_move(cbor_build_bytestring(protected_bytes.data(),
                                                                    protected_bytes.size())));
  ok = ok && cbor_array_push(array, cbor_move(cbor_build_bytestring(nullptr, 0)));
  ok = ok &&
       cbor_array_push(array, cbor_move(cbor_build_bytestring(payload.data(), payload.size())));
  unsigned char* buf = nullptr;
  size_t buf_size = 0;
  const size_t len = ok ? cbor_serialize_alloc(array, &buf, &buf_size) : 0;
  cbor_decref(&array);
  if (len == 0) throw std::runtime_error("libcbor could not encode the Sig_structure");
  Bytes out(buf, buf + len);
  free(buf);
  return out;
}

// r || s (64 bytes) -> DER ECDSA-Sig-Value, for mbedtls_ecdsa_read_signature.
inline Bytes der_signature(const Bytes& raw) {
  if (raw.size() != 64) throw std::runtime_error("signature is not 64 bytes");
  auto integer = [](const uint8_t* v) {
    Bytes i(v, v + 32);
    while (i.size() > 1 && i[0] == 0 && (i[1] & 0x80) == 0) i.erase(i.begin());
    if (i[0] & 0x80) i.insert(i.begin(), 0x00);
    i.insert(i.begin(), static_cast<uint8_t>(i.size()));
    i.insert(i.begin(), 0x02);
    return i;
  };
  Bytes body = integer(raw.data());
  const Bytes s = integer(raw.data() + 32);
  body.insert(body.end(), s.begin(), s.end());
  body.insert(body.begin(), static_cast<uint8_t>(body.size()));
  body.insert(body.begin(), 0x30);
  return body;
}

// What a ProvisionKey answer signs (extension.h): "idr-provision" || serial || challenge ||
// public key.
inline Bytes provision_message(const std::string& serial, const Bytes& challenge,
                               const Bytes& public_key) {
  static constexpr char kContext[] = "idr-provision";
  constexpr size_t kContextSize = sizeof kContext - 1;
  // Sized once and filled by copy: GCC 12 at -O2 reports a false -Warray-bounds when a
  // vector built from a short list grows by insert.
  Bytes msg(kContextSize + serial.size() + challenge.size() + public_key.size());
  auto at = std::copy(kContext, kContext + kContextSize, msg.begin());
  at = std::copy(serial.begin(), serial.end(), at);
  at = std::copy(challenge.begin(), challenge.end(), at);
  std::copy(public_key.begin(), public_key.end(), at);
  return msg;
}

// ES256 verification with mbedTLS: SHA-256 of `message`, DER signature.
inline bool es256_verify(const Bytes& public_key, const Bytes& message, const Bytes& raw_sig) {
  mbedtls_ecdsa_context ctx;
  mbedtls_ecdsa_init(&ctx);
  bool ok =
      mbedtls_ecp_group_load(&ctx.grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
      mbedtls_ecp_point_read_binary(&ctx.grp, &ctx.Q, public_key.data(), public_key.size()) == 0;
  const Bytes hash = sha256_of(message);
  const Bytes der = der_signature(raw_sig);
  ok = ok &&
       mbedtls_ecdsa_read_signature(&ctx, hash.data(), hash.size(), der.data(), der.size()) == 0;
  mbedtls_ecdsa_free(&ctx);
  return ok;
}

// A READ_SIGNED reply taken apart.
struct SignedRecord {
  Bytes protected_bytes;
  Node unprotected;
  Bytes payload;
  Bytes signature;
  struct Disclosure {
    std::string name;
    Bytes salt;
    Bytes value;
  };
  std::vector<Disclosure> disclosures;
};

// Checks the RFC 9052 shape (throws with a message on any deviation) and splits it.
//
// libcbor 0.8 (Debian 12) refuses tags 6..20 as "unassigned" (its decoder table predates
// their registration), and COSE_Sign1 is tag 18. So the two heads around the record are
// checked here byte by byte (RFC 8949 3: 0x82 = array of 2; 0xD2 = major type 6, tag 18 in
// the initial byte) and every item itself is decoded by libcbor.
inline SignedRecord parse_signed_reply(const Bytes& reply) {
  if (reply.size() < 3 || reply[0] != 0x82)
    throw std::runtime_error("reply is not [record, disclosures] (array of 2)");
  if (reply[1] != 0xD2) throw std::runtime_error("record is not tag 18 (COSE_Sign1)");
  size_t sign1_size = 0;
  const Node sign1 = decode_prefix(reply.data() + 2, reply.size() - 2, sign1_size);
  const Node disc =
      decode(Bytes(reply.begin() + 2 + static_cast<std::ptrdiff_t>(sign1_size), reply.end()));
  if (sign1.kind != Node::Kind::Array || sign1.items.size() != 4)
    throw std::runtime_error("COSE_Sign1 is not a 4-array");
  SignedRecord r;
  if (sign1.items[0].kind != Node::Kind::ByteString) throw std::runtime_error("protected not bstr");
  r.protected_bytes = sign1.items[0].bytes;
  if (sign1.items[1].kind != Node::Kind::Map) throw std::runtime_error("unprotected not a map");
  r.unprotected = sign1.items[1];
  if (sign1.items[2].kind != Node::Kind::ByteString) throw std::runtime_error("payload not bstr");
  r.payload = sign1.items[2].bytes;
  if (sign1.items[3].kind != Node::Kind::ByteString) throw std::runtime_error("signature not bstr");
  r.signature = sign1.items[3].bytes;
  if (disc.kind != Node::Kind::Array) throw std::runtime_error("disclosures not an array");
  for (const Node& d : disc.items) {
    if (d.kind != Node::Kind::Array || d.items.size() != 3 || d.items[0].kind != Node::Kind::Text ||
        d.items[1].kind != Node::Kind::ByteString || d.items[2].kind != Node::Kind::ByteString)
      throw std::runtime_error("disclosure is not [tstr, bstr, bstr]");
    r.disclosures.push_back({d.items[0].text(), d.items[1].bytes, d.items[2].bytes});
  }
  return r;
}

// What the test verifier concludes.
struct Verdict {
  bool signature = false;
  std::map<std::string, bool> digests;  // per disclosed field
  bool all_ok() const {
    if (!signature) return false;
    for (const auto& d : digests)
      if (!d.second) return false;
    return true;
  }
};

inline Verdict verify(const SignedRecord& r, const Bytes& public_key) {
  Verdict v;
  v.signature = es256_verify(public_key, sig_structure(r.protected_bytes, r.payload), r.signature);
  Node payload;
  try {
    payload = decode(r.payload);
  } catch (const std::exception&) {
    return v;  // a payload that does not decode has no digests to match
  }
  for (const auto& d : r.disclosures) {
    bool ok = false;
    try {
      const Node& want = payload.at("digests").at(d.name);
      ok = want.kind == Node::Kind::ByteString && d.salt.size() == 16 &&
           sha256_of(d.salt, d.value) == want.bytes;
    } catch (const std::exception&) {
      ok = false;
    }
    v.digests[d.name] = ok;
  }
  return v;
}

}  // namespace idr::testing
