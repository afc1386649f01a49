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
  void* map = MAP_FAILED;  // the file mapping, or the anonymous buffer holding a copy
  size_t map_size = 0;
  BlocklistInfo info;
  blocklist::Geometry geo;
  const uint8_t* blocks = nullptr;
  const uint8_t* overflow = nullptr;  // sorted 68-bit keys, 16 bytes each (low word first)
  uint64_t overflow_entries = 0;

  ~Impl() {
    if (map != MAP_FAILED) ::munmap(map, map_size);
  }
  const uint8_t* block(uint64_t b) const { return blocks + b * blocklist::kBlockBytes; }
  u128 overflow_key(uint64_t i) const {
    return (static_cast<u128>(get64(overflow + i * 16 + 8)) << 64) | get64(overflow + i * 16);
  }
  // Where a target stands in a block: found among the used slots, and whether every used
  // slot is below it. The used slots are sorted, so a branch-free lower bound over 16
  // virtual slots (those at or past the count stand above everything) answers in four
  // probes and one compare, the same work for every block: no mispredicted exit, and far
  // fewer instructions than a compare per slot (lookups in a batch are bound by them).
  struct Scan {
    bool found;
    bool all_below;
  };
  Scan scan(const uint8_t* b, uint64_t target) const {
    const uint32_t n = static_cast<uint32_t>(blocklist::block_word0(b) & blocklist::kCountMask);
    uint32_t below = 0;  // used slots below the target
    // Probes reach slot 14 at most; the table keeps every one of them inside the block.
    below += ((7 < n) & (slot(b, 7) < target)) ? 8 : 0;
    below += ((below + 3 < n) & (slot(b, below + 3) < target)) ? 4 : 0;
    below += ((below + 1 < n) & (slot(b, below + 1) < target)) ? 2 : 0;
    below += ((below < n) & (slot(b, below) < target)) ? 1 : 0;
    const bool found = (below < n) & (slot(b, below) == target);
    return Scan{found, below == n};
  }
  // slot_at with the slot's byte and shift from a table made at open. All 16 entries lie
  // inside the block (those past the block's slots read slot 0), so a probe needs no clamp
  // (scan's indices stay below 16: 8 + 4 + 2 + 1 at most).
  uint64_t slot(const uint8_t* b, uint32_t i) const {
    uint64_t word = 0;
    std::memcpy(&word, b + slot_byte[i], 8);
    return (word >> slot_shift[i]) & slot_mask;
  }
  uint8_t slot_byte[16] = {};
  uint8_t slot_shift[16] = {};
  uint64_t slot_mask = 0;
  // The same table for WideFind: slot i's 8 bytes gathered into 64-bit lane i % 8 of
  // vector i / 8 (byte indices for a byte permutation of the block), its shift in that lane.
  uint8_t wide_bytes[2][64] = {};
  uint64_t wide_shift[2][8] = {};
  void make_slot_table() {
    for (uint32_t i = 0; i < 16; ++i) {
      const uint32_t bit = blocklist::kBlockHeaderBits + (i < geo.slots ? i : 0) * geo.slot_bits;
      const uint32_t byte = (bit >> 3) < 56 ? (bit >> 3) : 56;
      slot_byte[i] = static_cast<uint8_t>(byte);
      slot_shift[i] = static_cast<uint8_t>(bit - byte * 8);
      for (uint32_t k = 0; k < 8; ++k)
        wide_bytes[i / 8][(i % 8) * 8 + k] = static_cast<uint8_t>(byte + k);
      wide_shift[i / 8][i % 8] = slot_shift[i];
    }
    slot_mask = (uint64_t{2} << geo.value_bits) - 1;
  }
  // The bits of a block from its slot `count` on (count <= geo.slots), ORed in one word;
  // padding_mask[count] selects them in the block's words (made at open).
  uint64_t padding_mask[16][blocklist::kBlockWords] = {};
  void make_padding_masks() {
    for (uint64_t count = 0; count <= geo.slots && count < 16; ++count) {
      const uint64_t first = blocklist::kBlockHeaderBits + count * geo.slot_bits;  // <= 512
      for (uint64_t w = 0; w < blocklist::kBlockWords; ++w)
        padding_mask[count][w] = w < first / 64    ? 0
                                 : w == first / 64 ? ~uint64_t{0} << (first % 64)
                                                   : ~uint64_t{0};
    }
  }
  uint64_t padding_bits(const uint8_t* b, uint64_t count) const {
    uint64_t words[blocklist::kBlockWords];
    std::memcpy(words, b, sizeof words);
    uint64_t bits = 0;
    for (uint64_t w = 0; w < blocklist::kBlockWords; ++w) bits |= words[w] & padding_mask[count][w];
    return bits;
  }
  bool in_overflow(u128 key) const {
    uint64_t lo = 0, hi = overflow_entries;
    while (lo < hi) {  // bounded: the range halves each round
      const uint64_t mid = lo + (hi - lo) / 2;
      const u128 k = overflow_key(mid);
      if (k == key) return true;
      if (k < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return false;
  }
  // The home block answers almost every lookup. Only when every slot there is below the key
  // can it be further on: at the start of the next block if the bucket spilled (stored
  // there without the "homed here" bit), else or then in the overflow table. A larger slot
  // found on the way ends the search (keys are placed in global order).
  bool resolve(MixedKey k, const blocklist::Placement& p) const {
    const uint8_t* home = block(p.home);
    const uint64_t w0 = blocklist::block_word0(home);
    const Scan s = scan(home, p.value | (uint64_t{1} << geo.value_bits));
    if (__builtin_expect(
            s.all_below && (w0 & (blocklist::kSpillFlag | blocklist::kOverflowFlag)) != 0, 0))
      return resolve_further(k, p, w0);
    return s.found;
  }
  bool resolve_further(MixedKey k, const blocklist::Placement& p, uint64_t w0) const {
    if (w0 & blocklist::kSpillFlag) {
      const Scan s = scan(block(p.home + 1), p.value);
      if (s.found || !s.all_below) return s.found;
    }
    return (w0 & blocklist::kOverflowFlag) != 0 && in_overflow(k.value());
  }
  void prefetch(const blocklist::Placement& p) const {
    const uint8_t* b = block(p.home);
    __builtin_prefetch(b);
    // The next line: needed only when the bucket spilled (~2% of lookups); asking for it now
    // costs bandwidth, not latency, and keeps such lookups at one memory round trip.
    if (p.home + 1 < geo.blocks) __builtin_prefetch(b + blocklist::kBlockBytes);
  }
  bool contains(MixedKey k) const {
    const blocklist::Placement p = blocklist::place(k, geo);
    prefetch(p);
    return resolve(k, p);
  }
  // The batched lookup (contains_many), for a path: `path.issue(first, end)` packs and places
  // queries first..end - 1 into the ring (their home block, nullptr for a malformed query,
  // and target), `path.find(block, word 0, target)` tells whether a target is among a block's
  // used slots (they strictly increase, checked at open: the lower bound's "found"). In
  // groups, two at a time: before any key of group g + 1 is compared, all of its keys are
  // packed and placed, then their home blocks prefetched in one burst; then group g,
  // prefetched one group of work earlier, is compared. The misses of a group overlap each
  // other (README "The lookup path on 2026-12-05": hardly the work). (Measured on a KVM
  // guest: a prefetch right after each key's packing hid far less of the miss than the
  // burst, 15 against 24 M/s at 20 M entries; groups of 64 a little more than 16 or 32, as
  // much as 128. DESIGN 9.) A query in flight is only its block and target (a ring of two
  // groups; groups start at multiples of kGroup, so a group's slots are contiguous); the rare
  // lookup that goes past its home block scans it again and packs its query again
  // (resolve_further needs the key).
  static constexpr size_t kGroup = 64;
  struct Ring {
    const uint8_t* block[2 * kGroup];
    uint64_t target[2 * kGroup];
  };
  template <class Path>
  __attribute__((always_inline)) inline void batch(const BlocklistQuery* queries, size_t count,
                                                   BlocklistAnswer* answers, Path& path) const {
    const Ring& ring = path.ring;
    auto issue = [&](size_t first, size_t end) {
      path.issue(first, end);
      const uint8_t* const* const group = ring.block + first % (2 * kGroup);
      for (size_t i = 0; i < end - first; ++i)
        __builtin_prefetch(group[i]);  // nullptr: a no-op, never a fault
    };
    auto answer = [&](size_t first, size_t end) {
      const size_t r0 = first % (2 * kGroup);
      for (size_t i = first; i < end; ++i) {
        const uint8_t* const b = ring.block[r0 + (i - first)];
        if (b == nullptr) {
          answers[i] = BlocklistAnswer::Malformed;
          continue;
        }
        const uint64_t target = ring.target[r0 + (i - first)];
        const uint64_t w0 = blocklist::block_word0(b);
        bool listed = path.find(b, w0, target);
        if (__builtin_expect(
                !listed && (w0 & (blocklist::kSpillFlag | blocklist::kOverflowFlag)) != 0, 0))
          listed = path.further(b, w0, target, queries[i]);
        answers[i] = listed ? BlocklistAnswer::Listed : BlocklistAnswer::NotListed;
      }
    };
    auto group_end = [&](size_t first) { return count - first < kGroup ? count : first + kGroup; };
    if (count == 0) return;
    issue(0, group_end(0));
    for (size_t first = 0;;) {
      const size_t next = group_end(first);
      if (next < count) issue(next, group_end(next));
      answer(first, next);
      if (next >= count) return;
      first = next;
    }
  }
  // One query packed and placed into ring slot i % (2 * kGroup) (both paths; the wide one
  // for the queries it does not pack four at a time). The geometry comes in locals: stores
  // into the ring would make the compiler reload members of *this for every key.
  struct Placer {
    const Impl& m;
    const BlocklistQuery* queries;
    Ring ring;
    blocklist::Geometry g;
    uint64_t homed_here;
    const uint8_t* base;
    explicit Placer(const Impl& impl, const BlocklistQuery* q)
        : m(impl),
          queries(q),
          g(impl.geo),
          homed_here(uint64_t{1} << impl.geo.value_bits),
          base(impl.blocks) {}
    __attribute__((always_inline)) void place_one(size_t i) {
      blocklist::MixedKey k;
      const size_t r = i % (2 * kGroup);
      if (blocklist::pack_key(queries[i].id_number, queries[i].valid_from, &k) !=
          blocklist::KeyFault::None) {
        ring.block[r] = nullptr;
        return;
      }
      const blocklist::Placement at = blocklist::place(k, g);
      ring.block[r] = base + at.home * blocklist::kBlockBytes;
      ring.target[r] = at.value | homed_here;
    }
  };
  // The portable path: pack_key (SSE2 on x86-64) and the lower bound of scan.
  struct PortablePath : Placer {
    PortablePath(const Impl& impl, const BlocklistQuery* q) : Placer(impl, q) {}
    __attribute__((always_inline)) void issue(size_t first, size_t end) {
      for (size_t i = first; i < end; ++i) place_one(i);
    }
    __attribute__((always_inline)) bool find(const uint8_t* b, uint64_t, uint64_t target) const {
      return m.scan(b, target).found;
    }
    // Past the home block (resolve_further), for a target not found there.
    bool further(const uint8_t* b, uint64_t w0, uint64_t target, const BlocklistQuery& q) const {
      if (!m.scan(b, target).all_below) return false;
      blocklist::MixedKey k;
      (void)blocklist::pack_key(q.id_number, q.valid_from, &k);
      return m.resolve_further(k, blocklist::place(k, m.geo), w0);
    }
  };
  // Flattened: batch, its lambdas and the path become one loop with the geometry in
  // registers.
  __attribute__((flatten)) void contains_many_portable(const BlocklistQuery* queries, size_t count,
                                                       BlocklistAnswer* answers) const {
    PortablePath path(*this, queries);
    batch(queries, count, answers, path);
  }
#if defined(IDR_BLOCKLIST_WIDE)
  IDR_WIDE_CODE_BEGIN
  // The wide path (AVX-512): keys packed four at a time (pack_keys_wide) and placed in
  // 64-bit lanes, and the block search in one 512-bit register: every slot gathered into a
  // 64-bit lane by one byte permutation per 8 slots, shifted and masked, compared with the
  // target in all lanes at once (lanes past the used count masked off), about 15
  // instructions where the lower bound takes about 60.
  struct WidePath : Placer {
    __m512i bytes0, bytes1, shift0, shift1, mask;
    __m256i blocks_v, shift_v, homed_v, base_v, low32;
    blocklist::WideKeyConstants keys;
    IDR_TARGET_WIDE WidePath(const Impl& impl, const BlocklistQuery* q)
        : Placer(impl, q),
          bytes0(_mm512_loadu_si512(impl.wide_bytes[0])),
          bytes1(_mm512_loadu_si512(impl.wide_bytes[1])),
          shift0(_mm512_loadu_si512(impl.wide_shift[0])),
          shift1(_mm512_loadu_si512(impl.wide_shift[1])),
          mask(_mm512_set1_epi64(static_cast<long long>(impl.slot_mask))),
          blocks_v(_mm256_set1_epi64x(static_cast<long long>(impl.geo.blocks))),
          shift_v(_mm256_set1_epi64x(impl.geo.shift)),
          homed_v(_mm256_set1_epi64x(static_cast<long long>(homed_here))),
          base_v(_mm256_set1_epi64x(reinterpret_cast<long long>(impl.blocks))),
          low32(_mm256_set1_epi64x(0xFFFFFFFF)) {}
    // place() in 64-bit lanes: the top 64 bits of word * blocks (blocks < 2^32, checked at
    // open) from two 32 x 32-bit products, and the low 64 bits for the value.
    IDR_TARGET_WIDE void issue(size_t first, size_t end) {
      size_t i = first;
      for (; i + 4 <= end; i += 4) {
        __m256i word, low;
        if (!blocklist::pack_keys_wide(keys, queries + i, &word, &low)) {
          for (size_t k = i; k < i + 4; ++k) place_one(k);
          continue;
        }
        const __m256i lo_product = _mm256_mul_epu32(word, blocks_v);
        const __m256i mid =
            _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(word, 32), blocks_v),
                             _mm256_srli_epi64(lo_product, 32));
        const __m256i home = _mm256_srli_epi64(mid, 32);
        const __m256i frac =
            _mm256_or_si256(_mm256_slli_epi64(mid, 32), _mm256_and_si256(lo_product, low32));
        const __m256i value =
            _mm256_or_si256(_mm256_slli_epi64(_mm256_srlv_epi64(frac, shift_v), 4), low);
        const size_t r = i % (2 * kGroup);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(ring.block + r),
                            _mm256_add_epi64(base_v, _mm256_slli_epi64(home, 6)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(ring.target + r),
                            _mm256_or_si256(value, homed_v));
      }
      for (; i < end; ++i) place_one(i);
    }
    // Slots 0..7 and 8..15 of a block in 64-bit lanes, and the lanes of the used ones.
    struct Slots {
      __m512i s0, s1;
      uint32_t used;
    };
    IDR_TARGET_WIDE Slots slots(const uint8_t* b, uint64_t w0) const {
      const __m512i block = _mm512_loadu_si512(b);
      return Slots{
          _mm512_and_si512(_mm512_srlv_epi64(_mm512_permutexvar_epi8(bytes0, block), shift0), mask),
          _mm512_and_si512(_mm512_srlv_epi64(_mm512_permutexvar_epi8(bytes1, block), shift1), mask),
          _bzhi_u32(0xFFFF, static_cast<uint32_t>(w0 & blocklist::kCountMask))};
    }
    // Every slot of the block compared, used or not: the unused ones are zero (checked at
    // open) and a target is not (it has the "homed here" bit), and the lanes past the
    // block's slots repeat slot 0.
    IDR_TARGET_WIDE bool find(const uint8_t* b, uint64_t, uint64_t target) const {
      const __m512i block = _mm512_loadu_si512(b);
      const __m512i t = _mm512_set1_epi64(static_cast<long long>(target));
      const __m512i s0 = _mm512_srlv_epi64(_mm512_permutexvar_epi8(bytes0, block), shift0);
      const __m512i s1 = _mm512_srlv_epi64(_mm512_permutexvar_epi8(bytes1, block), shift1);
      return !_kortestz_mask8_u8(_mm512_mask_cmpeq_epi64_mask(0xFF, _mm512_and_si512(s0, mask), t),
                                 _mm512_mask_cmpeq_epi64_mask(0xFF, _mm512_and_si512(s1, mask), t));
    }
    // Used slots that compare to v as kCompare says (_MM_CMPINT_EQ, _MM_CMPINT_LT), as bits
    // of slot indices.
    template <int kCompare>
    IDR_TARGET_WIDE static uint32_t used_where(const Slots& s, uint64_t v) {
      const __m512i t = _mm512_set1_epi64(static_cast<long long>(v));
      return _mm512_mask_cmp_epu64_mask(static_cast<__mmask8>(s.used), s.s0, t, kCompare) |
             static_cast<uint32_t>(
                 _mm512_mask_cmp_epu64_mask(static_cast<__mmask8>(s.used >> 8), s.s1, t, kCompare))
                 << 8;
    }
    IDR_TARGET_WIDE static uint32_t used_equal(const Slots& s, uint64_t v) {
      return used_where<_MM_CMPINT_EQ>(s, v);
    }
    IDR_TARGET_WIDE static uint32_t used_below(const Slots& s, uint64_t v) {
      return used_where<_MM_CMPINT_LT>(s, v);
    }
    // Past the home block, for a target not found there: resolve_further's rules with the
    // block search above. Only when every used slot of the home is below the target, the
    // next block's spilled slots hold the value without the "homed here" bit (used lanes
    // only: that value may be zero), then the overflow table (the key packed again).
    IDR_TARGET_WIDE bool further(const uint8_t* b, uint64_t w0, uint64_t target,
                                 const BlocklistQuery& q) const {
      const Slots home = slots(b, w0);
      if (used_below(home, target) != home.used) return false;
      if ((w0 & blocklist::kSpillFlag) != 0) {
        const uint8_t* const next = b + blocklist::kBlockBytes;  // open: never past the last
        const Slots s = slots(next, blocklist::block_word0(next));
        const uint64_t value = target & ~homed_here;
        if (used_equal(s, value) != 0) return true;
        if (used_below(s, value) != s.used) return false;
      }
      if ((w0 & blocklist::kOverflowFlag) == 0) return false;
      blocklist::MixedKey k;
      (void)blocklist::pack_key(q.id_number, q.valid_from, &k);
      return m.in_overflow(k.value());
    }
  };
  IDR_TARGET_WIDE __attribute__((flatten)) void contains_many_wide(const BlocklistQuery* queries,
                                                                   size_t count,
                                                                   BlocklistAnswer* answers) const {
    WidePath path(*this, queries);
    batch(queries, count, answers, path);
  }
  IDR_WIDE_CODE_END
  // Whether this CPU and OS run the wide path; set at open.
  bool wide = false;
