#pragma once
// The host's one hex encoder and one hex decoder: two digits a byte, high nibble first, no
// separators. Encoding: lower case for digests, MACs and raw bytes (journal, revocation
// lists, blocklist deltas, list manifests, message ids, `idr` output); upper case where a
// format says so (the reader serial "IDR-" + 16 digits, signed.h; a chip UID in the fleet
// store). Decoding (revocation list hashes and serials, `idr verify --nonce`): either case
// (an `openssl x509 -fingerprint` prints upper case, this library writes lower case); an
// odd number of digits or any other character (a sign, white space, a separator) is
// refused, never skipped or read as far as it goes. Header-only, so the library, the fleet
// libraries beside it and the `idr` tool share it without exporting a symbol.
// Library-internal: not installed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// The value of one hex digit (0-9, a-f, A-F); -1 for any other character. Not locale
// dependent (unlike std::isxdigit / std::tolower).
[[nodiscard]] constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether `hex` is an even number of hex digits and nothing else (empty is: no bytes).
[[nodiscard]] inline bool is_hex(std::string_view hex) noexcept {
  if (hex.size() % 2 != 0) return false;
  for (const char c : hex)
    if (hex_digit(c) < 0) return false;
  return true;
}

// Exactly n bytes from 2n hex digits into out; false (out untouched) for any other length
// or a character that is not a hex digit.
[[nodiscard]] inline bool from_hex(std::string_view hex, uint8_t* out, size_t n) noexcept {
  if (hex.size() != 2 * n || !is_hex(hex)) return false;
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<uint8_t>(hex_digit(hex[2 * i]) * 16 + hex_digit(hex[2 * i + 1]));
  return true;
}

// The bytes of `hex` (empty for ""); nullopt for an odd length or a character that is not a
// hex digit. A caller that needs a length checks it.
[[nodiscard]] inline std::optional<std::vector<uint8_t>> from_hex(std::string_view hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  if (!from_hex(hex, out.data(), out.size())) return std::nullopt;
  return out;
}

}  // namespace idr::detail
