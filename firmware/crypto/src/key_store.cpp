#include "idr/crypto/key_store.h"

#include <cstring>

#include "idr/proto/cbor.h"

namespace idr::crypto {
namespace {

constexpr uint8_t kKeyMagic[4] = {'I', 'K', 'E', 'Y'};
constexpr uint8_t kCommitMagic[4] = {'I', 'C', 'H', 'N'};
constexpr uint8_t kKeyVersion = 1;
constexpr uint8_t kCurveP256 = 1;
constexpr uint8_t kConfirmed = 0x00;
constexpr uint8_t kUnwritten = 0xFF;
constexpr size_t kPrivateAt = 8;
constexpr size_t kPublicAt = kPrivateAt + kPrivateKeySize;  // 40
constexpr size_t kKeyCrcAt = KeyStore::kKeyRecordSize - 4;  // 108
static_assert(kPublicAt + kPublicKeySize <= kKeyCrcAt, "key record layout");
// Commit record fields.
constexpr size_t kGenerationAt = 4;
constexpr size_t kLengthAt = 8;
constexpr size_t kChainCrcAt = 12;
constexpr size_t kAuthorityAt = 16;
constexpr size_t kCommitCrcAt = KeyStore::kCommitSize - 4;  // 92
static_assert(kAuthorityAt + kPublicKeySize <= kCommitCrcAt, "commit record layout");
static_assert(KeyStore::kKeyConfirmAt >= KeyStore::kKeyRecordSize &&
                  KeyStore::kCommitConfirmAt < KeyStore::kCommitAt &&
                  KeyStore::kCommitAt + KeyStore::kCommitSize <= KeyStore::kChainAt,
              "slot layout");

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
         get_be32(rec + kKeyCrcAt) == crc32(rec, kKeyCrcAt) && rec[kPublicAt] == 0x04;
}

// A key record (the layout in key_store.h) for a key generated here: provision and rekey
// write it. It holds the private key: the caller wipes `rec`, whatever the result.
[[nodiscard]] Status new_key_record(P256Group& group, hal::Rng& rng,
                                    uint8_t (&rec)[KeyStore::kKeyRecordSize]) {
  std::memset(rec, 0xFF, sizeof(rec));
  std::memcpy(rec, kKeyMagic, 4);
  rec[4] = kKeyVersion;
  rec[5] = kCurveP256;
  rec[6] = 0;
  rec[7] = 0;
  uint8_t priv[kPrivateKeySize];
  uint8_t pub[kPublicKeySize];
  WipeOnExit<kPrivateKeySize> priv_guard(priv);
  const Status s = generate_key(group, rng, priv, pub);
  if (s != Status::Ok) return s;
  std::memcpy(rec + kPrivateAt, priv, kPrivateKeySize);
  std::memcpy(rec + kPublicAt, pub, kPublicKeySize);
  put_be32(rec + kKeyCrcAt, crc32(rec, kKeyCrcAt));
  return Status::Ok;
}

// A record as its confirm byte and body say: never written, torn before its confirm,
// complete, or damaged after it was confirmed.
enum class Rec : uint8_t { Blank, Unconfirmed, Valid, Damaged };

[[nodiscard]] Rec classify(const uint8_t* body, size_t len, bool body_valid, uint8_t confirm) {
  if (confirm == kUnwritten) return all_erased(body, len) ? Rec::Blank : Rec::Unconfirmed;
  return body_valid ? Rec::Valid : Rec::Damaged;
}

// The chain's shape and the public keys of its first and last certificates.
[[nodiscard]] Status parse_chain(ByteView chain, ByteView& device_key, ByteView& authority) {
  if (chain.data == nullptr || chain.size == 0 || chain.size > KeyStore::kMaxChainSize)
    return Status::InvalidArgument;
  cbor::Reader reader(chain.data, chain.size);
  size_t count = 0;
  if (!reader.array(count) || count < KeyStore::kMinChainCerts || count > KeyStore::kMaxChainCerts)
    return Status::InvalidArgument;
  ByteView first{};
  ByteView last{};
  for (size_t i = 0; i < count; ++i) {
    ByteView cert{};
    if (!reader.bytes(cert.data, cert.size) || cert.size == 0) return Status::InvalidArgument;
    if (i == 0) first = cert;
    last = cert;
  }
  if (!reader.at_end()) return Status::InvalidArgument;
  if (certificate_public_key(first, device_key) != Status::Ok ||
      certificate_public_key(last, authority) != Status::Ok || device_key.size != kPublicKeySize ||
      authority.size != kPublicKeySize)
    return Status::InvalidArgument;
  return Status::Ok;
}

}  // namespace