#endif
  // Checks the header fields against each other; "" when they agree.
  std::string check_header(const uint8_t* h, uint64_t size);
  std::string check_payload(const uint8_t* h);
};

std::string Blocklist::Impl::check_header(const uint8_t* h, uint64_t size) {
  using namespace blocklist;
  if (std::memcmp(h, kMagic, sizeof kMagic) != 0)
    return "offset 0: wrong magic (not an idr list file)";
  if (get32(h + kOffHeaderCrc) != static_cast<uint32_t>(crc32(0, h, kOffHeaderCrc)))
    return "offset " + std::to_string(kOffHeaderCrc) + ": header checksum mismatch";
  info.version = get32(h + kOffVersion);
  if (info.version != kVersion)
    return "offset " + std::to_string(kOffVersion) + ": unsupported version " +
           std::to_string(info.version) + " (this library reads version " +
           std::to_string(kVersion) + "; rebuild the list with `idr blocklist build`)";
  if (get32(h + kOffHeaderSize) != kHeaderSize || get32(h + kOffKeyScheme) != kKeyScheme)
    return "offset " + std::to_string(kOffHeaderSize) + ": unsupported header size or key scheme";
  info.entries = get64(h + kOffEntries);
  info.payload_crc32 = get32(h + kOffPayloadCrc);
  info.file_bytes = size;
  const uint64_t block_count = get64(h + kOffBlocks);
  geo = geometry_for_blocks(block_count);
  if (block_count != geo.blocks || block_count > kMaxEntries || info.entries > kMaxEntries ||
      get32(h + kOffSlotBits) != geo.slot_bits || get32(h + kOffSlotsPerBlock) != geo.slots)
    return "offset " + std::to_string(kOffBlocks) + ": block geometry out of range";
  overflow_entries = get32(h + kOffOverflowEntries);
  if (overflow_entries > info.entries)
    return "offset " + std::to_string(kOffOverflowEntries) + ": more overflow entries than entries";
  info.bucket_bits = geo.shift;
  info.remainder_bits = geo.value_bits;
  info.blocks = geo.blocks;
  info.slots_per_block = geo.slots;
  info.overflow_entries = overflow_entries;
  const uint64_t payload = get64(h + kOffPayloadBytes);
  if (payload != payload_bytes_for(geo, overflow_entries))
    return "offset " + std::to_string(kOffPayloadBytes) + ": payload size " +
           std::to_string(payload) + " does not fit " + std::to_string(block_count) + " blocks";
  if (size < kHeaderSize + payload)
    return "truncated at offset " + std::to_string(size) + ": the header announces " +
           std::to_string(kHeaderSize + payload) + " bytes";
  if (size > kHeaderSize + payload)
    return "offset " + std::to_string(kHeaderSize + payload) + ": " +
           std::to_string(size - kHeaderSize - payload) + " unexpected bytes after the payload";
  return {};
}

