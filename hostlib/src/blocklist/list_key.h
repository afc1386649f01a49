#pragma once
// Keys of the lost/stolen list: (ID number, valid-from date) packed densely into 68 bits,
// then permuted by a 4-round Feistel network so that keys spread evenly over the buckets
// of the file's index (hostlib/src/blocklist/README.md). The permutation is a bijection:
// two different keys never collide, and for_each can recover every key.
#include <cstdint>
#include <string>
#include <string_view>

namespace idr::blocklist {

__extension__ typedef unsigned __int128 u128;  // 68-bit keys; GCC/Clang extension

constexpr unsigned kKeyBits = 68;
constexpr unsigned kHalfBits = 34;
constexpr uint64_t kHalfMask = (uint64_t{1} << kHalfBits) - 1;

// The permuted key as two 34-bit halves (hi = top 34 bits).
struct MixedKey {
  uint64_t hi = 0, lo = 0;
  [[nodiscard]] u128 value() const { return (static_cast<u128>(hi) << kHalfBits) | lo; }
};

// Parses and packs. Returns false with *why set when the number or date is malformed:
// 17 digits + digit/'X', birth year 1800..2199 with month 01-12 and day 01-31 (digits
// 7-14), valid_from a calendar date in 1900..2155.
[[nodiscard]] bool make_key(std::string_view id, std::string_view valid_from, MixedKey* out,
                            std::string* why = nullptr);
// The inverse: the ID number and valid-from date of a permuted key.
void unmake_key(MixedKey key, std::string* id, std::string* valid_from);

}  // namespace idr::blocklist
