#pragma once
// Keys of the lost/stolen list, key scheme 2: (ID number, valid-from date) packed densely into
// 68 bits, then permuted by a bijection of 68-bit numbers (multiplies and xor-shifts) so
// that keys spread evenly over the blocks of the file (hostlib/src/blocklist/README.md). The
// permutation is a bijection: two different keys never collide, and for_each recovers every
// key. pack_key is inline: it is most of a lookup's work (DESIGN 9), and a call from the
// lookup path would cost a tenth of it; make_key is the same with the reason in words.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "idr/blocklist.h"
// The batched lookup's wide path (pack_keys_wide here, the block search in blocklist.cpp):
// compiled for these features, and run only where wide_path_available() says the CPU (and
// the OS) has them; elsewhere, and always for single lookups, the portable path.
#define IDR_BLOCKLIST_WIDE 1
#define IDR_TARGET_WIDE \
  __attribute__((target("avx2,avx512f,avx512bw,avx512dq,avx512vl,avx512vbmi,bmi2")))
// GCC 12 reports the undefined vector that its AVX-512 intrinsics pass as the unused
// source of their masked builtins as (maybe) uninitialized when they are inlined into a
// function of another target: a false report, silenced around the wide code only.
#if defined(__clang__)
#define IDR_WIDE_CODE_BEGIN
#define IDR_WIDE_CODE_END
#else
#define IDR_WIDE_CODE_BEGIN                                                                  \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
      _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#define IDR_WIDE_CODE_END _Pragma("GCC diagnostic pop")
#endif
#endif

