#include "cbor_bounds.h"

namespace idr::detail {

bool valid_utf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;  // below: overlong
      if (b == 0xED) hi = 0x9F;  // above: surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;  // below: overlong
      if (b == 0xF4) hi = 0x8F;  // above: beyond U+10FFFF
    } else {
      return false;  // 0x80..0xC1 (continuation or overlong lead), 0xF5..0xFF
    }
    if (n - i < len) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

size_t cbor_item_size(const uint8_t* data, size_t size, std::string& why) {
  auto fail = [&](const std::string& what, size_t at) -> size_t {
    why = what + " at byte " + std::to_string(at);
    return 0;
  };
  if (data == nullptr || size == 0) {
    why = "empty input";
    return 0;
  }
  // items[d]: items still to walk at nesting level d (level 0: the one top item).
  uint64_t items[kMaxCborDepth + 1] = {1};
  size_t depth = 0;
  size_t pos = 0;
  size_t count = 0;
  for (;;) {
    while (items[depth] == 0) {
      if (depth == 0) return pos;
      --depth;
    }
    --items[depth];
    const size_t at = pos;
    if (++count > kMaxCborItems)
      return fail("more than " + std::to_string(kMaxCborItems) + " CBOR items", at);
    if (pos >= size) return fail("truncated CBOR: an item is missing", at);
    const uint8_t ib = data[pos++];
    const unsigned major = ib >> 5, ai = ib & 0x1F;
    uint64_t arg = ai;
    if (ai == 31) return fail("indefinite length (only definite lengths are allowed)", at);
    if (ai >= 28) return fail("reserved additional information " + std::to_string(ai), at);
    if (ai >= 24) {
      const size_t n = size_t{1} << (ai - 24);
      if (size - pos < n) return fail("truncated CBOR head", at);
      arg = 0;
      for (size_t k = 0; k < n; ++k) arg = (arg << 8) | data[pos++];
      // Deterministic encoding: the shortest head (floats, major 7, keep their width).
      const uint64_t floor = ai == 24 ? 24 : (uint64_t{1} << (8 * (n / 2)));
      if (major != 7 && arg < floor) return fail("CBOR head longer than needed", at);
    }
    const size_t left = size - pos;
    switch (major) {
      case 0:
      case 1:
        break;
      case 2:
      case 3:
        if (arg > left)
          return fail("declared length " + std::to_string(arg) + " exceeds the " +
                          std::to_string(left) + " bytes present",
                      at);
        if (major == 3 && !valid_utf8(data + pos, static_cast<size_t>(arg)))
          return fail("text string is not valid UTF-8", at);
        pos += static_cast<size_t>(arg);
        break;
      case 4:
      case 5: {
        // Every item takes at least one byte, so a count above the bytes left is a lie.
        const uint64_t n = major == 5 ? arg * 2 : arg;
        if (arg > left || n > left)
          return fail("declared count " + std::to_string(arg) + " exceeds the " +
                          std::to_string(left) + " bytes present",
                      at);
        if (n == 0) break;
        if (depth == kMaxCborDepth)
          return fail("nesting deeper than " + std::to_string(kMaxCborDepth), at);
        items[++depth] = n;
        break;
      }
      case 6:
        if (depth == kMaxCborDepth)
          return fail("nesting deeper than " + std::to_string(kMaxCborDepth), at);
        items[++depth] = 1;
        break;
      default:  // 7: simple values and floats, the head is the whole item
        if (ai == 24 && arg < 32) return fail("simple value in two bytes", at);
        break;
    }
  }
}

}  // namespace idr::detail
