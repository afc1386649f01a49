// The envelope and ATR of idr/proto/pcsc_envelope.h, without pcscd.
#include <catch2/catch.hpp>
#include <vector>

#include "idr/proto/pcsc_envelope.h"

namespace pcsc = idr::proto::pcsc;
using Bytes = std::vector<uint8_t>;

TEST_CASE("pcsc envelope: ATR layout and TCK (ISO/IEC 7816-3 8.2 and PC/SC Part 3 3.1.3.2.3)") {
  const auto& a = pcsc::kAtr.bytes;
  CHECK(a[0] == 0x3B);                         // TS direct convention
  CHECK((a[1] & 0x0F) == pcsc::kAtrSize - 5);  // K: all bytes but TS T0 TD1 TD2 TCK
  CHECK(a[2] == 0x80);                         // TD1: TD2 follows, T=0
  CHECK(a[3] == 0x01);                         // TD2: T=1, nothing follows
  uint8_t x = 0;
  for (size_t i = 1; i < pcsc::kAtrSize; ++i) x ^= a[i];  // T0..TCK XOR to 0 (8.2.5)
  CHECK(x == 0);
}

TEST_CASE("pcsc envelope: a frame round-trips and anything else gets its status word") {
  const Bytes status = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED};
  uint8_t apdu[pcsc::kMaxCommand];
  const size_t n = pcsc::build_envelope(status.data(), status.size(), apdu, sizeof apdu);
  REQUIRE(n == 7 + status.size() + 2);
  CHECK(Bytes(apdu, apdu + 7) == Bytes{0x80, 0xE0, 0x00, 0x00, 0x00, 0x00, 0x0A});
  CHECK(apdu[n - 2] == 0x00);
  CHECK(apdu[n - 1] == 0x00);
  const uint8_t* frame = nullptr;
  size_t len = 0;
  REQUIRE(pcsc::open_envelope(apdu, n, frame, len) == pcsc::kSwOk);
  CHECK(Bytes(frame, frame + len) == status);

  // Not one complete frame: refused on both sides.
  CHECK(pcsc::build_envelope(status.data(), status.size() - 1, apdu, sizeof apdu) == 0);
  Bytes two = status;
  two.insert(two.end(), status.begin(), status.end());
  CHECK(pcsc::build_envelope(two.data(), two.size(), apdu, sizeof apdu) == 0);
  CHECK(pcsc::build_envelope(status.data(), status.size(), apdu, 10) == 0);  // no room

  Bytes bad(apdu, apdu + n);
  bad[0] = 0x00;
  CHECK(pcsc::open_envelope(bad.data(), bad.size(), frame, len) == pcsc::kSwClaNotSupported);
  bad = Bytes(apdu, apdu + n);
  bad[1] = 0xE1;
  CHECK(pcsc::open_envelope(bad.data(), bad.size(), frame, len) == pcsc::kSwInsNotSupported);
  bad = Bytes(apdu, apdu + n);
  bad[3] = 0x01;
  CHECK(pcsc::open_envelope(bad.data(), bad.size(), frame, len) == pcsc::kSwWrongP1P2);
  bad = Bytes(apdu, apdu + n - 1);  // Le cut
  CHECK(pcsc::open_envelope(bad.data(), bad.size(), frame, len) == pcsc::kSwWrongLength);
  bad = Bytes(apdu, apdu + n);
  bad[6] = 0x09;  // Lc one short
  CHECK(pcsc::open_envelope(bad.data(), bad.size(), frame, len) == pcsc::kSwWrongLength);
  CHECK(frame == nullptr);
  bad = Bytes(apdu, apdu + n);
  bad[n - 1] = 0x20;  // Le 00 20: a reply cut to 32 bytes is refused, not sent in full
  CHECK(pcsc::open_envelope(bad.data(), bad.size(), frame, len) == pcsc::kSwWrongLength);
  CHECK(frame == nullptr);
}
