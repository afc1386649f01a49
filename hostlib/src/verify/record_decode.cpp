// Strict decoding of a signed record (extension.h) with libcbor: every item's type, size and
// key set exactly as written there; anything else is MalformedReply with a reason.

#include <cstring>
#include <set>

#include "../core/hex.h"
#include "cbor_bounds.h"
#include "cbor_io.h"
#include "certificate.h"
#include "idr/signed.h"

namespace idr {
namespace detail {

CborItem load_prefix(const uint8_t* data, size_t size, size_t& used, std::string& why) {
  used = 0;
  if (size > kMaxRecordSize) {
    why = "CBOR input of " + std::to_string(size) + " bytes is larger than the " +
          std::to_string(kMaxRecordSize) + "-byte maximum";
    return {};
  }
  // Only bytes whose every declared length and count is proven reach libcbor (DESIGN 11).
  const size_t item_size = cbor_item_size(data, size, why);
  if (item_size == 0) return {};
  cbor_load_result res{};
  CborItem item(cbor_load(data, item_size, &res));
  if (!item || res.error.code != CBOR_ERR_NONE) {
    why = res.error.code == CBOR_ERR_NOTENOUGHDATA
              ? "truncated CBOR"
              : "malformed CBOR at byte " + std::to_string(res.error.position);
    return {};
  }
  used = res.read;
  return item;
}

CborItem load_exact(const uint8_t* data, size_t size, std::string& why) {
  size_t used = 0;
  CborItem item = load_prefix(data, size, used, why);
  if (item && used != size) {
    why = std::to_string(size - used) + " bytes after the CBOR item";
    return {};
  }
  return item;
}

}  // namespace detail

namespace {

using detail::CborItem;

struct Fail {
  std::string why;
};

bool is_definite_bytes(const cbor_item_t* i) {
  return i != nullptr && cbor_isa_bytestring(i) && cbor_bytestring_is_definite(i);
}
bool is_definite_text(const cbor_item_t* i) {
  return i != nullptr && cbor_isa_string(i) && cbor_string_is_definite(i);
}

Bytes bytes_of(const cbor_item_t* i) {
  const uint8_t* p = cbor_bytestring_handle(i);
  return Bytes(p, p + cbor_bytestring_length(i));
}
std::string text_of(const cbor_item_t* i) {
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(i)), cbor_string_length(i));
}

// Helpers that record the first failure in `why` and return false.
class Decoder {
 public:
  explicit Decoder(std::string& why) : why_(why) {}
  bool fail(const std::string& what) {
    if (why_.empty()) why_ = what;
    return false;
  }
  bool bytes(const cbor_item_t* i, const char* name, size_t exact, Bytes& out) {
    if (!is_definite_bytes(i)) return fail(std::string(name) + " is not a definite byte string");
    out = bytes_of(i);
    if (exact != 0 && out.size() != exact)
      return fail(std::string(name) + " has " + std::to_string(out.size()) + " bytes, not " +
                  std::to_string(exact));
    return true;
  }
  template <size_t N>
  bool fixed(const cbor_item_t* i, const char* name, std::array<uint8_t, N>& out) {
    Bytes b;
    if (!bytes(i, name, N, b)) return false;
    std::memcpy(out.data(), b.data(), N);
    return true;
  }
  bool text(const cbor_item_t* i, const char* name, std::string& out) {
    if (!is_definite_text(i)) return fail(std::string(name) + " is not a definite text string");
    out = text_of(i);
    return true;
  }
  bool uint(const cbor_item_t* i, const char* name, uint64_t& out) {
    if (i == nullptr || !cbor_isa_uint(i))
      return fail(std::string(name) + " is not an unsigned integer");
    out = cbor_get_int(i);
    return true;
  }

 private:
  std::string& why_;
};