// CRC-32 of the payload and the blocks' own consistency, in one pass of 1 MiB chunks (each
// chunk is checked while it is still in cache).
std::string Blocklist::Impl::check_payload(const uint8_t* h) {
  using namespace blocklist;
  const uint8_t* payload = h + kHeaderSize;
  const uint64_t block_bytes = geo.blocks * kBlockBytes;
  const uint64_t total = block_bytes + overflow_entries * kOverflowEntryBytes;
  constexpr uint64_t kChunk = uint64_t{1} << 20;  // a multiple of the block size
  uint32_t c = static_cast<uint32_t>(crc32(0, nullptr, 0));
  uint64_t counted = 0;
  std::string problem;
  for (uint64_t off = 0; off < total; off += kChunk) {
    const uint64_t n = total - off < kChunk ? total - off : kChunk;
    c = static_cast<uint32_t>(crc32(c, payload + off, static_cast<uInt>(n)));
    for (uint64_t b = off / kBlockBytes;
         problem.empty() && b < geo.blocks && b * kBlockBytes < off + n; ++b) {
      const uint64_t w0 = block_word0(block(b));
      const uint64_t count = w0 & kCountMask;
      counted += count;
      if (count > geo.slots || ((w0 & kSpillFlag) && b + 1 == geo.blocks) ||
          ((w0 & kOverflowFlag) && overflow_entries == 0))
        problem = "offset " + std::to_string(kHeaderSize + b * kBlockBytes) +
                  ": block header out of range (a wrong writer: the checksum matched)";
      // The used slots strictly increase (the writer places keys in order): a lookup may
      // then find its target by a lower bound or by comparing it with every slot alike.
      bool unordered = false;
      for (uint32_t i = 1; i < count && i < geo.slots; ++i)
        unordered |= slot(block(b), i) <= slot(block(b), i - 1);
      if (unordered && problem.empty())
        problem = "offset " + std::to_string(kHeaderSize + b * kBlockBytes) +
                  ": block slots out of order (a wrong writer: the checksum matched)";
      // The bits past the used slots are zero (the writer starts from a zeroed block): the
      // wide block search compares every slot of the block, and an empty one (zero) never
      // equals a target (which has the "homed here" bit).
      if (count <= geo.slots && padding_bits(block(b), count) != 0 && problem.empty())
        problem = "offset " + std::to_string(kHeaderSize + b * kBlockBytes) +
                  ": bits set past the used slots (a wrong writer: the checksum matched)";
    }
  }
  if (c != info.payload_crc32)
    return "payload checksum mismatch over offsets " + std::to_string(kHeaderSize) + ".." +
           std::to_string(kHeaderSize + total) + " (stored " + hex32(info.payload_crc32) +
           ", computed " + hex32(c) + ")";
  if (!problem.empty()) return problem;
  overflow = payload + block_bytes;
  for (uint64_t i = 0; i < overflow_entries; ++i) {
    const u128 k = overflow_key(i);
    if ((k >> kKeyBits) != 0 || (i > 0 && k <= overflow_key(i - 1)))
      return "offset " + std::to_string(kHeaderSize + block_bytes + i * kOverflowEntryBytes) +
             ": overflow table out of order";
  }
  if (counted + overflow_entries != info.entries)
    return "offset " + std::to_string(kOffEntries) + ": the blocks hold " +
           std::to_string(counted + overflow_entries) + " entries, the header says " +
           std::to_string(info.entries);
  return {};
}