Status KeyStore::load() {
  state_ = State::Factory;
  active_ = -1;
  pending_ = -1;
  generation_ = 0;
  chain_size_ = 0;
  std::memset(public_key_, 0, sizeof(public_key_));
  std::memset(authority_, 0, sizeof(authority_));
  std::memset(pending_key_, 0, sizeof(pending_key_));
  if (pages_[0] == pages_[1] || pages_[0] >= flash_.page_count() ||
      pages_[1] >= flash_.page_count() || flash_.page_size() < kSlotSize)
    return Status::InvalidArgument;
  Slot slots[2];
  for (int i = 0; i < 2; ++i) {
    const Status s = read_slot(pages_[i], slots[i]);
    if (s != Status::Ok) return s;
  }
  int committed = -1;
  for (int i = 0; i < 2; ++i)
    if (slots[i].kind == Kind::Committed &&
        (committed < 0 || slots[i].generation > slots[committed].generation))
      committed = i;
  if (committed >= 0) {
    const Slot& other = slots[1 - committed];
    // Two commits of one generation, or a newer commit whose key is damaged: refuse to
    // guess (falling back to the older identity would be a rollback).
    if (other.commit_valid && other.generation >= slots[committed].generation) {
      state_ = State::Fault;
      return Status::Ok;
    }
    const Slot& c = slots[committed];
    state_ = State::Provisioned;
    active_ = committed;
    generation_ = c.generation;
    chain_size_ = c.chain_size;
    std::memcpy(public_key_, c.public_key, kPublicKeySize);
    std::memcpy(authority_, c.authority, kPublicKeySize);
    // A new key waiting for its chain (a copy of our own key is an interrupted chain
    // rewrite, not a pending key: the rewrite builds that slot again).
    if (other.kind == Kind::Keyed && !equal_ct(other.public_key, c.public_key, kPublicKeySize)) {
      pending_ = 1 - committed;
      std::memcpy(pending_key_, other.public_key, kPublicKeySize);
    }
    return Status::Ok;
  }
  if (slots[0].kind == Kind::Damaged || slots[1].kind == Kind::Damaged) {
    state_ = State::Fault;
    return Status::Ok;
  }
  for (int i = 0; i < 2; ++i) {
    if (slots[i].kind != Kind::Keyed) continue;
    if (active_ >= 0 && !equal_ct(public_key_, slots[i].public_key, kPublicKeySize)) {
      state_ = State::Fault;  // two different uncommitted keys: never written that way
      return Status::Ok;
    }
    if (active_ < 0) {
      active_ = i;
      std::memcpy(public_key_, slots[i].public_key, kPublicKeySize);
    }
  }
  state_ = active_ >= 0 ? State::Keyed : State::Factory;
  return Status::Ok;
}