namespace idr::blocklist {

__extension__ typedef unsigned __int128 u128;  // 68-bit keys; GCC/Clang extension

constexpr unsigned kKeyBits = 68;
constexpr u128 kKeyMask = (u128{1} << kKeyBits) - 1;

// The permuted key, < 2^68, kept as its two parts: the key is word * 16 + low (the
// permutation's last step yields them so; place() uses them as they are, no 128-bit shifts).
struct MixedKey {
  uint64_t word = 0;
  uint64_t low = 0;  // < 16
  [[nodiscard]] u128 value() const { return static_cast<u128>(word) << 4 | low; }
  [[nodiscard]] static MixedKey of(u128 v) {
    return MixedKey{static_cast<uint64_t>(v >> 4), static_cast<uint64_t>(v) & 15};
  }
};

// Why a number or date cannot be a key, in the order they are reported.
enum class KeyFault : uint8_t { None = 0, IdLength, IdDigits, IdLast, BirthDate, ValidFrom };

namespace key_detail {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "load8 reads the first character low");

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kLaneTop = 0x8000800080008000ull;  // bit 15 of each 16-bit lane
constexpr uint64_t kBirthSpan = 400 * 372;            // years 1800..2199 x 12 months x 31 days
constexpr unsigned kDateBits = 17;  // valid-from (year - 1900) * 372 + month * 31 + day < 2^17
// The permutation's constants: odd multipliers (invertible modulo 2^64) and the spread of
// the top 4 bits over the low word.
constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ull, kMul2 = 0xBF58476D1CE4E5B9ull;
constexpr uint64_t kTopSpread = 0x94D049BB133111EBull;

inline uint64_t load8(const char* p) {
  uint64_t w = 0;
  std::memcpy(&w, p, 8);
  return w;
}
// High nibble 3 in every byte of the result unless a byte of w is no ASCII digit: a digit's
// high nibble is 3, and adding 6 to it does not carry out of the low nibble (a carry from a
// non-digit byte can only spoil a result that is already wrong). Words OR together before
// the one mask: non_digit_bits(a) | non_digit_bits(b), & kHighNibbles, then != 0.
constexpr uint64_t kHighNibbles = 0xF0 * kOnes;
inline uint64_t non_digit_bits(uint64_t w) {
  return (w ^ (0x30 * kOnes)) | ((w + 0x06 * kOnes) ^ (0x30 * kOnes));
}
// The four 2-digit numbers of eight digits, in 16-bit lanes: lane k = the digits at 2k and
// 2k + 1 (each byte times ten cannot carry into the next: digits are <= 9; for non-digits the
// lanes are garbage below 256, and the caller refuses them anyway).
inline uint64_t digit_pairs(uint64_t w) {
  const uint64_t x = w - 0x30 * kOnes;
  return (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
}
// c0 * lane 0 + c1 * lane 1 + c2 * lane 2 + c3 * lane 3 (< 2^32) of pairs, in two multiplies:
// the even lanes, then the odd ones, spread to 32-bit lanes, times (c2 + c0 * 2^32) and
// (c3 + c1 * 2^32), leave the sum of each pair of terms in bits 32..63 (the low halves,
// lane 0 (or 1) times c2 (or c3), stay below 2^32 for these constants; asserted per use).
inline uint64_t weighted(uint64_t pairs, uint64_t c0, uint64_t c1, uint64_t c2, uint64_t c3) {
  constexpr uint64_t kEven = 0x0000FFFF0000FFFFull;
  return (((pairs & kEven) * (c2 | c0 << 32)) >> 32) +
         ((((pairs >> 16) & kEven) * (c3 | c1 << 32)) >> 32);
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

constexpr uint64_t inverse(uint64_t m) {  // m^-1 mod 2^64 by Newton's iteration (m odd)
  uint64_t x = m;
  for (int i = 0; i < 6; ++i) x *= 2 - m * x;
  return x;
}
// A bijection of 68-bit numbers, in 64-bit steps (a 68-bit multiply costs three): the low
// word times an odd number, xor-shifted, xored with the top 4 bits (hi) times a constant,
// times another odd number; the result is that word followed by hi. Its top bits (they
// choose the block) are a product's top bits: they depend on every bit of the key. Each
// step is undone in reverse order by unpermute.
inline MixedKey permute(uint64_t hi, uint64_t lo) {
  lo *= kMul1;
  lo ^= lo >> 32;
  lo = (lo ^ hi * kTopSpread) * kMul2;
  return MixedKey{lo, hi};
}
inline u128 unpermute(u128 x) {
  const uint64_t hi = static_cast<uint64_t>(x) & 15;
  uint64_t lo = (static_cast<uint64_t>(x >> 4) * inverse(kMul2)) ^ hi * kTopSpread;
  lo ^= lo >> 32;
  return static_cast<u128>(hi) << 64 | lo * inverse(kMul1);
}
static_assert(kMul1 * inverse(kMul1) == 1 && kMul2 * inverse(kMul2) == 1, "inverses");

KeyFault first_fault(bool id_digits, bool id_last, bool birth, bool valid_from);

// The end of both packers: every check's failure bits ORed into `bad`, tested by one branch;
// on failure the reason (why(), off the fast path), else the permuted key.
template <class Why>
__attribute__((always_inline)) inline KeyFault finish_key(uint64_t bad, const Why& why,
                                                          uint64_t id_part, uint64_t day,
                                                          MixedKey* out) {
  if (__builtin_expect(bad != 0, 0)) return why();
  *out = permute(id_part >> (64 - kDateBits), id_part << kDateBits | day);
  return KeyFault::None;
}

// Valid-from dates as (year - 1900) * 372 + (month - 1) * 31 + day - 1: the ones below
// kFromDays are 1900-01-01..2155-12-31; bit d of the table (word d / 64) is set when d is a
// calendar date (no April 31, February 29 in leap years only). The table spans all of
// 2^kDateBits (16 KiB, made at compile time; the bits from kFromDays on are clear), so a
// date number masked to kDateBits bits indexes it without a bounds check, and a date
// after 2155 (its number in range when its digits are) finds its bit clear: refused.
constexpr uint64_t kFromDays = 256 * 372;
constexpr uint64_t kDateMask = (uint64_t{1} << kDateBits) - 1;
struct CalendarDates {
  uint64_t words[(kDateMask + 1) / 64] = {};
};
constexpr bool leap(uint64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}
constexpr CalendarDates calendar_dates() {
  constexpr uint64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  CalendarDates t;
  for (uint64_t y = 0; y < 256; ++y)
    for (uint64_t m = 0; m < 12; ++m)
      for (uint64_t d = 0; d < kDays[m] + (m == 1 && leap(1900 + y) ? 1 : 0); ++d) {
        const uint64_t n = y * 372 + m * 31 + d;
        t.words[n / 64] |= uint64_t{1} << (n % 64);
      }
  return t;
}
// Defined here, like kCheckValues: the packers read a table the compiler knows is constant.
inline constexpr CalendarDates kCalendarDates = calendar_dates();
constexpr bool is_date(uint64_t n) {
  return ((kCalendarDates.words[n / 64] >> (n % 64)) & 1) != 0;
}
static_assert(is_date(100 * 372 + 31 + 28), "2000-02-29 is a date");
static_assert(!is_date(31 + 28), "1900-02-29 is not");
static_assert(!is_date(200 * 372 + 31 + 28), "2100-02-29 is not");
static_assert(!is_date(3 * 31 + 30), "1900-04-31 is not");
static_assert(is_date(kFromDays - 1) && !is_date(kFromDays), "2155-12-31 is the last date");
inline uint64_t not_a_date(uint64_t day) {  // day <= kDateMask; 1 unless a calendar date
  return (~kCalendarDates.words[day / 64] >> (day % 64)) & 1;
}

// The check character's value: '0'..'9' 0..9, 'X' 10, anything else 0xFF.
struct CheckValues {
  uint8_t v[256] = {};
};
constexpr CheckValues check_values() {
  CheckValues t;
  for (unsigned c = 0; c < 256; ++c)
    t.v[c] = c >= '0' && c <= '9' ? static_cast<uint8_t>(c - '0') : c == 'X' ? 10 : 0xFF;
  return t;
}
inline constexpr CheckValues kCheckValues = check_values();

}  // namespace key_detail

// Parses, checks and packs: 17 digits + digit/'X', birth year 1800..2199 with month 01-12 and
// day 01-31 (digits 7-14), valid_from a calendar date in 1900..2155. All the checks are
// computed and tested by one branch (hostile input costs the same as a key). Two
// implementations of the same function: pack_key_swar in 64-bit words (any little-endian
// host), pack_key_sse2 in 128-bit vectors (x86-64, where SSE2 is part of the base
// instruction set; 16 digits at once); pack_key is the one for this host, and the tests
// compare both with a reference on hostile input.
__attribute__((always_inline)) inline KeyFault pack_key_swar(std::string_view id,
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
  // pv: century, year, month, day. For non-digits the pairs are garbage below 256: every
  // computation below stays in bounds, and the checks refuse the key.
  // ((region * kBirthSpan + birth) * 1000 + order) * 11 + check with birth = (year - 1800) *
  // 372 + (month - 1) * 31 + day - 1, regrouped: region * 4 + century (weighted sums of pa),
  // year * 37200 + month * 3100 + day * 100 + order digits 15-16 (of pb); < 2^51.
  const uint64_t region_century = weighted(pa, 40000, 400, 4, 1);
  const uint64_t birth_order = weighted(pb, 37200, 3100, 100, 1);
  static_assert(99 * 4 < (uint64_t{1} << 32) && 99 * 100 < (uint64_t{1} << 32), "weighted");
  const uint64_t check = last_x ? 10 : c17;
  constexpr uint64_t kOrderCheck = 1000 * 11;  // order and check digit below each birth
  const uint64_t id_part = region_century * (37200 * kOrderCheck) + birth_order * 110 + c16 * 11 +
                           check - (1800 * 372 + 31 + 1) * kOrderCheck;
  // (year - 1900) * 372 + (month - 1) * 31 + day - 1 from the pairs (century, year, month, day).
  const uint64_t from_days = weighted(pv, 37200, 372, 31, 1) - (1900 * 372 + 31 + 1);
  const uint64_t day = from_days & kDateMask;  // the table's bounds
  // Each check a nonzero value when it fails, ORed (no branch each): one test and one branch.
  const uint64_t id_bad = ((non_digit_bits(a) | non_digit_bits(b)) & kHighNibbles) | (c16 > 9);
  const uint64_t last_bad = uint64_t{c17 > 9} & uint64_t{!last_x};
  const uint64_t birth_lanes = (pb & lanes(0, 0xFFFF, 0xFFFF, 0)) | (pa & lanes(0, 0, 0, 0xFFFF));
  const uint64_t birth_bad = out_of_range(birth_lanes, lanes(0, 1, 1, 18), lanes(0, 12, 31, 21));
  // Month and day in range first (else another date's number, and from_days may pass
  // 2^kDateBits), then a day of the calendar before 2156.
  const uint64_t from_bad = uint64_t{from_size_bad} | (non_digit_bits(v) & kHighNibbles) |
                            out_of_range(pv, lanes(19, 0, 1, 1), lanes(21, 99, 12, 31)) |
                            not_a_date(day);
  return finish_key(
      id_bad | last_bad | birth_bad | from_bad,
      [&] { return first_fault(id_bad != 0, last_bad != 0, birth_bad != 0, from_bad != 0); },
      id_part, day, out);
}

#if defined(__SSE2__)
namespace key_detail {
// The reason a key pack_key_sse2 refused is not one (pack_key_swar's; the same rules): the
// SSE2 packer folds its checks into one bit and asks for the reason only on failure.
KeyFault swar_fault(std::string_view id, std::string_view valid_from);
}  // namespace key_detail

__attribute__((always_inline)) inline KeyFault pack_key_sse2(std::string_view id,
                                                             std::string_view valid_from,
                                                             MixedKey* out) {
  using namespace key_detail;
  if (id.size() != 18) return KeyFault::IdLength;
  const char* p = id.data();
  const bool from_size_bad = valid_from.size() != 8;
  // A date of the wrong size is checked as "00000000" (refused: century 00).
  static constexpr char kZeros[8] = {'0', '0', '0', '0', '0', '0', '0', '0'};
  const char* f = from_size_bad ? kZeros : valid_from.data();
  const __m128i nine = _mm_set1_epi8(9);
  // Digits 0..15 of the number (x) and the 8 of the date (y; its upper half stays zero),
  // minus '0': each byte a digit exactly when at most 9 unsigned.
  const __m128i x =
      _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8('0'));
  const __m128i y =
      _mm_sub_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(f)),
                   _mm_setr_epi8('0', '0', '0', '0', '0', '0', '0', '0', 0, 0, 0, 0, 0, 0, 0, 0));
  // Pairs of digits in 16-bit lanes, first digit times ten plus the second (< 2816 for
  // non-digit bytes: the compares below stay exact, and such keys are refused anyway).
  const __m128i low_bytes = _mm_set1_epi16(0xFF), ten = _mm_set1_epi16(10);
  const __m128i px =
      _mm_add_epi16(_mm_mullo_epi16(_mm_and_si128(x, low_bytes), ten), _mm_srli_epi16(x, 8));
  const __m128i py =
      _mm_add_epi16(_mm_mullo_epi16(_mm_and_si128(y, low_bytes), ten), _mm_srli_epi16(y, 8));
  // Every vector check in one vector, nonzero where it fails: bytes above 9 (non-digits;
  // saturating subtraction), then pairs outside their ranges. px: region (3 pairs), century,
  // year in century, month, day, order digits 15-16; py: century, year, month, day, then
  // lanes 4..7 (zero: they pass).
  const __m128i bad_vec = _mm_or_si128(
      _mm_or_si128(
          _mm_or_si128(_mm_subs_epu8(x, nine), _mm_subs_epu8(y, nine)),
          _mm_or_si128(_mm_cmplt_epi16(px, _mm_setr_epi16(0, 0, 0, 18, 0, 1, 1, 0)),
                       _mm_cmpgt_epi16(px, _mm_setr_epi16(99, 99, 99, 21, 99, 12, 31, 99)))),
      _mm_or_si128(_mm_cmplt_epi16(py, _mm_setr_epi16(19, 0, 1, 1, 0, 0, 0, 0)),
                   _mm_cmpgt_epi16(py, _mm_setr_epi16(21, 99, 12, 31, 0, 0, 0, 0))));
  // ((region * kBirthSpan + birth) * 1000 + order) * 11 + check (pack_key_swar's regrouping):
  // 32-bit lanes (region 4 digits, region 2 digits * 4 + century, year * 372 + month * 31,
  // day * 100 + order digits 15-16), then 64-bit lanes (region * 4 + century, year * 37200 +
  // month * 3100 + day * 100 + order digits), then their weights summed in lane 0.
  const __m128i sx = _mm_madd_epi16(px, _mm_setr_epi16(100, 1, 4, 1, 372, 31, 100, 1));
  const __m128i tx =
      _mm_add_epi64(_mm_mul_epu32(sx, _mm_setr_epi32(400, 0, 100, 0)), _mm_srli_epi64(sx, 32));
  const __m128i ux = _mm_mul_epu32(tx, _mm_setr_epi32(37200 * 11000, 0, 110, 0));
  const uint64_t c16 = static_cast<unsigned char>(p[16]);
  const uint64_t check = kCheckValues.v[static_cast<unsigned char>(p[17])];  // 0xFF: none
  const uint64_t id_part =
      static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_add_epi64(ux, _mm_unpackhi_epi64(ux, ux)))) +
      c16 * 11 + check - ((uint64_t{1800} * 372 + 31 + 1) * 11000 + '0' * 11);
  // (year - 1900) * 372 + (month - 1) * 31 + day - 1: lanes (year, month * 31 + day).
  const __m128i sy = _mm_madd_epi16(py, _mm_setr_epi16(100, 1, 31, 1, 0, 0, 0, 0));
  const uint64_t from_days =
      static_cast<uint64_t>(_mm_cvtsi128_si64(
          _mm_add_epi64(_mm_mul_epu32(sy, _mm_setr_epi32(372, 0, 0, 0)), _mm_srli_epi64(sy, 32)))) -
      (1900 * 372 + 31 + 1);
  const uint64_t day = from_days & kDateMask;  // the table's bounds
  // The scalar checks as top bits (no compare each): character 16 a digit ('0'..'9'), the
  // check value at most 10; then the calendar's bit (a date before 2156: when the pairs of
  // the date are out of range, from_days may be anything, but bad_vec refuses the key). A
  // wrong-size date was checked as "00000000": century 00, refused.
  const uint64_t top_bad = (c16 - '0') | ('9' - c16) | (10 - check);
  const uint64_t bad =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bad_vec, _mm_setzero_si128())) ^
                            0xFFFF) |
      (top_bad >> 63) | not_a_date(day);
  return finish_key(
      bad, [&] { return swar_fault(id, valid_from); }, id_part, day, out);
}
#endif

