#pragma once
// A test signer that follows protocol/include/idr/proto/extension.h exactly (its own
// CBOR encoder and mbedTLS ECDSA), plus a small PKI made with idr::ca, so the host
// verifier is tested without the firmware.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "idr/ca.h"
#include "idr/signed.h"

namespace idr::test {

using Bytes = std::vector<uint8_t>;

// A P-256 key (mbedTLS) that signs digests.
class DeviceKey {
 public:
  DeviceKey();
  ~DeviceKey();
  DeviceKey(const DeviceKey&) = delete;
  DeviceKey& operator=(const DeviceKey&) = delete;
  [[nodiscard]] const std::array<uint8_t, 65>& public_key() const { return pub_; }
  [[nodiscard]] std::string serial() const { return reader_serial_for(pub_.data()); }
  [[nodiscard]] std::array<uint8_t, 64> sign(const uint8_t (&digest)[32]) const;
  // Its ProvisionKey answer to `challenge` as the firmware makes it (extension.h): the public
  // key and its signature over SHA-256("idr-provision" || serial || challenge || key).
  [[nodiscard]] ProvisionedKey provision(const ReadNonce& challenge) const;

 private:
  struct Impl;
  Impl* impl_;
  std::array<uint8_t, 65> pub_{};
};

struct Pki {
  ca::Identity root;
  ca::Identity intermediate;
};
// A root + intermediate valid from `from` to `to` (Unix seconds).
Pki make_pki(const std::string& name, int64_t from, int64_t to);

inline constexpr int64_t kNow = 1'750'000'000;  // the verifier's clock in these tests

// [device cert, intermediate] for `key` under `pki`.
std::vector<Bytes> reader_chain(const Pki& pki, const DeviceKey& key, int64_t from = kNow - 86400,
                                int64_t to = kNow + 86400 * 365);

// A certificate for `public_key` outside the profile idr::ca keeps to (attack tests): any
// keyUsage (0: no extension), CA flag, basicConstraints on or off. Signed by `issuer`, low s.
struct CustomCert {
  std::string cn;
  unsigned key_usage = 0x80;  // MBEDTLS_X509_KU_DIGITAL_SIGNATURE
  bool basic_constraints = true;
  bool is_ca = false;
  int64_t from = kNow - 86400, to = kNow + 86400 * 365;
};
Bytes issue_custom(const ca::Identity& issuer, const std::array<uint8_t, 65>& public_key,
                   const CustomCert& spec);

struct Field {
  std::string name;
  Bytes value;
};

struct RecordSpec {
  ReadNonce nonce{};
  uint64_t counter = 1;
  uint64_t card_type = 0x20;
  bool sam_ok = true;
  std::vector<Field> fields;           // disclosed, in this order
  std::vector<std::string> no_digest;  // disclose these but leave their digest out
  // The reader's clock when it signed (Unix seconds).
  uint64_t time = static_cast<uint64_t>(kNow);
  std::array<uint8_t, 8> uid{1, 2, 3, 4, 5, 6, 7, 8};  // the chip's
};

struct Built {
  Bytes file;     // [record, disclosures]
  Bytes payload;  // the payload bstr's contents
  std::array<uint8_t, 64> signature{};
};
Built make_record(const DeviceKey& key, const std::vector<Bytes>& chain, const RecordSpec& spec);

// A resident card's text block (UCS-2LE, space padded) with these fields.
struct ResidentCard {
  std::u16string name = u"张三丰";
  std::u16string gender = u"1";
  std::u16string ethnicity = u"01";
  std::u16string birth = u"19491231";
  std::u16string address = u"北京市东城区景山前街4号";
  std::u16string id_number = u"110105200001010013";
  std::u16string authority = u"北京市公安局东城分局";
  std::u16string valid_from = u"20200101";
  std::u16string valid_to = u"20400101";
};
// The text fields of extension.h for a resident card, as the firmware discloses them.
std::vector<Field> resident_fields(const ResidentCard& card);
Bytes ucs2(const std::u16string& s, size_t size);  // padded with UCS-2 spaces

Bytes flip_bit(Bytes b, size_t byte, int bit = 0);
size_t find_bytes(const Bytes& hay, const Bytes& needle);  // npos when absent

}  // namespace idr::test
