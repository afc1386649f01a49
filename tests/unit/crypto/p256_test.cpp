// ECDSA P-256 through firmware/crypto: RFC 6979 A.2.5 known answers (P-256, SHA-256),
// key generation, verification, the certificate public-key walk and COSE's Sig_structure.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "idr/crypto/bytes.h"
#include "idr/crypto/cose_sign1.h"
#include "idr/crypto/p256.h"
#include "idr/testing/crypto_rig.h"

namespace crypto = idr::crypto;
using idr::Status;
using idr::testing::from_hex;

namespace {

// RFC 6979 A.2.5: the P-256 key pair.
const char* const kPrivateX = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
const char* const kPublicUx = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6";
const char* const kPublicUy = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";

template <size_t N>
void copy_hex(uint8_t (&out)[N], const std::string& hex) {
  const auto bytes = from_hex(hex);
  REQUIRE(bytes.size() == N);
  std::memcpy(out, bytes.data(), N);
}

void digest_of(const std::string& message, uint8_t (&out)[crypto::kSha256Size]) {
  const crypto::ByteView part{reinterpret_cast<const uint8_t*>(message.data()), message.size()};
  REQUIRE(crypto::sha256(&part, 1, out) == Status::Ok);
}

}  // namespace

TEST_CASE("SHA-256 of \"abc\" is the FIPS 180-2 example value") {
  uint8_t d[32];
  digest_of("abc", d);
  CHECK(std::vector<uint8_t>(d, d + 32) ==
        from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST_CASE("CRC-32 check value (\"123456789\" -> CBF43926)") {
  const char* s = "123456789";
  CHECK(crypto::crc32(reinterpret_cast<const uint8_t*>(s), 9) == 0xCBF43926u);
}

TEST_CASE("RFC 6979 A.2.5 known answers: P-256, SHA-256, messages sample and test") {
  uint8_t priv[32];
  copy_hex(priv, kPrivateX);
  uint8_t pub[65];
  REQUIRE(crypto::public_key_of(priv, pub) == Status::Ok);
  CHECK(std::vector<uint8_t>(pub, pub + 65) == from_hex(std::string("04") + kPublicUx + kPublicUy));

  struct Case {
    const char* message;
    const char* r;
    const char* s;
  };
  const Case cases[] = {
      {"sample", "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
       "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
      {"test", "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
       "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"}};
  idr::testing::SeededRng blinding(99);
  for (const Case& c : cases) {
    INFO("message " << c.message);
    uint8_t digest[32];
    digest_of(c.message, digest);
    uint8_t sig[64];
    REQUIRE(crypto::sign_digest(priv, digest, blinding, sig) == Status::Ok);
    CHECK(std::vector<uint8_t>(sig, sig + 64) == from_hex(std::string(c.r) + c.s));
    CHECK(crypto::verify_digest(pub, digest, sig) == Status::Ok);
    sig[10] ^= 0x01;
    CHECK(crypto::verify_digest(pub, digest, sig) == Status::DataCheckFailed);
  }
}

TEST_CASE("generated keys sign and verify, different RNG seeds give different keys") {
  idr::testing::SeededRng rng_a(1);
  idr::testing::SeededRng rng_b(2);
  uint8_t priv_a[32];
  uint8_t pub_a[65];
  uint8_t priv_b[32];
  uint8_t pub_b[65];
  REQUIRE(crypto::generate_key(rng_a, priv_a, pub_a) == Status::Ok);
  REQUIRE(crypto::generate_key(rng_b, priv_b, pub_b) == Status::Ok);
  CHECK(std::memcmp(pub_a, pub_b, 65) != 0);
  uint8_t derived[65];
  REQUIRE(crypto::public_key_of(priv_a, derived) == Status::Ok);
  CHECK(std::memcmp(derived, pub_a, 65) == 0);
  uint8_t digest[32];
  digest_of("idr", digest);
  uint8_t sig[64];
  REQUIRE(crypto::sign_digest(priv_a, digest, rng_a, sig) == Status::Ok);
  CHECK(crypto::verify_digest(pub_a, digest, sig) == Status::Ok);
  CHECK(crypto::verify_digest(pub_b, digest, sig) == Status::DataCheckFailed);

  idr::testing::SeededRng broken(3);
  broken.fail = true;
  CHECK(crypto::generate_key(broken, priv_b, pub_b) != Status::Ok);
}

TEST_CASE("the public key is found in an X.509 certificate's SubjectPublicKeyInfo") {
  idr::testing::SeededRng rng(5);
  uint8_t priv[32];
  uint8_t pub[65];
  REQUIRE(crypto::generate_key(rng, priv, pub) == Status::Ok);
  idr::testing::TestCa ca;
  const auto der = ca.certify(pub, "CN=IDR-TEST,O=idr");
  crypto::ByteView point{};
  REQUIRE(crypto::certificate_public_key({der.data(), der.size()}, point) == Status::Ok);
  REQUIRE(point.size == 65);
  CHECK(std::memcmp(point.data, pub, 65) == 0);

  // Truncated or not DER at all: refused, never read past the end.
  for (size_t cut : {size_t{0}, size_t{1}, size_t{10}, der.size() / 2, der.size() - 1}) {
    INFO("cut at " << cut);
    std::vector<uint8_t> shorter(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK(crypto::certificate_public_key({shorter.data(), shorter.size()}, point) ==
          Status::Protocol);
  }
}

TEST_CASE("the Sig_structure digest is SHA-256 over [\"Signature1\", h'A10126', h'', payload]") {
  const uint8_t payload[] = {0xA1, 0x61, 0x76, 0x01};  // {"v": 1}
  uint8_t digest[32];
  REQUIRE(crypto::cose::sig_structure_digest({payload, sizeof(payload)}, digest) == Status::Ok);
  // Written out by hand from RFC 9052 4.4: 84 6A "Signature1" 43 A10126 40 44 payload.
  const auto expected_input = from_hex(
      "846a5369676e61747572653143a10126404"
      "4a1617601");
  uint8_t expected[32];
  const crypto::ByteView part{expected_input.data(), expected_input.size()};
  REQUIRE(crypto::sha256(&part, 1, expected) == Status::Ok);
  CHECK(std::memcmp(digest, expected, 32) == 0);
}
