#include <catch2/catch.hpp>

#include "idr/proto/simwire.h"

using namespace idr::simwire;

TEST_CASE("sim wire messages round-trip") {
  uint8_t buf[64];
  Writer w(buf, sizeof buf);
  w.begin(Type::UartRead);
  w.u8(kPortSam);
  w.u16(300);
  w.u32(123456);
  const size_t n = w.finish();
  REQUIRE(n == 2 + 1 + 1 + 2 + 4);
  CHECK(buf[0] == n - 2);
  CHECK(buf[1] == 0);
  Reader r(buf + 2, n - 2);
  CHECK(r.type() == static_cast<uint8_t>(Type::UartRead));
  CHECK(r.u8() == kPortSam);
  CHECK(r.u16() == 300);
  CHECK(r.u32() == 123456);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
}

TEST_CASE("sim wire reader fails softly past the end, writer refuses overflow") {
  const uint8_t msg[] = {0x41, 0x01};
  Reader r(msg, sizeof msg);
  (void)r.u8();
  CHECK(r.ok());
  (void)r.u32();
  CHECK_FALSE(r.ok());
  CHECK(r.remaining() == 0);

  uint8_t small[5];
  Writer w(small, sizeof small);
  w.begin(Type::Log);
  w.bytes("toolong", 7);
  CHECK(w.finish() == 0);
}