Status KeyStore::read_slot(uint32_t page, Slot& slot) {
  slot = Slot{};
  const uint32_t base = address(page);
  uint8_t key[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(key);
  uint8_t confirms[kCommitConfirmAt - kKeyConfirmAt + 1];
  uint8_t commit[kCommitSize];
  Status s = flash_.read(base, key, sizeof(key));
  if (s == Status::Ok) s = flash_.read(base + kKeyConfirmAt, confirms, sizeof(confirms));
  if (s == Status::Ok) s = flash_.read(base + kCommitAt, commit, sizeof(commit));
  if (s != Status::Ok) return s;
  const Rec key_rec = classify(key, sizeof(key), key_record_valid(key), confirms[0]);

  bool commit_body_valid = std::memcmp(commit, kCommitMagic, 4) == 0 &&
                           get_be32(commit + kCommitCrcAt) == crc32(commit, kCommitCrcAt);
  const uint32_t len = get_be32(commit + kLengthAt);
  if (commit_body_valid && (len == 0 || len > kMaxChainSize)) commit_body_valid = false;
  if (commit_body_valid) {
    uint32_t crc = 0;
    s = chain_crc(page, len, crc);
    if (s != Status::Ok) return s;
    commit_body_valid = crc == get_be32(commit + kChainCrcAt);
  }
  const Rec commit_rec = classify(commit, sizeof(commit), commit_body_valid,
                                  confirms[kCommitConfirmAt - kKeyConfirmAt]);

  if (key_rec == Rec::Valid) std::memcpy(slot.public_key, key + kPublicAt, kPublicKeySize);
  if (commit_rec == Rec::Valid) {
    slot.commit_valid = true;
    slot.generation = get_be32(commit + kGenerationAt);
    slot.chain_size = len;
    std::memcpy(slot.authority, commit + kAuthorityAt, kPublicKeySize);
  }
  if (key_rec == Rec::Damaged || commit_rec == Rec::Damaged ||
      (commit_rec == Rec::Valid && key_rec != Rec::Valid)) {
    slot.kind = Kind::Damaged;
  } else if (commit_rec == Rec::Valid) {
    slot.kind = Kind::Committed;
  } else if (key_rec == Rec::Valid) {
    slot.kind = Kind::Keyed;
  } else {
    const bool blank = key_rec == Rec::Blank && commit_rec == Rec::Blank &&
                       confirms[0] == kUnwritten &&
                       confirms[kCommitConfirmAt - kKeyConfirmAt] == kUnwritten;
    slot.kind = blank ? Kind::Blank : Kind::Dirty;
  }
  return Status::Ok;
}

Status KeyStore::chain_crc(uint32_t page, uint32_t len, uint32_t& crc) {
  // In chunks: no chain-sized RAM buffer here.
  crc = 0;
  uint8_t chunk[128];
  for (uint32_t off = 0; off < len; off += sizeof(chunk)) {
    const size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
    const Status s = flash_.read(address(page) + static_cast<uint32_t>(kChainAt) + off, chunk, n);
    if (s != Status::Ok) return s;
    crc = crc32(chunk, n, crc);
  }
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

Status KeyStore::write_key(uint32_t page, const uint8_t (&record)[kKeyRecordSize]) {
  Status s = flash_.program(address(page), record, kKeyRecordSize);
  if (s != Status::Ok) return s;
  uint8_t back[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(back);
  s = flash_.read(address(page), back, sizeof(back));
  if (s != Status::Ok) return s;
  if (!equal_ct(back, record, kKeyRecordSize)) return Status::FlashError;
  const uint8_t confirm = kConfirmed;
  return flash_.program(address(page) + kKeyConfirmAt, &confirm, 1);
}

Status KeyStore::copy_key(uint32_t from_page, uint32_t to_page) {
  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  Status s = flash_.read(address(from_page), rec, sizeof(rec));
  if (s != Status::Ok) return s;
  if (!key_record_valid(rec) || !equal_ct(rec + kPublicAt, public_key_, kPublicKeySize))
    return Status::FlashError;
  s = erase_if_used(to_page, kSlotSize);
  if (s != Status::Ok) return s;
  return write_key(to_page, rec);
}

Status KeyStore::write_commit(uint32_t page, ByteView chain, uint32_t generation,
                              const uint8_t (&authority)[kPublicKeySize]) {
  const uint32_t base = address(page);
  Status s = flash_.program(base + static_cast<uint32_t>(kChainAt), chain.data, chain.size);
  if (s != Status::Ok) return s;
  uint8_t commit[kCommitSize] = {};
  std::memcpy(commit, kCommitMagic, 4);
  put_be32(commit + kGenerationAt, generation);
  put_be32(commit + kLengthAt, static_cast<uint32_t>(chain.size));
  put_be32(commit + kChainCrcAt, crc32(chain.data, chain.size));
  std::memcpy(commit + kAuthorityAt, authority, kPublicKeySize);
  put_be32(commit + kCommitCrcAt, crc32(commit, kCommitCrcAt));
  s = flash_.program(base + static_cast<uint32_t>(kCommitAt), commit, sizeof(commit));
  if (s != Status::Ok) return s;
  // Read back before the confirm: the chain's CRC and the commit record as written.
  uint8_t back[kCommitSize];
  uint32_t crc = 0;
  s = flash_.read(base + static_cast<uint32_t>(kCommitAt), back, sizeof(back));
  if (s == Status::Ok) s = chain_crc(page, static_cast<uint32_t>(chain.size), crc);
  if (s != Status::Ok) return s;
  if (std::memcmp(back, commit, sizeof(commit)) != 0 || crc != get_be32(commit + kChainCrcAt))
    return Status::FlashError;
  const uint8_t confirm = kConfirmed;  // the commit point
  return flash_.program(base + kCommitConfirmAt, &confirm, 1);
}

Status KeyStore::provision(hal::Rng& rng) {
  P256Group group;
  return provision(group, rng);
}

Status KeyStore::provision(P256Group& group, hal::Rng& rng) {
  switch (state_) {
    case State::Keyed:
      return Status::Ok;
    case State::Provisioned:
      return Status::Unauthorized;
    case State::Fault:
      return Status::StorageFault;
    case State::Factory:
      break;
  }
  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  Status s = new_key_record(group, rng, rec);
  if (s != Status::Ok) return s;
  // Factory: neither slot holds a confirmed record, so both may be cleared. A torn earlier
  // attempt may have left bits: start from blank pages.
  s = erase_if_used(pages_[1], kSlotSize);
  if (s == Status::Ok) s = erase_if_used(pages_[0], kSlotSize);
  if (s == Status::Ok) s = write_key(pages_[0], rec);
  if (s != Status::Ok) return s;
  s = load();
  if (s != Status::Ok) return s;
  return state_ == State::Keyed && equal_ct(public_key_, rec + kPublicAt, kPublicKeySize)
             ? Status::Ok
             : Status::FlashError;
}

Status KeyStore::rekey(P256Group& group, hal::Rng& rng) {
  if (state_ == State::Fault) return Status::StorageFault;
  if (state_ != State::Provisioned) return Status::Unauthorized;
  const int target = 1 - active_;
  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  Status s = new_key_record(group, rng, rec);
  if (s != Status::Ok) return s;
  pending_ = -1;
  s = erase_if_used(pages_[target], kSlotSize);
  if (s == Status::Ok) s = write_key(pages_[target], rec);
  if (s != Status::Ok) return s;
  s = load();
  if (s != Status::Ok) return s;
  return pending_ == target && equal_ct(pending_key_, rec + kPublicAt, kPublicKeySize)
             ? Status::Ok
             : Status::FlashError;
}

Status KeyStore::sign(const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                      uint8_t (&signature)[kSignatureSize]) {
  P256Group group;
  return sign(group, digest, blinding, signature);
}

Status KeyStore::sign(P256Group& group, const uint8_t (&digest)[kSha256Size], hal::Rng& blinding,
                      uint8_t (&signature)[kSignatureSize]) {
  if (state_ == State::Fault) return Status::StorageFault;
  if (!has_key()) return Status::NoSuchContent;
  return sign_in(pages_[active_], public_key_, group, digest, &blinding, nullptr, signature);
}

Status KeyStore::sign(P256Group& group, const uint8_t (&digest)[kSha256Size],
                      const NoncePair& nonce, uint8_t (&signature)[kSignatureSize]) {
  if (state_ == State::Fault) return Status::StorageFault;
  if (!has_key()) return Status::NoSuchContent;
  return sign_in(pages_[active_], public_key_, group, digest, nullptr, &nonce, signature);
}

Status KeyStore::sign_pending(P256Group& group, const uint8_t (&digest)[kSha256Size],
                              hal::Rng& blinding, uint8_t (&signature)[kSignatureSize]) {
  if (state_ != State::Provisioned || pending_ < 0) return Status::NoSuchContent;
  return sign_in(pages_[pending_], pending_key_, group, digest, &blinding, nullptr, signature);
}

Status KeyStore::sign_in(uint32_t page, const uint8_t (&expected)[kPublicKeySize], P256Group& group,
                         const uint8_t (&digest)[kSha256Size], hal::Rng* blinding,
                         const NoncePair* nonce, uint8_t (&signature)[kSignatureSize]) {
  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  const Status s = flash_.read(address(page), rec, sizeof(rec));
  if (s != Status::Ok) return s;
  if (!key_record_valid(rec) || !equal_ct(rec + kPublicAt, expected, kPublicKeySize)) {
    state_ = State::Fault;  // it verified at load: the record went bad since
    return Status::StorageFault;
  }
  uint8_t priv[kPrivateKeySize];
  WipeOnExit<kPrivateKeySize> priv_guard(priv);
  std::memcpy(priv, rec + kPrivateAt, kPrivateKeySize);
  if (nonce != nullptr) return sign_digest(group, priv, digest, *nonce, signature);
  if (blinding == nullptr) return Status::InvalidArgument;
  return sign_digest(group, priv, digest, *blinding, signature);
}

Status KeyStore::hedge(ByteView context, uint8_t (&out)[kSha256Size]) {
  wipe(out, sizeof(out));
  if (state_ == State::Fault) return Status::StorageFault;
  if (!has_key()) return Status::NoSuchContent;
  uint8_t rec[kKeyRecordSize];
  WipeOnExit<kKeyRecordSize> guard(rec);
  const Status s = flash_.read(address(pages_[active_]), rec, sizeof(rec));
  if (s != Status::Ok) return s;
  if (!key_record_valid(rec) || !equal_ct(rec + kPublicAt, public_key_, kPublicKeySize)) {
    state_ = State::Fault;  // it verified at load: the record went bad since
    return Status::StorageFault;
  }
  static const char kLabel[] = "idr-hedge";
  const ByteView parts[3] = {{reinterpret_cast<const uint8_t*>(kLabel), sizeof(kLabel) - 1},
                             {rec + kPrivateAt, kPrivateKeySize},
                             context};
  return sha256(parts, 3, out);
}

Status KeyStore::store_chain(ByteView cbor_chain, bool authorized) {
  if (state_ == State::Fault) return Status::StorageFault;
  if (state_ == State::Factory) return Status::NoSuchContent;
  if (state_ == State::Provisioned && !authorized) return Status::Unauthorized;
  ByteView device_key{};
  ByteView authority_view{};
  Status s = parse_chain(cbor_chain, device_key, authority_view);
  if (s != Status::Ok) return s;
  uint8_t authority[kPublicKeySize];
  std::memcpy(authority, authority_view.data, kPublicKeySize);
  const uint32_t generation = state_ == State::Provisioned ? generation_ + 1 : 1;

  // Where the new slot is built (`target`) and which slot it replaces (`old`, -1: none).
  int target = -1;
  int old = -1;
  bool blank = false;
  if (state_ == State::Provisioned && pending_ >= 0 &&
      equal_ct(device_key.data, pending_key_, kPublicKeySize)) {
    // The new key's slot: chain and commit after its key record. A torn earlier attempt
    // there cannot be cleared without losing the key: the host generates a new one.
    target = pending_;
    old = active_;
    s = area_blank(pages_[target], blank);
    if (s != Status::Ok) return s;
    if (!blank) return Status::FlashError;
  } else if (equal_ct(device_key.data, public_key_, kPublicKeySize)) {
    if (state_ == State::Keyed) {
      s = area_blank(pages_[active_], blank);
      if (s != Status::Ok) return s;
    }
    if (blank) {
      target = active_;  // the first chain, in place next to its key
    } else {
      // The same key with a new chain (or a first chain over a torn attempt): a copy of
      // the key in the other slot, committed there; any pending key is dropped.
      target = 1 - active_;
      old = active_;
      s = copy_key(pages_[active_], pages_[target]);
      if (s != Status::Ok) return s;
    }
  } else {
    return Status::DataCheckFailed;
  }
  s = write_commit(pages_[target], cbor_chain, generation, authority);
  if (s != Status::Ok) return s;
  // Committed. The old slot goes now, so that one key survives and no older identity can
  // come back (a cut before this erase leaves both; the higher generation wins).
  if (old >= 0) {
    s = flash_.erase_page(pages_[old]);
    if (s != Status::Ok) return s;
  }
  s = load();
  if (s != Status::Ok) return s;
  return state_ == State::Provisioned && chain_size_ == cbor_chain.size &&
                 equal_ct(public_key_, device_key.data, kPublicKeySize)
             ? Status::Ok
             : Status::FlashError;
}

Status KeyStore::area_blank(uint32_t page, bool& blank) {
  // Everything after the key confirm byte: commit confirm, commit record, chain.
  blank = false;
  uint8_t chunk[128];
  constexpr size_t kFrom = kKeyConfirmAt + 1;
  for (size_t off = kFrom; off < kSlotSize; off += sizeof(chunk)) {
    const size_t n = kSlotSize - off < sizeof(chunk) ? kSlotSize - off : sizeof(chunk);
    const Status s = flash_.read(address(page) + static_cast<uint32_t>(off), chunk, n);
    if (s != Status::Ok) return s;
    if (!all_erased(chunk, n)) return Status::Ok;
  }
  blank = true;
  return Status::Ok;
}

Status KeyStore::read_chain(uint8_t* out, size_t cap) {
  if (chain_size_ == 0) return Status::Ok;
  if (out == nullptr || cap < chain_size_) return Status::BufferTooSmall;
  return flash_.read(address(pages_[active_]) + static_cast<uint32_t>(kChainAt), out, chain_size_);
}

Status KeyStore::read_chain_part(size_t offset, uint8_t* out, size_t len) {
  if (offset > chain_size_ || len > chain_size_ - offset || (out == nullptr && len != 0))
    return Status::InvalidArgument;
  if (len == 0) return Status::Ok;
  return flash_.read(address(pages_[active_]) + static_cast<uint32_t>(kChainAt + offset), out, len);
}

}  // namespace idr::crypto
