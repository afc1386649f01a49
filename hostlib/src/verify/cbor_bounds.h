#pragma once
// A bounded walk over CBOR bytes before libcbor sees them (DESIGN 11): libcbor 0.8 allocates
// what a head declares (an array of 2^32 items from 5 bytes), so every declared length and
// count is first proven by the bytes present. Also refused here: indefinite lengths, heads
// longer than needed (extension.h: deterministic encoding), reserved additional-information
// values, nesting deeper than kMaxCborDepth, more than kMaxCborItems items (a record has a few
// hundred at most; libcbor spends about 50 bytes on each) and text strings that are not
// strict UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>

namespace idr::detail {

inline constexpr size_t kMaxCborDepth = 16;
inline constexpr size_t kMaxCborItems = 1024;

// The size of the one well-formed item at the start of [data, data + size), or 0 with `why`
// set to the first thing wrong (and the byte offset where it is). Never allocates.
[[nodiscard]] size_t cbor_item_size(const uint8_t* data, size_t size, std::string& why);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF, no truncated sequence.
[[nodiscard]] bool valid_utf8(const uint8_t* p, size_t n);

}  // namespace idr::detail
