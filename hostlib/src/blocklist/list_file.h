#pragma once
// The list file, version 3 (README.md in this folder): a 64-byte header, then an array of
// 64-byte blocks (one cache line each), then a small sorted overflow table. A key's home
// block is computed from the key alone (no index), so a lookup reads one cache line (and
// the next one, prefetched in parallel, in the rare case its bucket spilled over).
// Writer, format constants and the key <-> (block, value) mapping shared by the reader.
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "idr/blocklist.h"
#include "list_key.h"

namespace idr::blocklist {

constexpr char kMagic[8] = {'I', 'D', 'R', 'B', 'L', 'I', 'S', 'T'};
constexpr uint32_t kVersion = 3;  // version 2: the same layout, key scheme 1
constexpr uint32_t kHeaderSize = 64;
constexpr uint32_t kKeyScheme = 2;  // list_key.h packing and permutation
constexpr uint64_t kBlockBytes = 64;
constexpr uint64_t kBlockWords = kBlockBytes / 8;
constexpr uint64_t kMinBlocks = 4096;  // keeps a slot <= 57 bits: one 64-bit load decodes it
constexpr uint64_t kMaxEntries = 0xFFFFFFFFull;
constexpr uint64_t kOverflowEntryBytes = 16;
// Block bits 0..3: count of used slots; bit 4: kSpillFlag; bit 5: kOverflowFlag; slots from
// bit 6 on, each `slot_bits` wide, sorted.
constexpr uint64_t kCountMask = 0xF;
constexpr uint64_t kSpillFlag = 1u << 4;     // entries homed here continue in the next block
constexpr uint64_t kOverflowFlag = 1u << 5;  // some entry homed here is in the overflow table
constexpr uint32_t kBlockHeaderBits = 6;
// Target fill of the blocks: 66% of the slots, at least 6.6 entries a block (<= 9.7 bytes an
// entry). At 100 M entries (11 slots): 8.8 bytes an entry, ~2% of entries one block after
// their home, almost none in the overflow table (a Poisson model; the bench prints the count).
constexpr uint64_t kFillPercent = 66;
constexpr uint64_t kMinFillHundredths = 660;

// Header field offsets (little endian).
enum HeaderOffset : uint32_t {
  kOffMagic = 0,
  kOffVersion = 8,
  kOffHeaderSize = 12,
  kOffEntries = 16,
  kOffBlocks = 24,
  kOffPayloadBytes = 32,
  kOffPayloadCrc = 40,
  kOffKeyScheme = 44,
  kOffOverflowEntries = 48,
  kOffSlotBits = 52,
  kOffSlotsPerBlock = 56,
  kOffHeaderCrc = 60,
};

// The shape of the block array; everything follows from the number of blocks.
struct Geometry {
  uint64_t blocks = 0;      // >= kMinBlocks
  uint32_t shift = 0;       // floor(log2(blocks))
  uint32_t value_bits = 0;  // R = 68 - shift: a key's value inside its home block
  uint32_t slot_bits = 0;   // R + 1: the top bit tells "homed here" from "homed one block before"
  uint32_t slots = 0;       // slots per block
  uint64_t value_mask = 0;
};
[[nodiscard]] Geometry geometry_for_blocks(uint64_t blocks);
[[nodiscard]] Geometry geometry_for_entries(uint64_t entries);
[[nodiscard]] uint64_t payload_bytes_for(const Geometry& g, uint64_t overflow_entries);

// Where a key lives: home = floor(key * blocks / 2^68), so homes rise with the key and
// spread evenly (keys are permuted); value = the key's position inside its home block's
// key range, kept to R bits (distinct keys of one block differ in them: their products
// with `blocks` differ by at least blocks >= 2^shift).
struct Placement {
  uint64_t home = 0;
  uint64_t value = 0;  // < 2^value_bits
};
inline Placement place(MixedKey k, const Geometry& g) {
  const u128 product = static_cast<u128>(k.word) * g.blocks;
  const uint64_t frac = static_cast<uint64_t>(product);
  return Placement{static_cast<uint64_t>(product >> 64), ((frac >> g.shift) << 4) | k.low};
}
// The inverse of place (used by for_each and apply, not by lookups: it divides).
[[nodiscard]] MixedKey unplace(uint64_t home, uint64_t value, const Geometry& g);

// Slot i of a block (64 bytes, little endian). One unaligned 64-bit load inside the block:
// the load starts at byte min(bit / 8, 56), so it never touches the next cache line.
inline uint64_t slot_at(const uint8_t* block, uint32_t i, const Geometry& g) {
  const uint32_t bit = kBlockHeaderBits + i * g.slot_bits;
  const uint32_t byte = (bit >> 3) < 56 ? (bit >> 3) : 56;
  uint64_t word = 0;
  std::memcpy(&word, block + byte, 8);  // little-endian host (x86-64, ARM64)
  return (word >> (bit - byte * 8)) & ((uint64_t{2} << g.value_bits) - 1);
}
inline uint64_t block_word0(const uint8_t* block) {
  uint64_t w = 0;
  std::memcpy(&w, block, 8);
  return w;
}

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
  bool advance_to(uint64_t block, std::string* why);
  bool emit(const uint64_t* words, std::string* why);
  bool flush(bool all, std::string* why);
  uint64_t* window(uint64_t block) { return window_[block & 1]; }

  std::string out_path_, tmp_path_;
  int fd_ = -1;
  Geometry geo_;
  uint64_t entries_ = 0, added_ = 0;
  u128 last_ = 0;
  // Blocks emitted_..cur_ (at most two) are still open: a block can get its spill or
  // overflow flag while the next one fills.
  uint64_t window_[2][kBlockWords] = {};
  uint64_t cur_ = 0, emitted_ = 0;
  std::vector<u128> overflow_;
  std::vector<uint8_t> buf_;
  uint64_t bytes_written_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace idr::blocklist

namespace idr {
struct BlocklistAccess {
  // Raw keys of an open list in increasing order (apply's merge); fn returns false to stop.
  static void for_each_key(const Blocklist& list,
                           const std::function<bool(blocklist::MixedKey)>& fn);
  // Whether this CPU runs the batched lookup's wide path (AVX-512 key packing and block
  // search; contains_many uses it when it does).
  [[nodiscard]] static bool wide_path_available();
  // contains_many with the path chosen: the wide one (`wide`; false and nothing answered
  // when this CPU has not got it) or the portable one (the tests compare them).
  [[nodiscard]] static bool contains_many(const Blocklist& list, bool wide,
                                          const BlocklistQuery* queries, size_t count,
                                          BlocklistAnswer* answers);
};
}  // namespace idr
