#include "idr/crypto/key_store.h"

#include <cstring>

#include "idr/crypto/cbor.h"

namespace idr::crypto {
namespace {

constexpr uint8_t kKeyMagic[4] = {'I', 'K', 'E', 'Y'};
constexpr uint8_t kChainMagic[4] = {'I', 'C', 'H', 'N'};
constexpr uint8_t kKeyVersion = 1;
constexpr uint8_t kCurveP256 = 1;
constexpr size_t kPrivateAt = 8;
constexpr size_t kPublicAt = kPrivateAt + kPrivateKeySize;  // 40
constexpr size_t kCrcAt = KeyStore::kKeyRecordSize - 4;     // 108
static_assert(kPublicAt + kPublicKeySize <= kCrcAt, "key record layout");
constexpr size_t kMaxChainCerts = 8;

// Wipes a buffer holding key material on every path out of a scope.
template <size_t N>
class WipeOnExit {
 public:
  explicit WipeOnExit(uint8_t (&buf)[N]) : buf_(buf) {}
  ~WipeOnExit() { wipe(buf_, N); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  uint8_t (&buf_)[N];
};

[[nodiscard]] bool key_record_valid(const uint8_t (&rec)[KeyStore::kKeyRecordSize]) {
  return std::memcmp(rec, kKeyMagic, 4) == 0 && rec[4] == kKeyVersion && rec[5] == kCurveP256 &&
         get_be32(rec + kCrcAt) == crc32(rec, kCrcAt) && rec[kPublicAt] == 0x04;
}

}  // namespace

Status KeyStore::load() {
  has_key_ = false;
  chain_size_ = 0;
  if (key_page_ == chain_page_ || key_page_ >= flash_.page_count() ||
      chain_page_ >= flash_.page_count() || flash_.page_size() < kKeyRecordSize ||
      flash_.page_size() < kChainHeaderSize + kMaxChainSize)
    return Status::InvalidArgument;
  const Status s = load_key();
  if (s != Status::Ok) return s;
  return has_key_ ? load_chain() : Status::Ok;
}

Status KeyStore::load_key() {
  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  const Status s = flash_.read(address(key_page_), rec, sizeof(rec));
  if (s != Status::Ok) return s;
  if (!key_record_valid(rec)) return Status::Ok;  // blank or torn: no key
  std::memcpy(public_key_, rec + kPublicAt, kPublicKeySize);
  has_key_ = true;
  return Status::Ok;
}

Status KeyStore::load_chain() {
  uint8_t header[kChainHeaderSize];
  Status s = flash_.read(address(chain_page_), header, sizeof(header));
  if (s != Status::Ok) return s;
  const uint32_t len = get_be32(header + 4);
  if (std::memcmp(header, kChainMagic, 4) != 0 || len == 0 || len > kMaxChainSize)
    return Status::Ok;
  // CRC over the data in chunks (no chain-sized RAM buffer here).
  uint32_t crc = 0;
  uint8_t chunk[128];
  for (uint32_t off = 0; off < len; off += sizeof(chunk)) {
    const size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
    s = flash_.read(address(chain_page_) + static_cast<uint32_t>(kChainHeaderSize) + off, chunk, n);
    if (s != Status::Ok) return s;
    crc = crc32(chunk, n, crc);
  }
  if (crc == get_be32(header + 8)) chain_size_ = len;
  return Status::Ok;
}

Status KeyStore::erase_if_used(uint32_t page, size_t len) {
  uint8_t chunk[128];
  for (size_t off = 0; off < len; off += sizeof(chunk)) {
    const size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
    const Status s = flash_.read(address(page) + static_cast<uint32_t>(off), chunk, n);
    if (s != Status::Ok) return s;
    if (!all_erased(chunk, n)) return flash_.erase_page(page);
  }
  return Status::Ok;
}

Status KeyStore::provision(hal::Rng& rng) {
  P256Group group;
  return provision(group, rng);
}

Status KeyStore::provision(P256Group& group, hal::Rng& rng) {
  if (has_key_) return Status::Ok;
  // A torn earlier attempt (or a chain of no key) may have left bits: start from blank pages.
  Status s = erase_if_used(chain_page_, kChainHeaderSize + kMaxChainSize);
  if (s == Status::Ok) s = erase_if_used(key_page_, kKeyRecordSize);
  if (s != Status::Ok) return s;
  chain_size_ = 0;

  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  std::memset(rec, 0xFF, sizeof(rec));
  std::memcpy(rec, kKeyMagic, 4);
  rec[4] = kKeyVersion;
  rec[5] = kCurveP256;
  rec[6] = 0;
  rec[7] = 0;
  {
    uint8_t priv[kPrivateKeySize];
    uint8_t pub[kPublicKeySize];
    WipeOnExit<kPrivateKeySize> priv_guard(priv);
    s = generate_key(group, rng, priv, pub);
    if (s != Status::Ok) return s;
    std::memcpy(rec + kPrivateAt, priv, kPrivateKeySize);
    std::memcpy(rec + kPublicAt, pub, kPublicKeySize);
  }
  put_be32(rec + kCrcAt, crc32(rec, kCrcAt));
  s = flash_.program(address(key_page_), rec, sizeof(rec));
  if (s != Status::Ok) return s;
  uint8_t back[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> back_guard(back);
  s = flash_.read(address(key_page_), back, sizeof(back));
  if (s != Status::Ok) return s;
  if (!equal_ct(back, rec, sizeof(rec))) return Status::FlashError;
  std::memcpy(public_key_, rec + kPublicAt, kPublicKeySize);
  has_key_ = true;
  return Status::Ok;
}

Status KeyStore::sign(const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                      uint8_t (&signature)[kSignatureSize]) {
  P256Group group;
  return sign(group, digest, blinding, signature);
}

Status KeyStore::sign(P256Group& group, const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                      uint8_t (&signature)[kSignatureSize]) {
  if (!has_key_) return Status::NoSuchContent;
  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  Status s = flash_.read(address(key_page_), rec, sizeof(rec));
  if (s != Status::Ok) return s;
  if (!key_record_valid(rec) || !equal_ct(rec + kPublicAt, public_key_, kPublicKeySize))
    return Status::FlashError;
  uint8_t priv[kPrivateKeySize];
  WipeOnExit<kPrivateKeySize> priv_guard(priv);
  std::memcpy(priv, rec + kPrivateAt, kPrivateKeySize);
  return sign_digest(group, priv, digest, blinding, signature);
}

Status KeyStore::store_chain(ByteView cbor_chain) {
  if (!has_key_) return Status::NoSuchContent;
  if (cbor_chain.data == nullptr || cbor_chain.size == 0 || cbor_chain.size > kMaxChainSize)
    return Status::InvalidArgument;
  CborReader reader(cbor_chain.data, cbor_chain.size);
  size_t count = 0;
  if (!reader.array(count) || count == 0 || count > kMaxChainCerts) return Status::InvalidArgument;
  ByteView device_cert{};
  for (size_t i = 0; i < count; ++i) {
    ByteView cert{};
    if (!reader.bytes(cert) || cert.size == 0) return Status::InvalidArgument;
    if (i == 0) device_cert = cert;
  }
  if (!reader.at_end()) return Status::InvalidArgument;
  ByteView point{};
  if (certificate_public_key(device_cert, point) != Status::Ok) return Status::InvalidArgument;
  if (!equal_ct(point.data, public_key_, kPublicKeySize)) return Status::DataCheckFailed;

  Status s = flash_.erase_page(chain_page_);
  chain_size_ = 0;
  if (s != Status::Ok) return s;
  const uint32_t base = address(chain_page_);
  s = flash_.program(base + static_cast<uint32_t>(kChainHeaderSize), cbor_chain.data,
                     cbor_chain.size);
  if (s != Status::Ok) return s;
  uint8_t header[kChainHeaderSize] = {};
  std::memcpy(header, kChainMagic, 4);
  put_be32(header + 4, static_cast<uint32_t>(cbor_chain.size));
  put_be32(header + 8, crc32(cbor_chain.data, cbor_chain.size));
  s = flash_.program(base, header, sizeof(header));
  if (s != Status::Ok) return s;
  s = load_chain();
  if (s != Status::Ok) return s;
  return chain_size_ == cbor_chain.size ? Status::Ok : Status::FlashError;
}

Status KeyStore::read_chain(uint8_t* out, size_t cap) {
  if (chain_size_ == 0) return Status::Ok;
  if (out == nullptr || cap < chain_size_) return Status::BufferTooSmall;
  return flash_.read(address(chain_page_) + static_cast<uint32_t>(kChainHeaderSize), out,
                     chain_size_);
}

}  // namespace idr::crypto