__attribute__((always_inline)) inline KeyFault pack_key(std::string_view id,
                                                        std::string_view valid_from,
                                                        MixedKey* out) {
#if defined(__SSE2__)
  return pack_key_sse2(id, valid_from, out);
#else
  return pack_key_swar(id, valid_from, out);
#endif
}

#if defined(IDR_BLOCKLIST_WIDE)
// Whether this CPU and OS run the IDR_TARGET_WIDE code (AVX-512 F, BW, DQ, VL and VBMI, AVX2,
// BMI2; GCC's and Clang's checks include the OS's support for the AVX-512 registers).
[[nodiscard]] bool wide_path_available();

// pack_keys_wide's constant vectors, made once per batch and kept opaque to the compiler
// (else it rebuilds each from an immediate for every four keys: two instructions each).
struct WideKeyConstants {
  __m512i chars0, low_bytes, ten, nine, px_lo, px_hi, px_weights, tx_weights, ux_weights, lane0s;
  __m256i y_chars0, y_low_bytes, y_ten, y_nine, py_lo, py_hi, py_weights, byte, digit0, letter_x,
      nine64, ten64, eleven, id_base, days372, from_base, date_mask, bit_index, one, mul1, spread,
      mul2;
  IDR_TARGET_WIDE WideKeyConstants() {
    using namespace key_detail;
    chars0 = _mm512_set1_epi8('0');
    low_bytes = _mm512_set1_epi16(0xFF);
    ten = _mm512_set1_epi16(10);
    nine = _mm512_set1_epi8(9);
    px_lo = _mm512_broadcast_i32x4(_mm_setr_epi16(0, 0, 0, 18, 0, 1, 1, 0));
    px_hi = _mm512_broadcast_i32x4(_mm_setr_epi16(99, 99, 99, 21, 99, 12, 31, 99));
    px_weights = _mm512_broadcast_i32x4(_mm_setr_epi16(100, 1, 4, 1, 372, 31, 100, 1));
    tx_weights = _mm512_broadcast_i32x4(_mm_setr_epi32(400, 0, 100, 0));
    ux_weights = _mm512_broadcast_i32x4(_mm_setr_epi32(37200 * 11000, 0, 110, 0));
    lane0s = _mm512_setr_epi64(0, 2, 4, 6, 0, 0, 0, 0);
    y_chars0 = _mm256_set1_epi8('0');
    y_low_bytes = _mm256_set1_epi16(0xFF);
    y_ten = _mm256_set1_epi16(10);
    y_nine = _mm256_set1_epi8(9);
    py_lo = _mm256_set1_epi64x(static_cast<long long>(lanes(19, 0, 1, 1)));
    py_hi = _mm256_set1_epi64x(static_cast<long long>(lanes(21, 99, 12, 31)));
    py_weights = _mm256_set1_epi64x(static_cast<long long>(lanes(100, 1, 31, 1)));
    byte = _mm256_set1_epi64x(0xFF);
    digit0 = _mm256_set1_epi64x('0');
    letter_x = _mm256_set1_epi64x('X');
    nine64 = _mm256_set1_epi64x(9);
    ten64 = _mm256_set1_epi64x(10);
    eleven = _mm256_set1_epi64x(11);
    id_base = _mm256_set1_epi64x(static_cast<long long>((uint64_t{1800} * 372 + 31 + 1) * 11000));
    days372 = _mm256_set1_epi64x(372);
    from_base = _mm256_set1_epi64x(1900 * 372 + 31 + 1);
    date_mask = _mm256_set1_epi64x(static_cast<long long>(kDateMask));
    bit_index = _mm256_set1_epi64x(63);
    one = _mm256_set1_epi64x(1);
    mul1 = _mm256_set1_epi64x(static_cast<long long>(kMul1));
    spread = _mm256_set1_epi64x(static_cast<long long>(kTopSpread));
    mul2 = _mm256_set1_epi64x(static_cast<long long>(kMul2));
    for (__m512i* v : {&chars0, &low_bytes, &ten, &nine, &px_lo, &px_hi, &px_weights, &tx_weights,
                       &ux_weights, &lane0s})
      __asm__("" : "+m"(*v));
    for (__m256i* v :
         {&y_chars0,  &y_low_bytes, &y_ten,  &y_nine, &py_lo,  &py_hi,   &py_weights, &byte,
          &digit0,    &letter_x,    &nine64, &ten64,  &eleven, &id_base, &days372,    &from_base,
          &date_mask, &bit_index,   &one,    &mul1,   &spread, &mul2})
      __asm__("" : "+m"(*v));
  }
};

