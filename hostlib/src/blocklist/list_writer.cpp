// Writes a list file: blocks streamed in order after the space reserved for the header, the
// overflow table and the header last, fsync, then rename (a reader never sees a half list).
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "list_file.h"

namespace idr::blocklist {
namespace {

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
bool os_fail(std::string* why, const std::string& what) {
  if (why) *why = what + ": " + std::strerror(errno);
  return false;
}
bool write_all(int fd, const uint8_t* p, size_t n, off_t at) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, at);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w, n -= static_cast<size_t>(w), at += w;
  }
  return true;
}
uint32_t crc(uint32_t c, const uint8_t* p, uint64_t n) {
  while (n > 0) {  // zlib takes uInt lengths
    const uInt part = static_cast<uInt>(n > (1u << 30) ? (1u << 30) : n);
    c = static_cast<uint32_t>(crc32(c, p, part));
    p += part, n -= part;
  }
  return c;
}

}  // namespace

Geometry geometry_for_blocks(uint64_t blocks) {
  Geometry g;
  g.blocks = blocks < kMinBlocks ? kMinBlocks : blocks;
  while (g.shift < 63 && (uint64_t{2} << g.shift) <= g.blocks) ++g.shift;
  g.value_bits = kKeyBits - g.shift;
  g.slot_bits = g.value_bits + 1;
  g.slots = static_cast<uint32_t>((kBlockBytes * 8 - kBlockHeaderBits) / g.slot_bits);
  g.value_mask = (uint64_t{1} << g.value_bits) - 1;
  return g;
}

Geometry geometry_for_entries(uint64_t entries) {
  // The slot count depends on the block count (through the value width): settle it twice.
  Geometry g = geometry_for_blocks(kMinBlocks);
  for (int round = 0; round < 3; ++round) {
    uint64_t per_block = g.slots * kFillPercent;  // entries a block, in hundredths
    if (per_block < kMinFillHundredths) per_block = kMinFillHundredths;
    g = geometry_for_blocks((entries * 100 + per_block - 1) / per_block);
  }
  return g;
}

uint64_t payload_bytes_for(const Geometry& g, uint64_t overflow_entries) {
  return g.blocks * kBlockBytes + overflow_entries * kOverflowEntryBytes;
}

MixedKey unplace(uint64_t home, uint64_t value, const Geometry& g) {
  // The one multiple of `blocks` in [home * 2^64 + (value >> 4 << shift), + 2^shift).
  const u128 low = (static_cast<u128>(home) << 64) + (static_cast<u128>(value >> 4) << g.shift);
  const u128 top = (low + g.blocks - 1) / g.blocks;
  return MixedKey{static_cast<uint64_t>(top), value & 15};  // top < 2^64: keys are < 2^68
}

ListWriter::~ListWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_path_.c_str());
  }
}

bool ListWriter::begin(const std::string& out_path, uint64_t entries, std::string* why) {
  if (entries > kMaxEntries) {
    if (why) *why = "a list holds at most 4294967295 entries";
    return false;
  }
  out_path_ = out_path;
  tmp_path_ = out_path + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(tmp_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd_ < 0) return os_fail(why, "cannot create " + tmp_path_);
  entries_ = entries;
  geo_ = geometry_for_entries(entries);
  buf_.reserve(1 << 20);
  crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
  return true;
}

bool ListWriter::flush(bool all, std::string* why) {
  if (!all && buf_.size() < (1 << 20)) return true;
  crc_ = crc(crc_, buf_.data(), buf_.size());
  if (!write_all(fd_, buf_.data(), buf_.size(), static_cast<off_t>(kHeaderSize + bytes_written_)))
    return os_fail(why, "cannot write " + tmp_path_);
  bytes_written_ += buf_.size();
  buf_.clear();
  return true;
}

bool ListWriter::emit(const uint64_t* words, std::string* why) {
  for (uint64_t i = 0; i < kBlockWords; ++i) {
    uint8_t le[8];
    put64(le, words[i]);
    buf_.insert(buf_.end(), le, le + 8);
  }
  return flush(false, why);
}

// Makes `block` the one being filled: blocks before block - 1 leave the window for good.
bool ListWriter::advance_to(uint64_t block, std::string* why) {
  static const uint64_t kEmpty[kBlockWords] = {};
  for (; emitted_ + 1 < block; ++emitted_)
    if (!emit(emitted_ <= cur_ ? window(emitted_) : kEmpty, why)) return false;
  for (uint64_t b = cur_ + 1; b <= block; ++b)
    if (b >= emitted_) std::memset(window(b), 0, kBlockBytes);
  cur_ = block;
  return true;
}