Blocklist::Blocklist(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Blocklist::Blocklist(Blocklist&&) noexcept = default;
Blocklist& Blocklist::operator=(Blocklist&&) noexcept = default;
Blocklist::~Blocklist() = default;

Result<Blocklist> Blocklist::open(const std::string& path, std::string* why) {
  return open(path, BlocklistOpenOptions{}, why);
}

Result<Blocklist> Blocklist::open(const std::string& path, const BlocklistOpenOptions& options,
                                  std::string* why) {
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
  const uint8_t* h = nullptr;
  if (options.copy_to_huge_pages) {
    // A private copy in 2 MiB pages: one TLB entry covers 32768 blocks, so a lookup's one
    // cache miss is not preceded by a page walk. Costs a read of the file and RAM that is
    // not shared with other processes (the page cache copy may be dropped by the kernel).
    constexpr uint64_t kHuge = uint64_t{2} << 20;
    impl->map_size = (size + kHuge - 1) / kHuge * kHuge + kHuge;
    impl->map =
        ::mmap(nullptr, impl->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (impl->map == MAP_FAILED) {
      ::close(fd);
      if (why) *why = path + ": mmap: " + std::strerror(errno);
      return Error::Io;
    }
    const auto base = reinterpret_cast<uintptr_t>(impl->map);
    auto* data = reinterpret_cast<uint8_t*>((base + kHuge - 1) / kHuge * kHuge);
    ::madvise(data, size, MADV_HUGEPAGE);  // a hint: without THP this is a plain copy
    for (uint64_t done = 0; done < size;) {
      const ssize_t r = ::pread(fd, data + done, size - done, static_cast<off_t>(done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        if (why) *why = path + ": read: " + (r < 0 ? std::strerror(errno) : "file shrank");
        ::close(fd);
        return Error::Io;
      }
      done += static_cast<uint64_t>(r);
    }
    h = data;
  } else {
    // Mapped and populated at once: the checksum reads every page anyway, and populating
    // the page tables in one call is cheaper than a fault per page.
    impl->map_size = size;
    impl->map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (impl->map == MAP_FAILED) {
      ::close(fd);
      if (why) *why = path + ": mmap: " + std::strerror(errno);
      return Error::Io;
    }
    h = static_cast<const uint8_t*>(impl->map);
  }
  ::close(fd);  // the mapping keeps the file
  std::string problem = impl->check_header(h, size);
  if (problem.empty()) {
    impl->make_slot_table();
    impl->make_padding_masks();
#if defined(IDR_BLOCKLIST_WIDE)
    impl->wide = blocklist::wide_path_available();
#endif
    impl->blocks = h + kHeaderSize;
    problem = impl->check_payload(h);
  }
  if (!problem.empty()) return bad(why, path + ": " + problem);
  if (!options.copy_to_huge_pages) {
    // Lookups jump around: read-ahead around a faulting page (after the kernel dropped
    // pages under memory pressure) would only fetch blocks nobody asked for.
    ::madvise(impl->map, impl->map_size, MADV_RANDOM);
  }
  return Blocklist(std::move(impl));
}

Result<bool> Blocklist::contains(std::string_view id_number, std::string_view valid_from) const {
  MixedKey k;
  if (blocklist::pack_key(id_number, valid_from, &k) != blocklist::KeyFault::None)
    return Error::InvalidArgument;
  return impl_->contains(k);
}

void Blocklist::contains_many(const BlocklistQuery* queries, size_t count,
                              BlocklistAnswer* answers) const {
#if defined(IDR_BLOCKLIST_WIDE)
  if (impl_->wide) return impl_->contains_many_wide(queries, count, answers);
#endif
  impl_->contains_many_portable(queries, count, answers);
}

uint64_t Blocklist::size() const {
  return impl_->info.entries;
}
BlocklistInfo Blocklist::info() const {
  return impl_->info;
}

bool BlocklistAccess::wide_path_available() {
#if defined(IDR_BLOCKLIST_WIDE)
  return blocklist::wide_path_available();
#else
  return false;
#endif
}

bool BlocklistAccess::contains_many(const Blocklist& list, bool wide, const BlocklistQuery* queries,
                                    size_t count, BlocklistAnswer* answers) {
  if (!wide) {
    list.impl_->contains_many_portable(queries, count, answers);
    return true;
  }
#if defined(IDR_BLOCKLIST_WIDE)
  if (blocklist::wide_path_available()) {
    list.impl_->contains_many_wide(queries, count, answers);
    return true;
  }
#endif
  return false;
}

void BlocklistAccess::for_each_key(const Blocklist& list, const std::function<bool(MixedKey)>& fn) {
  using namespace blocklist;
  const Blocklist::Impl& m = *list.impl_;
  const Geometry& g = m.geo;
  uint64_t next_overflow = 0;
  auto key_of = [](u128 v) { return MixedKey::of(v); };
  for (uint64_t b = 0; b < g.blocks; ++b) {
    const uint8_t* blk = m.block(b);
    const uint32_t n = static_cast<uint32_t>(block_word0(blk) & kCountMask);
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t stored = slot_at(blk, i, g);
      const bool homed_here = (stored >> g.value_bits) != 0;
      const MixedKey k = unplace(homed_here ? b : b - 1, stored & g.value_mask, g);
      // Overflow keys sort between block entries: emit the smaller ones first.
      for (; next_overflow < m.overflow_entries && m.overflow_key(next_overflow) < k.value();
           ++next_overflow)
        if (!fn(key_of(m.overflow_key(next_overflow)))) return;
      if (!fn(k)) return;
    }
  }
  for (; next_overflow < m.overflow_entries; ++next_overflow)
    if (!fn(key_of(m.overflow_key(next_overflow)))) return;
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