bool decode_payload(const Bytes& bytes, SignedPayload& p, std::string& why) {
  Decoder d(why);
  CborItem item = detail::load_exact(bytes.data(), bytes.size(), why);
  if (!item) return d.fail("payload: " + why);
  const cbor_item_t* m = item.get();
  if (!cbor_isa_map(m) || !cbor_map_is_definite(m)) return d.fail("payload is not a definite map");
  static const char* const kKeys[] = {"v",   "serial", "ctr",    "nonce", "time",   "type",
                                      "uid", "sam",    "sam_ok", "alg",   "digests"};
  constexpr size_t kKeyCount = sizeof(kKeys) / sizeof(kKeys[0]);
  if (cbor_map_size(m) != kKeyCount)
    return d.fail("payload has " + std::to_string(cbor_map_size(m)) + " keys, not 11");
  std::set<std::string> seen;
  const cbor_pair* pairs = cbor_map_handle(m);
  for (size_t k = 0; k < cbor_map_size(m); ++k) {
    std::string key;
    if (!d.text(pairs[k].key, "payload key", key)) return false;
    if (!seen.insert(key).second) return d.fail("payload key '" + key + "' twice");
    const cbor_item_t* v = pairs[k].value;
    const std::string name = "payload '" + key + "'";
    if (key == "v") {
      if (!d.uint(v, name.c_str(), p.version)) return false;
    } else if (key == "serial") {
      if (!d.text(v, name.c_str(), p.serial)) return false;
    } else if (key == "ctr") {
      if (!d.uint(v, name.c_str(), p.counter)) return false;
    } else if (key == "nonce") {
      if (!d.fixed(v, name.c_str(), p.nonce)) return false;
    } else if (key == "time") {
      if (!d.uint(v, name.c_str(), p.time)) return false;
    } else if (key == "type") {
      if (!d.uint(v, name.c_str(), p.card_type)) return false;
    } else if (key == "uid") {
      if (!d.fixed(v, name.c_str(), p.uid)) return false;
    } else if (key == "sam") {
      if (!d.fixed(v, name.c_str(), p.sam)) return false;
    } else if (key == "sam_ok") {
      if (!cbor_isa_float_ctrl(v) || !cbor_is_bool(v)) return d.fail(name + " is not a bool");
      p.sam_ok = cbor_get_bool(v);
    } else if (key == "alg") {
      if (!d.text(v, name.c_str(), p.alg)) return false;
    } else if (key == "digests") {
      if (!cbor_isa_map(v) || !cbor_map_is_definite(v))
        return d.fail(name + " is not a definite map");
      const cbor_pair* dp = cbor_map_handle(v);
      for (size_t j = 0; j < cbor_map_size(v); ++j) {
        std::string field;
        if (!d.text(dp[j].key, "digest field name", field)) return false;
        std::array<uint8_t, kDigestSize> digest{};
        if (!d.fixed(dp[j].value, ("digest of '" + field + "'").c_str(), digest)) return false;
        if (!p.digests.emplace(field, digest).second)
          return d.fail("digest of '" + field + "' twice");
      }
    } else {
      return d.fail("unknown payload key '" + key + "'");
    }
  }
  return true;
}

// The COSE_Sign1 array after its tag (decode_signed checks the tag).
bool decode_cose(const cbor_item_t* arr, SignedRecord& r, std::string& why) {
  Decoder d(why);
  if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) || cbor_array_size(arr) != 4)
    return d.fail("COSE_Sign1 is not a definite array of 4");
  cbor_item_t** items = cbor_array_handle(arr);

  // Protected header: exactly {1: -7} (alg ES256), RFC 9052 3.1 / RFC 9053 2.1.
  if (!d.bytes(items[0], "protected header", 0, r.protected_header)) return false;
  static const uint8_t kEs256[] = {0xA1, 0x01, 0x26};
  if (r.protected_header.size() != sizeof(kEs256) ||
      std::memcmp(r.protected_header.data(), kEs256, sizeof(kEs256)) != 0)
    return d.fail("protected header is not exactly {1: -7} (ES256)");

  // Unprotected header: {} or {33: [DER, ...]} (x5chain, RFC 9360 2).
  const cbor_item_t* u = items[1];
  if (!cbor_isa_map(u) || !cbor_map_is_definite(u))
    return d.fail("unprotected header is not a map");
  if (cbor_map_size(u) > 1) return d.fail("unprotected header has more than x5chain");
  if (cbor_map_size(u) == 1) {
    const cbor_pair& kv = cbor_map_handle(u)[0];
    if (!cbor_isa_uint(kv.key) || cbor_get_int(kv.key) != 33)
      return d.fail("unprotected header key is not 33 (x5chain)");
    const cbor_item_t* c = kv.value;
    if (!cbor_isa_array(c) || !cbor_array_is_definite(c) || cbor_array_size(c) == 0)
      return d.fail("x5chain is not a non-empty array");
    for (size_t i = 0; i < cbor_array_size(c); ++i) {
      Bytes der;
      if (!d.bytes(cbor_array_handle(c)[i], "x5chain certificate", 0, der)) return false;
      if (der.empty()) return d.fail("x5chain certificate is empty");
      r.chain.push_back(std::move(der));
    }
  }

  if (!d.bytes(items[2], "payload", 0, r.payload_bytes)) return false;
  if (!decode_payload(r.payload_bytes, r.payload, why)) return false;
  return d.fixed(items[3], "signature", r.signature);
}

