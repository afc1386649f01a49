// The host's one hex encoder (hostlib/src/core/hex.h): every byte value in both cases, and
// the formats its callers write (digests, the reader serial, a chip UID, \xNN escapes).
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "hex.h"
#include "idr/signed.h"

using idr::detail::append_hex;
using idr::detail::HexCase;
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
