// The stand-in security primitives: AES-CMAC against RFC 4493, AES-CTR against
// NIST SP 800-38A, and the scheme of sam_link.h round-tripping and failing when tampered.
#include <catch2/catch.hpp>

#include <cstring>
#include <stdexcept>

#include "idr/sim/standin_security.h"

using namespace idr::sim::standin;

namespace {
std::vector<uint8_t> hex(const char* s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; s[i] && s[i + 1];) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(s + i, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}
template <size_t N>
std::array<uint8_t, N> arr(const char* s) {
  const auto v = hex(s);
  if (v.size() != N) throw std::runtime_error("test vector of the wrong size");
  std::array<uint8_t, N> a{};
  std::memcpy(a.data(), v.data(), N);
  return a;
}
const Key kRfcKey = arr<16>("2b7e1516 28aed2a6 abf71588 09cf4f3c");
const auto kRfcMsg =
    hex("6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51 "
        "30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710");
}  // namespace

TEST_CASE("AES-CMAC matches the RFC 4493 section 4 examples", "[standin]") {
  struct Case {
    size_t len;
    const char* mac;
  };
  for (const Case c : {Case{0, "bb1d6929 e9593728 7fa37d12 9b756746"},
                       Case{16, "070a16b4 6b4d4144 f79bdd9d d04a287c"},
                       Case{40, "dfa66747 de9ae630 30ca3261 1497c827"},
                       Case{64, "51f0bebf 7e3b9d92 fc497417 79363cfe"}}) {
    INFO("message length " << c.len);
    CHECK(aes_cmac(kRfcKey, kRfcMsg.data(), c.len) == arr<16>(c.mac));
  }
}

TEST_CASE("AES-CTR matches NIST SP 800-38A F.5.1", "[standin]") {
  const Block iv = arr<16>("f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff");
  const auto c = aes_ctr(kRfcKey, iv, kRfcMsg.data(), 32);
  CHECK(c == hex("874d6191 b620e326 1bef6864 990db6ce 9806f66b 7970fdff 8617187b b9fffdff"));
}

TEST_CASE("card key is AES(K_master, UID || ~UID) and differs per UID", "[standin]") {
  const Keys k = default_keys();
  CHECK(std::memcmp(k.master.data(), "IDR open master!", 16) == 0);
  CHECK(std::memcmp(k.issuer.data(), "IDR open issuer!", 16) == 0);
  const Uid uid{1, 2, 3, 4, 5, 6, 7, 8};
  Block in{1, 2, 3, 4, 5, 6, 7, 8, 0xFE, 0xFD, 0xFC, 0xFB, 0xFA, 0xF9, 0xF8, 0xF7};
  CHECK(card_key(k.master, uid) == aes_encrypt(k.master, in));
  CHECK(card_key(k.master, uid) != card_key(k.master, Uid{1, 2, 3, 4, 5, 6, 7, 9}));
}

TEST_CASE("session keys follow sam_link.h and the two directions differ", "[standin]") {
  const Key kc = card_key(default_keys().master, Uid{9, 9, 9, 9, 9, 9, 9, 9});
  const Block rnd_s = arr<16>("00112233445566778899aabbccddeeff");
  const std::array<uint8_t, 8> rnd_c{0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7};
  const SessionKeys sk = session_keys(kc, rnd_s, rnd_c);
  CHECK(sk.enc == aes_encrypt(kc, arr<16>("0011223344556677a0a1a2a3a4a5a6a7")));
  CHECK(sk.mac == aes_encrypt(kc, arr<16>("a0a1a2a3a4a5a6a70011223344556677")));
  CHECK(external_auth_cryptogram(kc, rnd_c, rnd_s) == sk.mac);  // same input block by design
}

TEST_CASE("wrap_read round-trips and rejects any flipped bit", "[standin]") {
  const SessionKeys sk{arr<16>("000102030405060708090a0b0c0d0e0f"),
                       arr<16>("101112131415161718191a1b1c1d1e1f")};
  std::vector<uint8_t> plain(0xE6);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<uint8_t>(i * 7);
  const auto body = wrap_read(sk, 0x01, 0x00E6, plain.data(), plain.size());
  REQUIRE(body.size() == plain.size() + 8);
  CHECK(std::vector<uint8_t>(body.begin(), body.begin() + 0xE6) != plain);  // encrypted
  auto back = unwrap_read(sk, 0x01, 0x00E6, body.data(), body.size());
  REQUIRE(back);
  CHECK(*back == plain);
  // The MAC binds the file and the offset too.
  CHECK_FALSE(unwrap_read(sk, 0x02, 0x00E6, body.data(), body.size()));
  CHECK_FALSE(unwrap_read(sk, 0x01, 0x0000, body.data(), body.size()));
  for (size_t bit : {0u, 8u * 100u + 3u, 8u * (0xE6u + 7u) + 7u}) {
    auto t = body;
    t[bit / 8] = static_cast<uint8_t>(t[bit / 8] ^ (1u << (bit % 8)));
    CHECK_FALSE(unwrap_read(sk, 0x01, 0x00E6, t.data(), t.size()));
  }
}

TEST_CASE("security file: CMAC of base, CMAC of fingerprint or zeros", "[standin]") {
  const Key ki = default_keys().issuer;
  std::vector<uint8_t> base(1280, 0x11), fp(512, 0x22);
  const auto with = security_file(ki, base.data(), base.size(), fp.data(), fp.size());
  const auto without = security_file(ki, base.data(), base.size(), nullptr, 0);
  const Block mb = aes_cmac(ki, base.data(), base.size());
  const Block mf = aes_cmac(ki, fp.data(), fp.size());
  CHECK(std::memcmp(with.data(), mb.data(), 16) == 0);
  CHECK(std::memcmp(with.data() + 16, mf.data(), 16) == 0);
  CHECK(std::memcmp(without.data(), mb.data(), 16) == 0);
  CHECK(std::all_of(without.begin() + 16, without.end(), [](uint8_t b) { return b == 0; }));
}
