// The host's one hex encoder and decoder (hostlib/src/core/hex.h): every byte value in both
// cases, the formats its callers write (digests, the reader serial, a chip UID, \xNN
// escapes), and the decoder's one strictness rule (odd lengths and non-hex refused).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "hex.h"
#include "idr/signed.h"

using idr::detail::append_hex;
using idr::detail::from_hex;
using idr::detail::hex_digit;
using idr::detail::HexCase;
using idr::detail::is_hex;
using idr::detail::to_hex;

TEST_CASE("to_hex writes two digits a byte, high nibble first, in either case", "[hex]") {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  const std::string lower = to_hex(all.data(), all.size());
  const std::string upper = to_hex(all.data(), all.size(), HexCase::Upper);
  REQUIRE(lower.size() == 512);
  REQUIRE(upper.size() == 512);
  // An independent encoder: printf's %02x / %02X.
  for (size_t i = 0; i < all.size(); ++i) {
    char x[3], X[3];
    std::snprintf(x, sizeof x, "%02x", static_cast<unsigned>(i));
    std::snprintf(X, sizeof X, "%02X", static_cast<unsigned>(i));
    INFO("byte " << i);
    CHECK(lower.substr(2 * i, 2) == x);
    CHECK(upper.substr(2 * i, 2) == X);
  }
  CHECK(to_hex(all.data(), 0).empty());
  CHECK(to_hex(all.data(), 0, HexCase::Upper).empty());
}

TEST_CASE("append_hex keeps what the string held", "[hex]") {
  const uint8_t digest[4] = {0x00, 0x9f, 0xa0, 0xff};
  std::string id = "IDR-0123456789ABCDEF:7:";  // a message id's prefix (fleet.h)
  append_hex(id, digest, sizeof digest);
  CHECK(id == "IDR-0123456789ABCDEF:7:009fa0ff");

  std::string serial = "IDR-";  // the reader serial: upper case (signed.h)
  append_hex(serial, digest, sizeof digest, HexCase::Upper);
  CHECK(serial == "IDR-009FA0FF");

  std::string escaped = "a\\x";  // a byte escaped as \xNN: lower case
  const uint8_t nul = 0x1b;
  append_hex(escaped, &nul, 1);
  CHECK(escaped == "a\\x1b");

  std::string unchanged = "kept";
  append_hex(unchanged, digest, 0);
  CHECK(unchanged == "kept");
}

TEST_CASE("the reader serial is IDR- and the first 8 bytes of SHA-256(key) in upper case",
          "[hex]") {
  // SHA-256 of 65 zero bytes starts 98ce42deef51d402 (Python: hashlib.sha256(bytes(65)));
  // reader_serial_for writes it with the shared encoder.
  const uint8_t key[idr::kReaderPublicKeySize] = {};
  CHECK(idr::reader_serial_for(key) == "IDR-98CE42DEEF51D402");
}

TEST_CASE("from_hex reads every byte value in either case and round-trips to_hex", "[hex]") {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  for (const HexCase c : {HexCase::Lower, HexCase::Upper}) {
    const auto back = from_hex(to_hex(all.data(), all.size(), c));
    REQUIRE(back.has_value());
    CHECK(*back == all);
  }
  CHECK(from_hex("aBcD").value() == std::vector<uint8_t>{0xab, 0xcd});  // mixed case
  CHECK(from_hex("").value().empty());                                  // no digits: no bytes
  for (const char c : std::string("0123456789abcdefABCDEF")) CHECK(hex_digit(c) >= 0);
}

TEST_CASE("from_hex refuses an odd length and anything that is not a hex digit", "[hex]") {
  // Odd lengths: never a half byte, never the digits before the last.
  for (const char* odd : {"0", "abc", "12345"}) {
    INFO(odd);
    CHECK_FALSE(from_hex(odd).has_value());
  }
  // A sign, a prefix, white space, separators, letters past f, a NUL, a byte above 0x7F:
  // each refused wherever it stands (what sscanf("%2x") or strtoul would have skipped or read).
  for (const std::string& bad :
       {std::string("0g"), std::string("g0"), std::string("+1"), std::string("-1"),
        std::string("0x"), std::string(" 1"), std::string("1 "), std::string("12:34"),
        std::string("12\n"), std::string("zz"), std::string("1\0", 2), std::string("\xc3\xa9"),
        std::string("ab cd")}) {
    INFO(bad);
    CHECK_FALSE(from_hex(bad).has_value());
    CHECK_FALSE(is_hex(bad));
  }
  for (const char c : std::string("gG/:@`x \t-+.")) CHECK(hex_digit(c) == -1);
}

TEST_CASE("from_hex into a fixed size takes exactly 2n digits and leaves out alone otherwise",
          "[hex]") {
  uint8_t out[4] = {1, 2, 3, 4};
  const uint8_t untouched[4] = {1, 2, 3, 4};
  CHECK_FALSE(from_hex("010203", out, 4));      // too short
  CHECK_FALSE(from_hex("0102030405", out, 4));  // too long
  CHECK_FALSE(from_hex("0102030g", out, 4));    // a bad digit at the end
  CHECK(std::equal(out, out + 4, untouched));
  REQUIRE(from_hex("DEADbeef", out, 4));
  CHECK(out[0] == 0xde);
  CHECK(out[1] == 0xad);
  CHECK(out[2] == 0xbe);
  CHECK(out[3] == 0xef);
  CHECK(from_hex("", out, 0));
}
