#include <catch2/catch.hpp>
#include <vector>

#include "idr/sim/crc_b.h"

using idr::sim::crc_b;

namespace {
// Returns the two CRC bytes in transmission order (LSB first), as DESIGN 6 writes them.
std::vector<uint8_t> crc_bytes(std::vector<uint8_t> data) {
  uint8_t out[2];
  idr::sim::append_crc_b(data.data(), data.size(), out);
  return {out[0], out[1]};
}
}  // namespace

TEST_CASE("CRC_B matches the vectors of DESIGN 6 / ISO 14443-3 Annex B") {
  CHECK(crc_bytes({0x00, 0x00, 0x00}) == std::vector<uint8_t>{0xCC, 0xC6});
  CHECK(crc_bytes({0x0F, 0xAA, 0xFF}) == std::vector<uint8_t>{0xFC, 0xD1});
  CHECK(crc_bytes({0x0A, 0x12, 0x34, 0x56}) == std::vector<uint8_t>{0x2C, 0xF6});
  CHECK(crc_bytes({0x05, 0x00, 0x00}) == std::vector<uint8_t>{0x71, 0xFF});
  CHECK(crc_bytes({0x05, 0x00, 0x08}) == std::vector<uint8_t>{0x39, 0x73});
}

TEST_CASE("check_crc_b accepts a good frame and rejects any single flipped bit") {
  std::vector<uint8_t> frame{0x05, 0x00, 0x00, 0x71, 0xFF};
  REQUIRE(idr::sim::check_crc_b(frame.data(), frame.size()));
  for (size_t byte = 0; byte < frame.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = frame;
      bad[byte] = static_cast<uint8_t>(bad[byte] ^ (1u << bit));
      CHECK_FALSE(idr::sim::check_crc_b(bad.data(), bad.size()));
    }
  }
  CHECK_FALSE(idr::sim::check_crc_b(frame.data(), 1));
}
