#pragma once
// The host's one hex encoder: two digits a byte, high nibble first, no separators. Lower
// case for digests, MACs and raw bytes (journal, revocation lists, blocklist deltas, list
// manifests, message ids, `idr` output); upper case where a format says so (the reader
// serial "IDR-" + 16 digits, signed.h; a chip UID in the fleet store). Header-only, so the
// library, the fleet libraries beside it and the `idr` tool share it without exporting a
// symbol. Library-internal: not installed.
#include <cstddef>
#include <cstdint>
#include <string>

namespace idr::detail {

enum class HexCase : uint8_t { Lower, Upper };

// Appends the n bytes at p to out.
inline void append_hex(std::string& out, const uint8_t* p, size_t n,
                       HexCase hex_case = HexCase::Lower) {
  const char* digits = hex_case == HexCase::Upper ? "0123456789ABCDEF" : "0123456789abcdef";
  out.reserve(out.size() + 2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 0x0F];
  }
}

// The n bytes at p as 2n digits.
[[nodiscard]] inline std::string to_hex(const uint8_t* p, size_t n,
                                        HexCase hex_case = HexCase::Lower) {
  std::string out;
  append_hex(out, p, n, hex_case);
  return out;
}

}  // namespace idr::detail
