// The reasons of pack_key (list_key.h) and the inverse of its packing and permutation.
#include "list_key.h"

namespace idr::blocklist {

namespace key_detail {

KeyFault first_fault(bool id_digits, bool id_last, bool birth, bool valid_from) {
  return id_digits    ? KeyFault::IdDigits
         : id_last    ? KeyFault::IdLast
         : birth      ? KeyFault::BirthDate
         : valid_from ? KeyFault::ValidFrom
                      : KeyFault::None;
}

#if defined(__SSE2__)
__attribute__((cold, noinline)) KeyFault swar_fault(std::string_view id,
                                                    std::string_view valid_from) {
  MixedKey unused;
  return pack_key_swar(id, valid_from, &unused);
}
#endif

}  // namespace key_detail

#if defined(IDR_BLOCKLIST_WIDE)
bool wide_path_available() {
  static const bool available =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi") &&
      __builtin_cpu_supports("bmi2");
  return available;
}

IDR_WIDE_CODE_BEGIN
IDR_TARGET_WIDE bool pack_keys_wide(const BlocklistQuery* q, MixedKey* keys) {
  __m256i words, lows;
  if (!pack_keys_wide(WideKeyConstants(), q, &words, &lows)) return false;
  uint64_t w[4], l[4];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(w), words);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(l), lows);
  for (int k = 0; k < 4; ++k) keys[k] = MixedKey{w[k], l[k]};
  return true;
}
IDR_WIDE_CODE_END
#endif

namespace {

void put_digits(std::string& s, uint64_t v, int width) {
  std::string part(static_cast<size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i, v /= 10)
    part[static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
  s += part;
}

// Cold and out of line: the messages stay off the caller's path.
__attribute__((cold, noinline)) bool fail(std::string* why, KeyFault fault) {
  if (!why) return false;
  switch (fault) {
    case KeyFault::IdLength:
      *why = "the ID number must have 18 characters";
      break;
    case KeyFault::IdDigits:
      *why = "the first 17 characters of the ID number must be digits";
      break;
    case KeyFault::IdLast:
      *why = "the 18th character must be a digit or upper-case 'X'";
      break;
    case KeyFault::BirthDate:
      *why = "digits 7-14 of the ID number are not a birth date (1800..2199)";
      break;
    case KeyFault::ValidFrom:
    case KeyFault::None:
      *why = "valid_from must be a date YYYYMMDD in 1900..2155";
      break;
  }
  return false;
}

}  // namespace

bool make_key(std::string_view id, std::string_view valid_from, MixedKey* out, std::string* why) {
  const KeyFault fault = pack_key(id, valid_from, out);
  return fault == KeyFault::None ? true : fail(why, fault);
}

void unmake_key(MixedKey key, std::string* id, std::string* valid_from) {
  using namespace key_detail;
  const u128 packed = unpermute(key.value());
  const uint64_t id_part = static_cast<uint64_t>(packed >> kDateBits);
  const uint64_t from_days = static_cast<uint64_t>(packed) & ((uint64_t{1} << kDateBits) - 1);
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
  valid_from->clear();
  put_digits(*valid_from, 1900 + from_days / 372, 4);
  put_digits(*valid_from, from_days % 372 / 31 + 1, 2);
  put_digits(*valid_from, from_days % 31 + 1, 2);
}

}  // namespace idr::blocklist
