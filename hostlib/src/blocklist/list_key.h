#pragma once
// Keys of the lost/stolen list, key scheme 2: (ID number, valid-from date) packed densely into
// 68 bits, then permuted by a bijection of 68-bit numbers (multiply, xor-shift, multiply) so
// that keys spread evenly over the blocks of the file (hostlib/src/blocklist/README.md). The
// permutation is a bijection: two different keys never collide, and for_each recovers every
// key. pack_key is inline: it is most of a lookup's work (DESIGN 9), and a call from the
// lookup path would cost a tenth of it; make_key is the same with the reason in words.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace idr::blocklist {

__extension__ typedef unsigned __int128 u128;  // 68-bit keys; GCC/Clang extension

constexpr unsigned kKeyBits = 68;
constexpr u128 kKeyMask = (u128{1} << kKeyBits) - 1;

// The permuted key, < 2^68.
struct MixedKey {
  u128 v = 0;
  [[nodiscard]] u128 value() const { return v; }
};

// Why a number or date cannot be a key, in the order they are reported.
enum class KeyFault : uint8_t { None = 0, IdLength, IdDigits, IdLast, BirthDate, ValidFrom };

namespace key_detail {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "load8 reads the first character low");

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kLaneTop = 0x8000800080008000ull;  // bit 15 of each 16-bit lane
constexpr uint64_t kBirthSpan = 400 * 372;            // years 1800..2199 x 12 months x 31 days
constexpr unsigned kDateBits = 17;  // valid-from (year - 1900) * 372 + month * 31 + day < 2^17
constexpr unsigned kMixShift = 34;  // x ^= x >> 34 is its own inverse on 68 bits
// Odd 68-bit multipliers (odd: invertible modulo 2^68).
constexpr u128 kMul1 = (u128{0xD} << 64) | 0x9E3779B97F4A7C15ull;
constexpr u128 kMul2 = (u128{0x5} << 64) | 0xBF58476D1CE4E5B9ull;

inline uint64_t load8(const char* p) {
  uint64_t w = 0;
  std::memcpy(&w, p, 8);
  return w;
}
// Nonzero unless all 8 bytes of w are ASCII digits: high nibble 3, and adding 6 does not carry
// out of the low nibble (a carry from a non-digit byte can only spoil a result already nonzero).
inline uint64_t non_digits(uint64_t w) {
  return ((w & (0xF0 * kOnes)) ^ (0x30 * kOnes)) |
         (((w + 0x06 * kOnes) & (0xF0 * kOnes)) ^ (0x30 * kOnes));
}
// The four 2-digit numbers of eight digits, in 16-bit lanes: lane k = the digits at 2k and
// 2k + 1 (each byte times ten cannot carry into the next: digits are <= 9; for non-digits the
// lanes are garbage below 256, and the caller refuses them anyway).
inline uint64_t digit_pairs(uint64_t w) {
  const uint64_t x = w - 0x30 * kOnes;
  return (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
}
inline uint64_t lane(uint64_t pairs, unsigned k) {
  return (pairs >> (16 * k)) & 0xFF;
}
// Lane bounds as a word: lanes (l0, l1, l2, l3).
constexpr uint64_t lanes(uint64_t l0, uint64_t l1, uint64_t l2, uint64_t l3) {
  return l0 | l1 << 16 | l2 << 32 | l3 << 48;
}
// Bit 15 of each lane of `pairs` (lanes < 256) outside its [lo, hi] (bounds < 2^15): the four
// compares in one subtraction each, no borrow crossing lanes.
inline uint64_t out_of_range(uint64_t pairs, uint64_t lo, uint64_t hi) {
  return ~(((pairs | kLaneTop) - lo) & ((hi | kLaneTop) - pairs)) & kLaneTop;
}

constexpr u128 inverse(u128 m) {  // m^-1 mod 2^128 by Newton's iteration (m odd)
  u128 x = m;
  for (int i = 0; i < 7; ++i) x *= 2 - m * x;
  return x;
}
inline u128 permute(u128 x) {
  x = (x * kMul1) & kKeyMask;
  x ^= x >> kMixShift;
  return (x * kMul2) & kKeyMask;
}
inline u128 unpermute(u128 x) {
  x = (x * inverse(kMul2)) & kKeyMask;
  x ^= x >> kMixShift;
  return (x * inverse(kMul1)) & kKeyMask;
}

KeyFault first_fault(bool id_digits, bool id_last, bool birth, bool valid_from);

}  // namespace key_detail

