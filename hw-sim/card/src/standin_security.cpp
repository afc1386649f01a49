#include "idr/sim/standin_security.h"

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "idr/proto/card_layout.h"

namespace idr::sim::standin {

namespace {

Key key_from_ascii(const char (&text)[17]) {
  Key k{};
  std::memcpy(k.data(), text, 16);
  return k;
}

// The card IV: file || off_hi || off_lo || 00 * 13.
Block read_iv(uint8_t file, uint16_t offset) {
  Block iv{};
  iv[0] = file;
  iv[1] = static_cast<uint8_t>(offset >> 8);
  iv[2] = static_cast<uint8_t>(offset & 0xFF);
  return iv;
}

std::array<uint8_t, card::kSessionMacSize> read_mac(const SessionKeys& keys, uint8_t file,
                                                    uint16_t offset, const uint8_t* c, size_t len) {
  std::vector<uint8_t> msg{file, static_cast<uint8_t>(offset >> 8),
                           static_cast<uint8_t>(offset & 0xFF), static_cast<uint8_t>(len)};
  msg.insert(msg.end(), c, c + len);
  const Block full = aes_cmac(keys.mac, msg.data(), msg.size());
  std::array<uint8_t, card::kSessionMacSize> m{};
  std::memcpy(m.data(), full.data(), m.size());
  return m;
}

}  // namespace

Keys default_keys() {
  return Keys{key_from_ascii("IDR open master!"), key_from_ascii("IDR open issuer!")};
}

Block aes_encrypt(const Key& key, const Block& in) {
  mbedtls_aes_context ctx;
  mbedtls_aes_init(&ctx);
  Block out{};
  int rc = mbedtls_aes_setkey_enc(&ctx, key.data(), 128);
  if (rc == 0) rc = mbedtls_aes_crypt_ecb(&ctx, MBEDTLS_AES_ENCRYPT, in.data(), out.data());
  mbedtls_aes_free(&ctx);
  if (rc != 0)
    throw std::runtime_error("standin: AES-ECB failed: mbedTLS error " + std::to_string(rc));
  return out;
}

Block aes_cmac(const Key& key, const uint8_t* data, size_t len) {
  const mbedtls_cipher_info_t* info = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
  Block out{};
  const int rc = mbedtls_cipher_cmac(info, key.data(), 128, data, len, out.data());
  if (rc != 0)
    throw std::runtime_error("standin: AES-CMAC failed: mbedTLS error " + std::to_string(rc));
  return out;
}

std::vector<uint8_t> aes_ctr(const Key& key, const Block& iv, const uint8_t* data, size_t len) {
  mbedtls_aes_context ctx;
  mbedtls_aes_init(&ctx);
  std::vector<uint8_t> out(len);
  Block counter = iv;
  Block stream{};
  size_t nc_off = 0;
  int rc = mbedtls_aes_setkey_enc(&ctx, key.data(), 128);
  if (rc == 0 && len > 0)
    rc = mbedtls_aes_crypt_ctr(&ctx, len, &nc_off, counter.data(), stream.data(), data, out.data());
  mbedtls_aes_free(&ctx);
  if (rc != 0)
    throw std::runtime_error("standin: AES-CTR failed: mbedTLS error " + std::to_string(rc));
  return out;
}

Key card_key(const Key& master, const Uid& uid) {
  Block in{};
  for (size_t i = 0; i < uid.size(); ++i) {
    in[i] = uid[i];
    in[i + 8] = static_cast<uint8_t>(uid[i] ^ 0xFF);
  }
  return aes_encrypt(master, in);
}

Block internal_auth_response(const Key& kc, const Block& rnd_s) {
  return aes_encrypt(kc, rnd_s);
}

Block external_auth_cryptogram(const Key& kc, const std::array<uint8_t, 8>& rnd_c,
                               const Block& rnd_s) {
  Block in{};
  std::memcpy(in.data(), rnd_c.data(), 8);
  std::memcpy(in.data() + 8, rnd_s.data(), 8);
  return aes_encrypt(kc, in);
}

SessionKeys session_keys(const Key& kc, const Block& rnd_s, const std::array<uint8_t, 8>& rnd_c) {
  Block enc_in{};
  std::memcpy(enc_in.data(), rnd_s.data(), 8);
  std::memcpy(enc_in.data() + 8, rnd_c.data(), 8);
  Block mac_in{};
  std::memcpy(mac_in.data(), rnd_c.data(), 8);
  std::memcpy(mac_in.data() + 8, rnd_s.data(), 8);
  return SessionKeys{aes_encrypt(kc, enc_in), aes_encrypt(kc, mac_in)};
}

std::vector<uint8_t> wrap_read(const SessionKeys& keys, uint8_t file, uint16_t offset,
                               const uint8_t* plain, size_t len) {
  if (len == 0 || len > 0xFF)
    throw std::invalid_argument("standin: wrap_read needs 1..255 plain bytes");
  std::vector<uint8_t> out = aes_ctr(keys.enc, read_iv(file, offset), plain, len);
  const auto m = read_mac(keys, file, offset, out.data(), len);
  out.insert(out.end(), m.begin(), m.end());
  return out;
}

std::optional<std::vector<uint8_t>> unwrap_read(const SessionKeys& keys, uint8_t file,
                                                uint16_t offset, const uint8_t* body, size_t len) {
  if (len <= card::kSessionMacSize || len - card::kSessionMacSize > 0xFF) return std::nullopt;
  const size_t n = len - card::kSessionMacSize;
  const auto m = read_mac(keys, file, offset, body, n);
  if (!equal_ct(m.data(), body + n, m.size())) return std::nullopt;
  return aes_ctr(keys.enc, read_iv(file, offset), body, n);
}

std::array<uint8_t, 32> security_file(const Key& issuer, const uint8_t* base, size_t base_len,
                                      const uint8_t* fingerprint, size_t fingerprint_len) {
  std::array<uint8_t, 32> out{};
  const Block b = aes_cmac(issuer, base, base_len);
  std::memcpy(out.data(), b.data(), 16);
  if (fingerprint_len > 0) {
    const Block f = aes_cmac(issuer, fingerprint, fingerprint_len);
    std::memcpy(out.data() + 16, f.data(), 16);
  }
  return out;
}

bool equal_ct(const uint8_t* a, const uint8_t* b, size_t len) {
  uint8_t diff = 0;
  for (size_t i = 0; i < len; ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace idr::sim::standin
