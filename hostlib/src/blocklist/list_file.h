#pragma once
// The list file (README.md in this folder): a 64-byte header, a bucket index of u32 end
// ranks, then the sorted keys' remainders bit-packed at a fixed width. Writer and format
// constants; the reader is Blocklist (blocklist.cpp).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "idr/blocklist.h"
#include "list_key.h"

namespace idr::blocklist {

constexpr char kMagic[8] = {'I', 'D', 'R', 'B', 'L', 'I', 'S', 'T'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kHeaderSize = 64;
constexpr uint32_t kKeyScheme = 1;  // list_key.h packing + Feistel v1
constexpr uint32_t kMinBucketBits = 12;
constexpr uint32_t kMaxBucketBits = 34;
constexpr uint64_t kPadding = 8;  // zero bytes after the remainders: 64-bit loads stay inside

// Header field offsets (little endian).
enum HeaderOffset : uint32_t {
  kOffMagic = 0,
  kOffVersion = 8,
  kOffHeaderSize = 12,
  kOffEntries = 16,
  kOffBucketBits = 24,
  kOffRemainderBits = 28,
  kOffPayloadBytes = 32,
  kOffPayloadCrc = 40,
  kOffKeyScheme = 44,
  kOffHeaderCrc = 60,
};

// Index size for a list of n entries: about 8..16 entries a bucket.
[[nodiscard]] uint32_t bucket_bits_for(uint64_t entries);
[[nodiscard]] uint64_t payload_bytes_for(uint64_t entries, uint32_t bucket_bits);

// Streams sorted, distinct keys into a temporary file and renames it into place on finish().
class ListWriter {
 public:
  ListWriter() = default;
  ListWriter(const ListWriter&) = delete;
  ListWriter& operator=(const ListWriter&) = delete;
  ~ListWriter();  // removes the temporary file when finish() was not reached

  [[nodiscard]] bool begin(const std::string& out_path, uint64_t entries, std::string* why);
  // Keys must come in strictly increasing order of MixedKey::value().
  [[nodiscard]] bool add(MixedKey key, std::string* why);
  [[nodiscard]] bool finish(BlocklistInfo* info, std::string* why);

 private:
  bool flush(bool all, std::string* why);
  std::string out_path_, tmp_path_;
  int fd_ = -1;
  uint64_t entries_ = 0, added_ = 0;
  uint32_t bucket_bits_ = 0, rem_bits_ = 0;
  u128 last_ = 0;
  std::vector<uint32_t> ends_;
  std::vector<uint8_t> buf_;
  uint64_t acc_ = 0;
  unsigned acc_bits_ = 0;
  uint64_t rem_bytes_written_ = 0;
  uint32_t rem_crc_ = 0;
};

}  // namespace idr::blocklist

namespace idr {
// Raw keys of an open list in increasing order (apply's merge); fn returns false to stop.
struct BlocklistAccess {
  static void for_each_key(const Blocklist& list,
                           const std::function<bool(blocklist::MixedKey)>& fn);
};
}  // namespace idr
