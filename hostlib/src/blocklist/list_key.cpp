// Dense packing and the Feistel permutation of list keys (list_key.h).
#include "list_key.h"

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

// The value of the `n` decimal digits at `p`; returns nonzero when one is not a digit. No
// branch per character (a lookup parses 25 of them), so calls can be or-ed together.
inline unsigned non_digits(const char* p, size_t n, uint64_t* v) {
  uint64_t x = 0;
  unsigned bad = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(p[i])) - '0';
    bad |= d > 9 ? 1u : 0u;
    x = x * 10 + d;
  }
  *v = x;
  return bad;
}

bool leap(uint64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
uint64_t month_days(uint64_t y, uint64_t m) {
  static constexpr uint64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Days since 1900-01-01 (proleptic Gregorian), closed form (the civil-from-days method:
// 400-year eras of 146097 days, years starting in March so leap days fall last).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = y / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe;
}
const int64_t kEpoch1900 = days_from_civil(1900, 1, 1);

uint64_t days_from(uint64_t y, uint64_t m, uint64_t d) {
  return static_cast<uint64_t>(
      days_from_civil(static_cast<int64_t>(y), static_cast<int64_t>(m), static_cast<int64_t>(d)) -
      kEpoch1900);
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

bool fail(std::string* why, const char* text) {
  if (why) *why = text;
  return false;
}

}  // namespace

bool make_key(std::string_view id, std::string_view valid_from, MixedKey* out, std::string* why) {
  uint64_t region = 0, y = 0, m = 0, d = 0, order = 0;
  if (id.size() != 18) return fail(why, "the ID number must have 18 characters");
  const char* p = id.data();
  if ((non_digits(p, 6, &region) | non_digits(p + 6, 4, &y) | non_digits(p + 10, 2, &m) |
       non_digits(p + 12, 2, &d) | non_digits(p + 14, 3, &order)) != 0)
    return fail(why, "the first 17 characters of the ID number must be digits");
  uint64_t check = 0;
  if (p[17] == 'X') {
    check = 10;
  } else if (non_digits(p + 17, 1, &check) != 0) {
    return fail(why, "the 18th character must be a digit or upper-case 'X'");
  }
  if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31)
    return fail(why, "digits 7-14 of the ID number are not a birth date (1800..2199)");
  uint64_t vy = 0, vm = 0, vd = 0;
  const char* v = valid_from.data();
  if (valid_from.size() != 8 ||
      (non_digits(v, 4, &vy) | non_digits(v + 4, 2, &vm) | non_digits(v + 6, 2, &vd)) != 0 ||
      vy < 1900 || vy > 2155 || vm < 1 || vm > 12 || vd < 1 || vd > month_days(vy, vm))
    return fail(why, "valid_from must be a date YYYYMMDD in 1900..2155");
  const uint64_t birth = (y - 1800) * 372 + (m - 1) * 31 + (d - 1);
  const uint64_t id_part = ((region * kBirthSpan + birth) * 1000 + order) * 11 + check;  // < 2^51
  uint64_t hi = id_part >> (kHalfBits - kDateBits);
  uint64_t lo = ((id_part << kDateBits) | days_from(vy, vm, vd)) & kHalfMask;
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
