// Blocklist: the list file mapped read-only and verified once at open; lookups read
// immutable memory (thread-safe without locks). BlocklistHolder swaps lists atomically.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "list_file.h"

namespace idr {

using blocklist::MixedKey;
using blocklist::u128;

namespace {

uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::string hex32(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

Error bad(std::string* why, std::string text) {
  if (why) *why = std::move(text);
  return Error::InvalidArgument;
}

}  // namespace

struct Blocklist::Impl {
  void* map = MAP_FAILED;
  size_t map_size = 0;
  BlocklistInfo info;
  const uint8_t* index = nullptr;  // u32 end ranks, little endian
  const uint8_t* rems = nullptr;
  uint64_t rem_mask = 0;
  unsigned low_hi_bits = 0;  // bits of MixedKey::hi that belong to the remainder

  ~Impl() {
    if (map != MAP_FAILED) ::munmap(map, map_size);
  }
  uint64_t end_of(uint64_t bucket) const { return get32(index + bucket * 4); }
  uint64_t rem_at(uint64_t i) const {
    const uint64_t bit = i * info.remainder_bits;
    uint64_t word = 0;
    std::memcpy(&word, rems + (bit >> 3), 8);  // little-endian host (x86-64, ARM64)
    return (word >> (bit & 7)) & rem_mask;
  }
  bool contains(MixedKey k) const {
    const uint64_t bucket = k.hi >> low_hi_bits;
    const uint64_t rem =
        ((k.hi & ((uint64_t{1} << low_hi_bits) - 1)) << blocklist::kHalfBits) | k.lo;
    uint64_t i = bucket == 0 ? 0 : end_of(bucket - 1);
    const uint64_t end = end_of(bucket);
    for (; i < end; ++i) {  // sorted: stop at the first remainder not below ours
      const uint64_t r = rem_at(i);
      if (r >= rem) return r == rem;
    }
    return false;
  }
};

Blocklist::Blocklist(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Blocklist::Blocklist(Blocklist&&) noexcept = default;
Blocklist& Blocklist::operator=(Blocklist&&) noexcept = default;
Blocklist::~Blocklist() = default;

Result<Blocklist> Blocklist::open(const std::string& path, std::string* why) {
  using namespace blocklist;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (why) *why = path + ": " + std::strerror(errno);
    return Error::Io;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    if (why) *why = path + ": " + std::strerror(errno);
    ::close(fd);
    return Error::Io;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kHeaderSize) {
    ::close(fd);
    return bad(why, path + ": truncated at offset " + std::to_string(size) + ": the header needs " +
                        std::to_string(kHeaderSize) + " bytes");
  }
  auto impl = std::make_unique<Impl>();
  impl->map_size = size;
  impl->map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (impl->map == MAP_FAILED) {
    if (why) *why = path + ": mmap: " + std::strerror(errno);
    return Error::Io;
  }
  const auto* h = static_cast<const uint8_t*>(impl->map);
  if (std::memcmp(h, kMagic, sizeof kMagic) != 0)
    return bad(why, path + ": offset 0: wrong magic (not an idr list file)");
  if (get32(h + kOffHeaderCrc) != static_cast<uint32_t>(crc32(0, h, kOffHeaderCrc)))
    return bad(why,
               path + ": offset " + std::to_string(kOffHeaderCrc) + ": header checksum mismatch");
  auto& info = impl->info;
  info.version = get32(h + kOffVersion);
  if (info.version != kVersion)
    return bad(why, path + ": offset " + std::to_string(kOffVersion) + ": unsupported version " +
                        std::to_string(info.version));
  if (get32(h + kOffHeaderSize) != kHeaderSize || get32(h + kOffKeyScheme) != kKeyScheme)
    return bad(why, path + ": offset " + std::to_string(kOffHeaderSize) +
                        ": unsupported header size or key scheme");
  info.entries = get64(h + kOffEntries);
  info.bucket_bits = get32(h + kOffBucketBits);
  info.remainder_bits = get32(h + kOffRemainderBits);
  info.payload_crc32 = get32(h + kOffPayloadCrc);
  info.file_bytes = size;
  if (info.bucket_bits < kMinBucketBits || info.bucket_bits > kMaxBucketBits ||
      info.remainder_bits != kKeyBits - info.bucket_bits || info.entries > 0xFFFFFFFFull)
    return bad(why, path + ": offset " + std::to_string(kOffBucketBits) +
                        ": bucket/remainder bits out of range");
  const uint64_t payload = get64(h + kOffPayloadBytes);
  if (payload != payload_bytes_for(info.entries, info.bucket_bits))
    return bad(why, path + ": offset " + std::to_string(kOffPayloadBytes) + ": payload size " +
                        std::to_string(payload) + " does not fit " + std::to_string(info.entries) +
                        " entries");
  if (size < kHeaderSize + payload)
    return bad(why, path + ": truncated at offset " + std::to_string(size) +
                        ": the header announces " + std::to_string(kHeaderSize + payload) +
                        " bytes");
  if (size > kHeaderSize + payload)
    return bad(why, path + ": offset " + std::to_string(kHeaderSize + payload) + ": " +
                        std::to_string(size - kHeaderSize - payload) +
                        " unexpected bytes after the payload");
  uint32_t c = static_cast<uint32_t>(crc32(0, nullptr, 0));
  for (uint64_t off = 0; off < payload;) {
    const uInt part = static_cast<uInt>(payload - off > (1u << 30) ? (1u << 30) : payload - off);
    c = static_cast<uint32_t>(crc32(c, h + kHeaderSize + off, part));
    off += part;
  }
  if (c != info.payload_crc32)
    return bad(why, path + ": payload checksum mismatch over offsets " +
                        std::to_string(kHeaderSize) + ".." + std::to_string(kHeaderSize + payload) +
                        " (stored " + hex32(info.payload_crc32) + ", computed " + hex32(c) + ")");
  impl->index = h + kHeaderSize;
  impl->rems = impl->index + (uint64_t{4} << info.bucket_bits);
  impl->rem_mask = (uint64_t{1} << info.remainder_bits) - 1;
  impl->low_hi_bits = info.remainder_bits - kHalfBits;
  // The index must rise to exactly `entries` (a wrong writer, not corruption: CRC passed).
  uint64_t prev = 0;
  const uint64_t buckets = uint64_t{1} << info.bucket_bits;
  for (uint64_t b = 0; b < buckets; ++b) {
    const uint64_t e = impl->end_of(b);
    if (e < prev || e > info.entries)
      return bad(why, path + ": offset " + std::to_string(kHeaderSize + b * 4) +
                          ": index entry out of order");
    prev = e;
  }
  if (prev != info.entries)
    return bad(why, path + ": offset " + std::to_string(kHeaderSize + (buckets - 1) * 4) +
                        ": index ends at " + std::to_string(prev) + ", not " +
                        std::to_string(info.entries));
  return Blocklist(std::move(impl));
}

Result<bool> Blocklist::contains(std::string_view id_number, std::string_view valid_from) const {
  MixedKey k;
  if (!blocklist::make_key(id_number, valid_from, &k)) return Error::InvalidArgument;
  return impl_->contains(k);
}

uint64_t Blocklist::size() const {
  return impl_->info.entries;
}
BlocklistInfo Blocklist::info() const {
  return impl_->info;
}

void BlocklistAccess::for_each_key(const Blocklist& list, const std::function<bool(MixedKey)>& fn) {
  const Blocklist::Impl& m = *list.impl_;
  const uint64_t buckets = uint64_t{1} << m.info.bucket_bits;
  uint64_t i = 0;
  for (uint64_t b = 0; b < buckets; ++b) {
    for (const uint64_t end = m.end_of(b); i < end; ++i) {
      const uint64_t rem = m.rem_at(i);
      if (!fn(MixedKey{(b << m.low_hi_bits) | (rem >> blocklist::kHalfBits),
                       rem & blocklist::kHalfMask}))
        return;
    }
  }
}

void Blocklist::for_each(
    const std::function<bool(const std::string&, const std::string&)>& fn) const {
  std::string id, from;
  BlocklistAccess::for_each_key(*this, [&](MixedKey k) {
    blocklist::unmake_key(k, &id, &from);
    return fn(id, from);
  });
}

Result<void> BlocklistHolder::reload(const std::string& path, std::string* why) {
  auto opened = Blocklist::open(path, why);
  if (!opened) return opened.error();  // the list in force stays
  auto fresh = std::make_shared<const Blocklist>(std::move(opened).value());
  std::lock_guard<std::mutex> lock(mutex_);
  list_ = std::move(fresh);
  return {};
}

std::shared_ptr<const Blocklist> BlocklistHolder::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return list_;
}

Result<bool> BlocklistHolder::contains(std::string_view id_number,
                                       std::string_view valid_from) const {
  const auto list = current();
  if (!list) return Error::Unsupported;
  return list->contains(id_number, valid_from);
}

}  // namespace idr
