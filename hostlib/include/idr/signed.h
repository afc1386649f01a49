#pragma once
// Signed reads (DESIGN 5, protocol/include/idr/proto/extension.h): the decoded form of
// what READ_SIGNED answers, the reader's device info, and the record file format.
//
// Record file format: exactly the CBOR array [record, disclosures] the reader answered to
// READ_SIGNED (record = COSE_Sign1, tag 18, with the certificate chain in x5chain), no
// wrapper. A reduced record (select_disclosures) is the same array with the COSE_Sign1 bytes
// unchanged and only some disclosures kept, so any holder can forward fewer fields.
//
// Nothing here says a record is genuine: decode_signed only checks its shape. Use
// idr::verify_record (verify.h) before trusting any value.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr {

using Bytes = std::vector<uint8_t>;

inline constexpr size_t kNonceSize = 16;
inline constexpr size_t kSaltSize = 16;
inline constexpr size_t kDigestSize = 32;
inline constexpr size_t kReaderPublicKeySize = 65;  // uncompressed P-256 point
inline constexpr size_t kEcdsaSignatureSize = 64;   // r || s

using ReadNonce = std::array<uint8_t, kNonceSize>;

// The largest record (or any CBOR reply) the host decodes: the host link's 2-byte LEN bounds
// every reply (DESIGN 4). Larger input is refused before any decoding (DESIGN 11).
inline constexpr size_t kMaxRecordSize = 65535;

// DeviceInfo (extension op 0x01).
struct DeviceInfo {
  std::string serial;  // "IDR-" + 16 hex digits once provisioned, empty before
  std::string firmware;
  uint64_t counter = 0;      // the last counter emitted
  bool provisioned = false;  // a key that signs ("keyed" or "provisioned")
  // Provisioning state (extension.h States, DESIGN 11): "factory", "keyed", "provisioned"
  // or "fault" (the reader's stored identity is damaged: it signs nothing).
  std::string state;
  Bytes public_key;  // 65 bytes when provisioned
};

// A change to a provisioned reader needs the manufacturer CA's authorisation (extension op
// 0x13, DESIGN 11): an ECDSA P-256 signature (r || s) by the key of the last certificate of
// the reader's chain over the reader's fresh challenge, its serial, the operation and the
// SHA-256 of the command's DATA (ca::CaDirectory::authorize makes one).
using Authorization = std::array<uint8_t, kEcdsaSignatureSize>;
enum class AuthorizedOp : uint8_t { SetTime = 0x04, ProvisionKey = 0x10, ProvisionCerts = 0x11 };

// ProvisionKey's answer (extension op 0x10): the reader's key and its proof of possession.
struct ProvisionedKey {
  std::array<uint8_t, kReaderPublicKeySize> public_key{};
  std::array<uint8_t, kEcdsaSignatureSize>
      signature{};  // over "idr-provision"||serial||challenge||key
};

// The payload map of a record (extension.h "Payload").
struct SignedPayload {
  uint64_t version = 0;
  std::string serial;
  uint64_t counter = 0;
  ReadNonce nonce{};
  uint64_t time = 0;       // reader clock, Unix seconds (0: never set)
  uint64_t card_type = 0;  // 0x20, 'J', 'I', 'Y'
  std::array<uint8_t, 8> uid{};
  std::array<uint8_t, 16> sam{};
  bool sam_ok = false;
  std::string alg;
  std::map<std::string, std::array<uint8_t, kDigestSize>> digests;  // by field name
};

struct Disclosure {
  std::string field;
  std::array<uint8_t, kSaltSize> salt{};
  Bytes value;
};

// A record decoded strictly (shape only, nothing verified).
struct SignedRecord {
  Bytes cose;                // the COSE_Sign1 item's exact bytes (tag included)
  Bytes protected_header;    // the protected bstr's contents
  std::vector<Bytes> chain;  // x5chain: device certificate DER first; empty when none
  Bytes payload_bytes;       // the payload bstr's contents (what the signature covers)
  SignedPayload payload;
  std::array<uint8_t, kEcdsaSignatureSize> signature{};
  std::vector<Disclosure> disclosures;  // in file order
};

// Decodes a record file (or a READ_SIGNED answer). MalformedReply with `why` set (when not
// null) to the first thing that is not exactly as extension.h says: more than
// kMaxRecordSize bytes, truncated or trailing bytes, indefinite lengths, a declared length or
// count the bytes present do not hold, nesting deeper than 16, text that is not UTF-8, a
// wrong tag, header, key set, type or size. Memory use is a small multiple of `size`.
[[nodiscard]] Result<SignedRecord> decode_signed(const uint8_t* data, size_t size,
                                                 std::string* why = nullptr);
[[nodiscard]] inline Result<SignedRecord> decode_signed(const Bytes& file,
                                                        std::string* why = nullptr) {
  return decode_signed(file.data(), file.size(), why);
}

// Selective disclosure: the same COSE_Sign1 bytes with only the disclosures whose field is
// in `keep`. InvalidArgument when a name in `keep` has no disclosure in the record;
// MalformedReply when `file` does not decode.
[[nodiscard]] Result<Bytes> select_disclosures(const Bytes& file,
                                               const std::vector<std::string>& keep,
                                               std::string* why = nullptr);

// Encodes [cose, disclosures] (deterministic CBOR): how a record file is written.
[[nodiscard]] Bytes encode_record_file(const Bytes& cose,
                                       const std::vector<Disclosure>& disclosures);

// The reader serial the firmware derives from its key: "IDR-" + the first 8 bytes of
// SHA-256(public key) in upper-case hex.
[[nodiscard]] std::string reader_serial_for(const uint8_t* public_key65);

}  // namespace idr