bool decode_disclosures(const cbor_item_t* list, SignedRecord& r, std::string& why) {
  Decoder d(why);
  if (!cbor_isa_array(list) || !cbor_array_is_definite(list))
    return d.fail("disclosures is not a definite array");
  for (size_t i = 0; i < cbor_array_size(list); ++i) {
    const cbor_item_t* e = cbor_array_handle(list)[i];
    if (!cbor_isa_array(e) || !cbor_array_is_definite(e) || cbor_array_size(e) != 3)
      return d.fail("disclosure " + std::to_string(i) + " is not [field, salt, value]");
    Disclosure dis;
    cbor_item_t** f = cbor_array_handle(e);
    if (!d.text(f[0], "disclosure field", dis.field)) return false;
    if (!d.fixed(f[1], ("salt of '" + dis.field + "'").c_str(), dis.salt)) return false;
    if (!d.bytes(f[2], ("value of '" + dis.field + "'").c_str(), 0, dis.value)) return false;
    r.disclosures.push_back(std::move(dis));
  }
  return true;
}

}  // namespace

Result<SignedRecord> decode_signed(const uint8_t* data, size_t size, std::string* why_out) {
  std::string why;
  auto fail = [&]() -> Result<SignedRecord> {
    if (why_out != nullptr) *why_out = why.empty() ? "malformed record" : why;
    return Error::MalformedReply;
  };
  // libcbor 0.8 (Debian 12) refuses tags 6..20 as unassigned, and COSE_Sign1 is tag 18, so
  // the two heads are checked here (RFC 8949 3: 0x82 = array of 2, 0xD2 = major type 6 with
  // tag 18 in the initial byte; deterministic encoding allows no other form) and libcbor
  // decodes the items after them.
  if (data == nullptr || size < 2) {
    why = "truncated CBOR";
    return fail();
  }
  if (size > kMaxRecordSize) {
    why = "record of " + std::to_string(size) + " bytes is larger than the " +
          std::to_string(kMaxRecordSize) + "-byte maximum";
    return fail();
  }
  if (data[0] != 0x82) {
    why = "not a definite array [record, disclosures] (head 0x82)";
    return fail();
  }
  if (data[1] != 0xD2) {
    why = "record is not a COSE_Sign1 (tag 18)";
    return fail();
  }
  size_t used = 0;
  CborItem sign1 = detail::load_prefix(data + 2, size - 2, used, why);
  if (!sign1) return fail();
  CborItem list = detail::load_exact(data + 2 + used, size - 2 - used, why);
  if (!list) return fail();
  SignedRecord r;
  r.cose.assign(data + 1, data + 2 + used);
  if (!decode_cose(sign1.get(), r, why)) return fail();
  if (!decode_disclosures(list.get(), r, why)) return fail();
  return r;
}

Bytes encode_record_file(const Bytes& cose, const std::vector<Disclosure>& disclosures) {
  detail::CborWriter w;
  w.array(2);
  w.raw(cose);
  w.array(disclosures.size());
  for (const auto& d : disclosures) {
    w.array(3);
    w.text(d.field);
    w.bytes(d.salt.data(), d.salt.size());
    w.bytes(d.value);
  }
  return w.take();
}

Result<Bytes> select_disclosures(const Bytes& file, const std::vector<std::string>& keep,
                                 std::string* why) {
  auto rec = decode_signed(file, why);
  if (!rec) return rec.error();
  std::vector<Disclosure> kept;
  for (const auto& name : keep) {
    bool found = false;
    for (const auto& d : rec->disclosures) {
      if (d.field != name) continue;
      kept.push_back(d);
      found = true;
      break;
    }
    if (!found) {
      if (why != nullptr) *why = "the record has no disclosure for '" + name + "'";
      return Error::InvalidArgument;
    }
  }
  return encode_record_file(rec->cose, kept);
}

std::string reader_serial_for(const uint8_t* public_key65) {
  const std::array<uint8_t, 32> digest = detail::sha256(public_key65, kReaderPublicKeySize);
  std::string s = "IDR-";
  detail::append_hex(s, digest.data(), 8, detail::HexCase::Upper);
  return s;
}

}  // namespace idr