bool ListWriter::add(MixedKey key, std::string* why) {
  const u128 v = key.value();
  if (added_ >= entries_ || (added_ > 0 && v <= last_)) {
    if (why) *why = "internal error: keys out of order or more than announced";
    return false;
  }
  last_ = v;
  ++added_;
  const Placement p = place(key, geo_);
  if (p.home > cur_ && !advance_to(p.home, why)) return false;
  // Now home <= cur_ <= home + 1 (keys rise; a bucket spills at most one block on).
  if ((window(cur_)[0] & kCountMask) == geo_.slots) {
    if (cur_ == p.home + 1 || cur_ + 1 == geo_.blocks) {  // no room within one block: overflow
      window(p.home)[0] |= kOverflowFlag;
      overflow_.push_back(v);
      return true;
    }
    if (!advance_to(cur_ + 1, why)) return false;
  }
  uint64_t stored = p.value;
  if (cur_ == p.home) {
    stored |= uint64_t{1} << geo_.value_bits;  // homed in this block
  } else {
    window(p.home)[0] |= kSpillFlag;
  }
  uint64_t* w = window(cur_);
  const uint64_t count = w[0] & kCountMask;
  const uint64_t bit = kBlockHeaderBits + count * geo_.slot_bits;
  w[bit / 64] |= stored << (bit % 64);
  if (bit % 64 + geo_.slot_bits > 64) w[bit / 64 + 1] |= stored >> (64 - bit % 64);
  w[0] += 1;  // the count is in bits 0..3 and below slots: no carry
  return true;
}

bool ListWriter::finish(BlocklistInfo* info, std::string* why) {
  if (added_ != entries_) {
    if (why) *why = "internal error: fewer keys than announced";
    return false;
  }
  static const uint64_t kEmpty[kBlockWords] = {};
  for (; emitted_ < geo_.blocks; ++emitted_)
    if (!emit(emitted_ <= cur_ ? window(emitted_) : kEmpty, why)) return false;
  for (const u128 k : overflow_) {  // already sorted: keys came in order
    uint8_t e[kOverflowEntryBytes];
    put64(e, static_cast<uint64_t>(k));
    put64(e + 8, static_cast<uint64_t>(k >> 64));
    buf_.insert(buf_.end(), e, e + sizeof e);
  }
  if (!flush(true, why)) return false;
  const uint64_t payload = payload_bytes_for(geo_, overflow_.size());
  uint8_t h[kHeaderSize] = {};
  std::memcpy(h + kOffMagic, kMagic, sizeof kMagic);
  put32(h + kOffVersion, kVersion);
  put32(h + kOffHeaderSize, kHeaderSize);
  put64(h + kOffEntries, entries_);
  put64(h + kOffBlocks, geo_.blocks);
  put64(h + kOffPayloadBytes, payload);
  put32(h + kOffPayloadCrc, crc_);
  put32(h + kOffKeyScheme, kKeyScheme);
  put32(h + kOffOverflowEntries, static_cast<uint32_t>(overflow_.size()));
  put32(h + kOffSlotBits, geo_.slot_bits);
  put32(h + kOffSlotsPerBlock, geo_.slots);
  put32(h + kOffHeaderCrc, static_cast<uint32_t>(crc32(0, h, kOffHeaderCrc)));
  if (!write_all(fd_, h, sizeof h, 0)) return os_fail(why, "cannot write " + tmp_path_);
  if (::fsync(fd_) != 0) return os_fail(why, "cannot sync " + tmp_path_);
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_path_.c_str(), out_path_.c_str()) != 0) {
    const bool r = os_fail(why, "cannot rename " + tmp_path_ + " to " + out_path_);
    ::unlink(tmp_path_.c_str());
    return r;
  }
  if (info) {
    *info = BlocklistInfo{};
    info->version = kVersion;
    info->entries = entries_;
    info->file_bytes = kHeaderSize + payload;
    info->bucket_bits = geo_.shift;
    info->remainder_bits = geo_.value_bits;
    info->payload_crc32 = crc_;
    info->blocks = geo_.blocks;
    info->slots_per_block = geo_.slots;
    info->overflow_entries = overflow_.size();
  }
  return true;
}

}  // namespace idr::blocklist
