// CBOR encoder and reader of protocol/ (idr/proto/cbor.h, shared by firmware and hostlib)
// against RFC 8949 Appendix A (examples of encoded data items).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "idr/proto/cbor.h"
#include "idr/testing/crypto_rig.h"

using CborReader = idr::cbor::Reader;
using CborWriter = idr::cbor::Writer;
using idr::testing::from_hex;

namespace {

struct ByteView {  // what Reader::bytes hands out
  const uint8_t* data = nullptr;
  size_t size = 0;
};

template <typename F>
std::vector<uint8_t> encode(F&& f) {
  std::vector<uint8_t> buf(64);
  CborWriter w(buf.data(), buf.size());
  f(w);
  REQUIRE(w.ok());
  buf.resize(w.size());
  return buf;
}

}  // namespace

TEST_CASE("CBOR unsigned and negative integers match RFC 8949 Appendix A") {
  struct Case {
    int64_t value;
    const char* hex;
  };
  const Case cases[] = {{0, "00"},
                        {1, "01"},
                        {10, "0a"},
                        {23, "17"},
                        {24, "1818"},
                        {25, "1819"},
                        {100, "1864"},
                        {1000, "1903e8"},
                        {1000000, "1a000f4240"},
                        {1000000000000, "1b000000e8d4a51000"},
                        {-1, "20"},
                        {-10, "29"},
                        {-100, "3863"},
                        {-1000, "3903e7"}};
  for (const Case& c : cases) {
    INFO("value " << c.value);
    CHECK(encode([&](CborWriter& w) { w.integer(c.value); }) == from_hex(c.hex));
  }
  CHECK(encode([](CborWriter& w) { w.uint(18446744073709551615ull); }) ==
        from_hex("1bffffffffffffffff"));
  // ES256's algorithm id -7 (RFC 9053 2.1) in the protected header.
  CHECK(encode([](CborWriter& w) { w.integer(-7); }) == from_hex("26"));
}

TEST_CASE("CBOR simple values, strings, arrays, maps and tags match RFC 8949 Appendix A") {
  CHECK(encode([](CborWriter& w) { w.boolean(false); }) == from_hex("f4"));
  CHECK(encode([](CborWriter& w) { w.boolean(true); }) == from_hex("f5"));
  CHECK(encode([](CborWriter& w) { w.bytes(nullptr, 0); }) == from_hex("40"));
  const uint8_t four[] = {1, 2, 3, 4};
  CHECK(encode([&](CborWriter& w) { w.bytes(four, 4); }) == from_hex("4401020304"));
  CHECK(encode([](CborWriter& w) { w.text(""); }) == from_hex("60"));
  CHECK(encode([](CborWriter& w) { w.text("a"); }) == from_hex("6161"));
  CHECK(encode([](CborWriter& w) { w.text("IETF"); }) == from_hex("6449455446"));
  CHECK(encode([](CborWriter& w) { w.text("\xc3\xbc"); }) == from_hex("62c3bc"));  // "ü"
  CHECK(encode([](CborWriter& w) { w.array(0); }) == from_hex("80"));
  CHECK(encode([](CborWriter& w) {
          w.array(3);
          w.uint(1);
          w.uint(2);
          w.uint(3);
        }) == from_hex("83010203"));
  CHECK(encode([](CborWriter& w) { w.map(0); }) == from_hex("a0"));
  CHECK(encode([](CborWriter& w) {
          w.map(2);
          w.uint(1);
          w.uint(2);
          w.uint(3);
          w.uint(4);
        }) == from_hex("a201020304"));
  CHECK(encode([](CborWriter& w) {
          w.map(2);
          w.text("a");
          w.uint(1);
          w.text("b");
          w.array(2);
          w.uint(2);
          w.uint(3);
        }) == from_hex("a26161016162820203"));
  CHECK(encode([](CborWriter& w) {
          w.tag(1);
          w.uint(1363896240);
        }) == from_hex("c11a514b67b0"));
}

TEST_CASE("CBOR byte string heads use the shortest length form") {
  std::vector<uint8_t> buf(400);
  CborWriter w(buf.data(), buf.size());
  w.bytes_head(23);
  w.bytes_head(24);
  w.bytes_head(256);
  REQUIRE(w.ok());
  buf.resize(w.size());
  CHECK(buf == from_hex("5758185901"
                        "00"));
}

TEST_CASE("CBOR writer stops at the end of its buffer and reports it") {
  uint8_t buf[4] = {0xEE, 0xEE, 0xEE, 0xEE};
  CborWriter w(buf, 3);
  w.uint(1);
  CHECK(w.ok());
  const uint8_t data[] = {9, 9, 9};
  w.bytes(data, 3);  // head fits, body does not
  CHECK_FALSE(w.ok());
  w.uint(2);
  CHECK_FALSE(w.ok());
  CHECK(w.size() <= 3);
  CHECK(buf[3] == 0xEE);
}

TEST_CASE("CBOR reader takes an array of byte strings and rejects what it cannot take") {
  const auto input = from_hex(
      "824401020304"
      "5818"
      "000102030405060708090a0b0c0d0e0f1011121314151617");
  CborReader r(input.data(), input.size());
  size_t count = 0;
  REQUIRE(r.array(count));
  CHECK(count == 2);
  ByteView a{};
  ByteView b{};
  REQUIRE(r.bytes(a.data, a.size));
  REQUIRE(r.bytes(b.data, b.size));
  CHECK(a.size == 4);
  CHECK(a.data[3] == 4);
  CHECK(b.size == 24);
  CHECK(b.data[23] == 0x17);
  CHECK(r.at_end());

  const auto truncated = from_hex("8144010203");
  CborReader t(truncated.data(), truncated.size());
  REQUIRE(t.array(count));
  CHECK_FALSE(t.bytes(a.data, a.size));

  const auto indefinite = from_hex("9f4101ff");
  CborReader i(indefinite.data(), indefinite.size());
  CHECK_FALSE(i.array(count));

  const auto text = from_hex("6161");
  CborReader x(text.data(), text.size());
  CHECK_FALSE(x.bytes(a.data, a.size));
}