// Four keys of a batch packed at once (pack_key_sse2's arithmetic for four numbers in the four
// 128-bit lanes of a 512-bit vector; the dates, the last two characters, the calendar check
// and the permutation in the four 64-bit lanes of a 256-bit vector): true when all four are
// keys, with key k's MixedKey in 64-bit lane k of *words and *lows; false when any is not
// (the caller packs those one at a time: the fault, or the key of the others). The same
// rules as pack_key_swar; the tests compare the two on hostile input.
IDR_TARGET_WIDE inline bool pack_keys_wide(const WideKeyConstants& c, const BlocklistQuery* q,
                                           __m256i* words, __m256i* lows) {
  using namespace key_detail;
  const uint64_t size_bad = (q[0].id_number.size() ^ 18) | (q[0].valid_from.size() ^ 8) |
                            (q[1].id_number.size() ^ 18) | (q[1].valid_from.size() ^ 8) |
                            (q[2].id_number.size() ^ 18) | (q[2].valid_from.size() ^ 8) |
                            (q[3].id_number.size() ^ 18) | (q[3].valid_from.size() ^ 8);
  if (size_bad != 0) return false;  // before any load: the loads below need these sizes
  auto id = [&](int k) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q[k].id_number.data()));
  };
  auto from = [&](int k) { return static_cast<long long>(load8(q[k].valid_from.data())); };
  auto last2 = [&](int k) {  // characters 16 and 17 of the number
    uint16_t v = 0;
    std::memcpy(&v, q[k].id_number.data() + 16, 2);
    return static_cast<long long>(v);
  };
  // Digits 0..15 of each number minus '0' (lane k: key k), the dates minus '0' (64-bit
  // lanes), characters 16 and 17 (the low 16 bits of 64-bit lanes).
  const __m512i x = _mm512_sub_epi8(
      _mm512_inserti32x4(
          _mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(id(0)), id(1), 1), id(2), 2),
          id(3), 3),
      c.chars0);
  const __m256i y =
      _mm256_sub_epi8(_mm256_setr_epi64x(from(0), from(1), from(2), from(3)), c.y_chars0);
  const __m256i z = _mm256_setr_epi64x(last2(0), last2(1), last2(2), last2(3));
  // Pairs of digits in 16-bit lanes (pack_key_sse2's px and py).
  const __m512i px = _mm512_add_epi16(_mm512_mullo_epi16(_mm512_and_si512(x, c.low_bytes), c.ten),
                                      _mm512_srli_epi16(x, 8));
  const __m256i py = _mm256_add_epi16(
      _mm256_mullo_epi16(_mm256_and_si256(y, c.y_low_bytes), c.y_ten), _mm256_srli_epi16(y, 8));
  // The checks as mask bits: non-digits, pairs out of range (pack_key_sse2's bounds),
  // character 16 a digit, character 17 a digit or 'X'.
  const __m256i d16 = _mm256_sub_epi64(_mm256_and_si256(z, c.byte), c.digit0);
  const __m256i c17 = _mm256_srli_epi64(z, 8);
  const __m256i d17 = _mm256_sub_epi64(c17, c.digit0);
  const __mmask8 last_x = _mm256_cmpeq_epi64_mask(c17, c.letter_x);
  const uint64_t bad =
      _mm512_cmpgt_epu8_mask(x, c.nine) | _mm256_cmpgt_epu8_mask(y, c.y_nine) |
      (_mm512_cmplt_epi16_mask(px, c.px_lo) | _mm512_cmpgt_epi16_mask(px, c.px_hi)) |
      (_mm256_cmplt_epi16_mask(py, c.py_lo) | _mm256_cmpgt_epi16_mask(py, c.py_hi)) |
      _mm256_cmpgt_epu64_mask(d16, c.nine64) |
      static_cast<unsigned>(_mm256_cmpgt_epu64_mask(d17, c.nine64) & ~last_x);
  // The number: pack_key_sse2's weighted sums in each 128-bit lane, the sum of each lane's
  // two 64-bit halves gathered into 64-bit lane k, then characters 16 and 17.
  const __m512i sx = _mm512_madd_epi16(px, c.px_weights);
  const __m512i tx =
      _mm512_add_epi64(_mm512_mul_epu32(sx, c.tx_weights), _mm512_srli_epi64(sx, 32));
  const __m512i ux = _mm512_mul_epu32(tx, c.ux_weights);
  const __m256i sums = _mm512_castsi512_si256(
      _mm512_permutexvar_epi64(c.lane0s, _mm512_add_epi64(ux, _mm512_unpackhi_epi64(ux, ux))));
  const __m256i check = _mm256_mask_blend_epi64(last_x, d17, c.ten64);
  const __m256i id_part = _mm256_sub_epi64(
      _mm256_add_epi64(sums, _mm256_add_epi64(_mm256_mullo_epi64(d16, c.eleven), check)),
      c.id_base);
  // The valid-from date's number, its calendar bit (one gathered word of the table per key).
  const __m256i sy = _mm256_madd_epi16(py, c.py_weights);
  const __m256i day = _mm256_and_si256(
      _mm256_sub_epi64(_mm256_add_epi64(_mm256_mul_epu32(sy, c.days372), _mm256_srli_epi64(sy, 32)),
                       c.from_base),
      c.date_mask);
  const __m256i date_word = _mm256_i64gather_epi64(
      reinterpret_cast<const long long*>(kCalendarDates.words), _mm256_srli_epi64(day, 6), 8);
  const uint64_t not_date = _mm256_testn_epi64_mask(
      _mm256_srlv_epi64(date_word, _mm256_and_si256(day, c.bit_index)), c.one);
  if (__builtin_expect((bad | not_date) != 0, 0)) return false;
  // permute() in each 64-bit lane.
  const __m256i hi = _mm256_srli_epi64(id_part, 64 - kDateBits);
  __m256i lo =
      _mm256_mullo_epi64(_mm256_or_si256(_mm256_slli_epi64(id_part, kDateBits), day), c.mul1);
  lo = _mm256_xor_si256(lo, _mm256_srli_epi64(lo, 32));
  lo = _mm256_mullo_epi64(_mm256_xor_si256(lo, _mm256_mullo_epi64(hi, c.spread)), c.mul2);
  *words = lo;
  *lows = hi;
  return true;
}
IDR_WIDE_CODE_END
// pack_keys_wide with the keys stored as MixedKeys (the tests compare it with pack_key_swar);
// only where wide_path_available().
[[nodiscard]] bool pack_keys_wide(const BlocklistQuery* q, MixedKey* keys);
#endif

// pack_key with the reason in words: false with *why set when the number or date is malformed.
[[nodiscard]] bool make_key(std::string_view id, std::string_view valid_from, MixedKey* out,
                            std::string* why = nullptr);
// The inverse: the ID number and valid-from date of a permuted key.
void unmake_key(MixedKey key, std::string* id, std::string* valid_from);

}  // namespace idr::blocklist
