// Writes a list file: remainders streamed after the space reserved for the index, the index
// and header written last, fsync, then rename (a reader never sees a half-written list).
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

uint32_t bucket_bits_for(uint64_t entries) {
  uint32_t log2 = 0;
  while (log2 < 63 && (uint64_t{1} << log2) < entries) ++log2;
  const uint32_t bits = log2 > 3 ? log2 - 3 : 0;
  return bits < kMinBucketBits ? kMinBucketBits : bits > kMaxBucketBits ? kMaxBucketBits : bits;
}

uint64_t payload_bytes_for(uint64_t entries, uint32_t bucket_bits) {
  const uint64_t rem_bits = kKeyBits - bucket_bits;
  return (uint64_t{4} << bucket_bits) + (entries * rem_bits + 7) / 8 + kPadding;
}

ListWriter::~ListWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_path_.c_str());
  }
}

bool ListWriter::begin(const std::string& out_path, uint64_t entries, std::string* why) {
  if (entries > 0xFFFFFFFFull) {
    if (why) *why = "a list holds at most 4294967295 entries";
    return false;
  }
  out_path_ = out_path;
  tmp_path_ = out_path + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(tmp_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd_ < 0) return os_fail(why, "cannot create " + tmp_path_);
  entries_ = entries;
  bucket_bits_ = bucket_bits_for(entries);
  rem_bits_ = kKeyBits - bucket_bits_;
  ends_.assign(size_t{1} << bucket_bits_, 0);
  buf_.reserve(1 << 20);
  rem_crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
  return true;
}

bool ListWriter::flush(bool all, std::string* why) {
  if (!all && buf_.size() < (1 << 20)) return true;
  rem_crc_ = crc(rem_crc_, buf_.data(), buf_.size());
  const off_t at =
      static_cast<off_t>(kHeaderSize + (uint64_t{4} << bucket_bits_) + rem_bytes_written_);
  if (!write_all(fd_, buf_.data(), buf_.size(), at))
    return os_fail(why, "cannot write " + tmp_path_);
  rem_bytes_written_ += buf_.size();
  buf_.clear();
  return true;
}

bool ListWriter::add(MixedKey key, std::string* why) {
  const u128 v = key.value();
  if (added_ >= entries_ || (added_ > 0 && v <= last_)) {
    if (why) *why = "internal error: keys out of order or more than announced";
    return false;
  }
  last_ = v;
  const uint64_t bucket = static_cast<uint64_t>(v >> rem_bits_);
  const uint64_t rem = static_cast<uint64_t>(v) & ((uint64_t{1} << rem_bits_) - 1);
  ++added_;
  ends_[bucket] = static_cast<uint32_t>(added_);
  acc_ |= rem << acc_bits_;  // acc_bits_ <= 7 and rem < 2^56: fits
  acc_bits_ += rem_bits_;
  while (acc_bits_ >= 8) {
    buf_.push_back(static_cast<uint8_t>(acc_));
    acc_ >>= 8;
    acc_bits_ -= 8;
  }
  return flush(false, why);
}

bool ListWriter::finish(BlocklistInfo* info, std::string* why) {
  if (added_ != entries_) {
    if (why) *why = "internal error: fewer keys than announced";
    return false;
  }
  if (acc_bits_ > 0) buf_.push_back(static_cast<uint8_t>(acc_));
  buf_.insert(buf_.end(), kPadding, 0);
  if (!flush(true, why)) return false;
  // Buckets with no entry end where the previous one ended.
  for (size_t b = 1; b < ends_.size(); ++b)
    if (ends_[b] < ends_[b - 1]) ends_[b] = ends_[b - 1];
  std::vector<uint8_t> index(ends_.size() * 4);
  for (size_t b = 0; b < ends_.size(); ++b) put32(&index[b * 4], ends_[b]);
  if (!write_all(fd_, index.data(), index.size(), kHeaderSize))
    return os_fail(why, "cannot write " + tmp_path_);
  const uint32_t index_crc =
      crc(static_cast<uint32_t>(crc32(0, nullptr, 0)), index.data(), index.size());
  const uint32_t payload_crc = static_cast<uint32_t>(
      crc32_combine(index_crc, rem_crc_, static_cast<z_off_t>(rem_bytes_written_)));
  const uint64_t payload = index.size() + rem_bytes_written_;
  uint8_t h[kHeaderSize] = {};
  std::memcpy(h + kOffMagic, kMagic, sizeof kMagic);
  put32(h + kOffVersion, kVersion);
  put32(h + kOffHeaderSize, kHeaderSize);
  put64(h + kOffEntries, entries_);
  put32(h + kOffBucketBits, bucket_bits_);
  put32(h + kOffRemainderBits, rem_bits_);
  put64(h + kOffPayloadBytes, payload);
  put32(h + kOffPayloadCrc, payload_crc);
  put32(h + kOffKeyScheme, kKeyScheme);
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
  if (info)
    *info = BlocklistInfo{kVersion,     entries_,  kHeaderSize + payload,
                          bucket_bits_, rem_bits_, payload_crc};
  return true;
}

}  // namespace idr::blocklist