// Parses, checks and packs: 17 digits + digit/'X', birth year 1800..2199 with month 01-12 and
// day 01-31 (digits 7-14), valid_from a calendar date in 1900..2155. All the checks are
// computed and tested by one branch (hostile input costs the same as a key).
__attribute__((always_inline)) inline KeyFault pack_key(std::string_view id,
                                                        std::string_view valid_from,
                                                        MixedKey* out) {
  using namespace key_detail;
  if (id.size() != 18) return KeyFault::IdLength;
  const char* p = id.data();
  const uint64_t a = load8(p), b = load8(p + 8);
  const bool from_size_bad = valid_from.size() != 8;
  const uint64_t v = from_size_bad ? 0x3030303030303030ull : load8(valid_from.data());
  const uint64_t c16 = static_cast<unsigned char>(p[16]) - uint64_t{'0'};
  const uint64_t c17 = static_cast<unsigned char>(p[17]) - uint64_t{'0'};
  const bool last_x = p[17] == 'X';
  const uint64_t pa = digit_pairs(a), pb = digit_pairs(b), pv = digit_pairs(v);
  // pa: region (3 pairs), century; pb: year in century, month, day, order digits 15-16;
  // pv: century, year, month, day.
  const uint64_t birth_lanes = (pb & lanes(0, 0xFFFF, 0xFFFF, 0)) | (pa & lanes(0, 0, 0, 0xFFFF));
  const uint64_t vy = lane(pv, 0) * 100 + lane(pv, 1), vm = lane(pv, 2), vd = lane(pv, 3);
  // Month lengths with February 29, and February 29 only in leap years (1900..2155: every
  // fourth year but 1900 and 2100).
  static constexpr uint8_t kDays[16] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0};
  // Bitwise | and & on the conditions: no branch each (they are all evaluated anyway).
  const bool not_leap = ((vy & 3) != 0) | (vy == 1900) | (vy == 2100);
  const bool from_bad = from_size_bad | (non_digits(v) != 0) |
                        (out_of_range(pv, lanes(19, 0, 1, 1), lanes(21, 99, 12, 31)) != 0) |
                        (vy > 2155) | (vd > kDays[vm & 15]) | ((vm == 2) & (vd == 29) & not_leap);
  const bool id_digits_bad = ((non_digits(a) | non_digits(b)) != 0) | (c16 > 9);
  const bool id_last_bad = (c17 > 9) & !last_x;
  const bool birth_bad = out_of_range(birth_lanes, lanes(0, 1, 1, 18), lanes(0, 12, 31, 21)) != 0;
  if (__builtin_expect(id_digits_bad | id_last_bad | birth_bad | from_bad, 0))
    return first_fault(id_digits_bad, id_last_bad, birth_bad, from_bad);
  // ((region * kBirthSpan + birth) * 1000 + order) * 11 + check with birth = (year - 1800) *
  // 372 + (month - 1) * 31 + day - 1, as one sum of the pairs times constants (no chain of
  // multiplies: the terms are independent); < 11 * 1000 * kBirthSpan * 10^6 < 2^51.
  constexpr uint64_t kO = 11, kU = 1000 * kO, kR = kBirthSpan * kU;
  const uint64_t check = last_x ? 10 : c17;
  const uint64_t id_part = lane(pa, 0) * (10000 * kR) + lane(pa, 1) * (100 * kR) +
                           lane(pa, 2) * kR + lane(pa, 3) * (100 * 372 * kU) +
                           lane(pb, 0) * (372 * kU) + lane(pb, 1) * (31 * kU) + lane(pb, 2) * kU +
                           lane(pb, 3) * (10 * kO) + c16 * kO + check - (1800 * 372 + 31 + 1) * kU;
  const uint64_t from_days = vy * 372 + vm * 31 + vd - (1900 * 372 + 31 + 1);
  out->v = permute((static_cast<u128>(id_part) << kDateBits) | from_days);
  return KeyFault::None;
}

// pack_key with the reason in words: false with *why set when the number or date is malformed.
[[nodiscard]] bool make_key(std::string_view id, std::string_view valid_from, MixedKey* out,
                            std::string* why = nullptr);
// The inverse: the ID number and valid-from date of a permuted key.
void unmake_key(MixedKey key, std::string* id, std::string* valid_from);

}  // namespace idr::blocklist
