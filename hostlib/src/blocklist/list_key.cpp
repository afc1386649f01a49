// Dense packing and the Feistel permutation of list keys (list_key.h).
#include "list_key.h"

#include <cstring>

namespace idr::blocklist {
namespace {

constexpr uint64_t kBirthSpan = 400 * 372;  // years 1800..2199 x 12 months x 31 days
constexpr uint64_t kDateBits = 17;          // days since 1900-01-01 up to 2155 < 2^17
constexpr uint64_t kRoundKeys[4] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full,
                                    0x165667B19E3779F9ull, 0xD6E8FEB86659FD93ull};

uint64_t mix(uint64_t x, uint64_t k) {
  // splitmix64 finaliser: every input bit affects every output bit.
  x += k;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return (x ^ (x >> 31)) & kHalfMask;
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "load8 reads the first character low");

// Digits eight at a time (SWAR, one 64-bit word; little-endian host, as list_file.h):
// a lookup parses 26 characters, and a loop of a multiply and a test per character was
// most of its instructions.
constexpr uint64_t kOnes = 0x0101010101010101ull;
inline uint64_t load8(const char* p) {
  uint64_t w = 0;
  std::memcpy(&w, p, 8);
  return w;
}
// True when all 8 bytes of w are ASCII digits: high nibble 3, and adding 6 does not carry
// out of the low nibble (a carry from a non-digit byte can only spoil a result that is
// already false).
inline bool eight_digits(uint64_t w) {
  return (((w & (0xF0 * kOnes)) ^ (0x30 * kOnes)) |
          (((w + 0x06 * kOnes) & (0xF0 * kOnes)) ^ (0x30 * kOnes))) == 0;
}
// The four 2-digit numbers of eight digits, in 16-bit lanes: lane k = the digits at 2k and
// 2k + 1 (each byte times ten cannot carry into the next: digits are <= 9).
inline uint64_t digit_pairs(uint64_t w) {
  const uint64_t x = w - 0x30 * kOnes;
  return (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
}
inline uint64_t lane(uint64_t pairs, unsigned k) {
  return (pairs >> (16 * k)) & 0xFF;
}
inline bool is_digit(char c) {
  return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0' <= 9;
}

bool leap(uint64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}
uint64_t month_days(uint64_t y, uint64_t m) {
  static constexpr uint64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Days since 0000-03-01 (proleptic Gregorian), closed form (the civil-from-days method:
// 400-year eras of 146097 days, years starting in March so leap days fall last).
constexpr int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = y / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe;
}
constexpr int64_t kEpoch1900 = days_from_civil(1900, 1, 1);

// Days since 1900-01-01 of a date a key holds (1900..2155): the same count without eras, in
// unsigned arithmetic, so every division is by a constant and compiles to a multiply (the
// signed form cost four hardware divides on the lookup path).
uint64_t days_from(uint64_t y, uint64_t m, uint64_t d) {
  y -= m <= 2 ? 1 : 0;
  const uint64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const uint64_t days = y * 365 + y / 4 - y / 100 + y / 400 + doy;
  return days - static_cast<uint64_t>(kEpoch1900);
}
void date_from(uint64_t n, uint64_t* y, uint64_t* m, uint64_t* d) {
  const int64_t z = static_cast<int64_t>(n) + kEpoch1900;
  const int64_t era = z / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  const int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<uint64_t>(yoe + era * 400 + (mm <= 2 ? 1 : 0));
  *m = static_cast<uint64_t>(mm);
  *d = static_cast<uint64_t>(dd);
}

void put_digits(std::string& s, uint64_t v, int width) {
  std::string part(static_cast<size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i, v /= 10)
    part[static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
  s += part;
}

// Cold and out of line: GCC otherwise weighed the lookup path against these string
// assignments and compiled its divisions by constants as hardware divides.
__attribute__((cold, noinline)) bool fail(std::string* why, const char* text) {
  if (why) *why = text;
  return false;
}

}  // namespace

bool make_key(std::string_view id, std::string_view valid_from, MixedKey* out, std::string* why) {
  if (id.size() != 18) return fail(why, "the ID number must have 18 characters");
  const char* p = id.data();
  const uint64_t a = load8(p), b = load8(p + 8);
  if (!eight_digits(a) || !eight_digits(b) || !is_digit(p[16]))
    return fail(why, "the first 17 characters of the ID number must be digits");
  if (p[17] != 'X' && !is_digit(p[17]))
    return fail(why, "the 18th character must be a digit or upper-case 'X'");
  const uint64_t pa = digit_pairs(a), pb = digit_pairs(b);
  const uint64_t region = lane(pa, 0) * 10000 + lane(pa, 1) * 100 + lane(pa, 2);
  const uint64_t y = lane(pa, 3) * 100 + lane(pb, 0), m = lane(pb, 1), d = lane(pb, 2);
  const uint64_t order = lane(pb, 3) * 10 + static_cast<uint64_t>(p[16] - '0');
  const uint64_t check = p[17] == 'X' ? 10 : static_cast<uint64_t>(p[17] - '0');
  if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31)
    return fail(why, "digits 7-14 of the ID number are not a birth date (1800..2199)");
  uint64_t vy = 0, vm = 0, vd = 0;
  bool date_ok = valid_from.size() == 8;
  if (date_ok) {
    const uint64_t v = load8(valid_from.data());
    date_ok = eight_digits(v);
    const uint64_t pv = digit_pairs(v);
    vy = lane(pv, 0) * 100 + lane(pv, 1);
    vm = lane(pv, 2);
    vd = lane(pv, 3);
  }
  if (!date_ok || vy < 1900 || vy > 2155 || vm < 1 || vm > 12 || vd < 1 || vd > month_days(vy, vm))
    return fail(why, "valid_from must be a date YYYYMMDD in 1900..2155");
  const uint64_t birth = (y - 1800) * 372 + (m - 1) * 31 + (d - 1);
  const uint64_t id_part = ((region * kBirthSpan + birth) * 1000 + order) * 11 + check;  // < 2^51
  uint64_t hi = id_part >> (kHalfBits - kDateBits);
  uint64_t lo = ((id_part << kDateBits) | days_from(vy, vm, vd)) & kHalfMask;
#pragma GCC unroll 4
  for (uint64_t k : kRoundKeys) {
    const uint64_t next_lo = hi ^ mix(lo, k);
    hi = lo;
    lo = next_lo;
  }
  *out = MixedKey{hi, lo};
  return true;
}

void unmake_key(MixedKey key, std::string* id, std::string* valid_from) {
  uint64_t hi = key.hi, lo = key.lo;
  for (int r = 3; r >= 0; --r) {
    const uint64_t prev_hi = lo ^ mix(hi, kRoundKeys[r]);
    lo = hi;
    hi = prev_hi;
  }
  const uint64_t id_part = (hi << (kHalfBits - kDateBits)) | (lo >> kDateBits);
  const uint64_t days = lo & ((uint64_t{1} << kDateBits) - 1);
  uint64_t rest = id_part;
  const uint64_t check = rest % 11;
  rest /= 11;
  const uint64_t order = rest % 1000;
  rest /= 1000;
  const uint64_t birth = rest % kBirthSpan;
  const uint64_t region = rest / kBirthSpan;
  id->clear();
  put_digits(*id, region, 6);
  put_digits(*id, 1800 + birth / 372, 4);
  put_digits(*id, birth % 372 / 31 + 1, 2);
  put_digits(*id, birth % 31 + 1, 2);
  put_digits(*id, order, 3);
  id->push_back(check == 10 ? 'X' : static_cast<char>('0' + check));
  uint64_t vy = 0, vm = 0, vd = 0;
  date_from(days, &vy, &vm, &vd);
  valid_from->clear();
  put_digits(*valid_from, vy, 4);
  put_digits(*valid_from, vm, 2);
  put_digits(*valid_from, vd, 2);
}

}  // namespace idr::blocklist
