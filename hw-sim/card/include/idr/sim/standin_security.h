#pragma once
// The open stand-in for the card's confidential security (DESIGN 6), exactly the scheme
// written down in protocol/include/idr/proto/sam_link.h. One module, used by the card
// model, the SAM model and personalisation, so the two sides can never drift apart.
// All AES-128 through mbedTLS (Debian's libmbedcrypto has MBEDTLS_CMAC_C enabled).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace idr::sim::standin {

using Key = std::array<uint8_t, 16>;
using Block = std::array<uint8_t, 16>;
using Uid = std::array<uint8_t, 8>;

// K_master diversifies card keys; K_issuer MACs the card data at personalisation.
struct Keys {
  Key master{};
  Key issuer{};
};
// The fixed, public test keys: ASCII "IDR open master!" and "IDR open issuer!".
[[nodiscard]] Keys default_keys();

[[nodiscard]] Block aes_encrypt(const Key& key, const Block& in);
// AES-CMAC (RFC 4493), full 16 bytes.
[[nodiscard]] Block aes_cmac(const Key& key, const uint8_t* data, size_t len);
// AES-CTR keystream XOR data; the 16-byte counter block starts at iv and increments
// big-endian over its whole width (NIST SP 800-38A).
[[nodiscard]] std::vector<uint8_t> aes_ctr(const Key& key, const Block& iv, const uint8_t* data,
                                           size_t len);

// Kc = AES-ECB(K_master, UID || (UID xor FF..FF)).
[[nodiscard]] Key card_key(const Key& master, const Uid& uid);
// Card answer to INTERNAL AUTHENTICATE: AES-ECB(Kc, rndS).
[[nodiscard]] Block internal_auth_response(const Key& kc, const Block& rnd_s);
// SAM's EXTERNAL AUTHENTICATE data: AES-ECB(Kc, rndC || rndS[0..8)).
[[nodiscard]] Block external_auth_cryptogram(const Key& kc, const std::array<uint8_t, 8>& rnd_c,
                                             const Block& rnd_s);

struct SessionKeys {
  Key enc{};  // AES-ECB(Kc, rndS[0..8) || rndC)
  Key mac{};  // AES-ECB(Kc, rndC || rndS[0..8))
};
[[nodiscard]] SessionKeys session_keys(const Key& kc, const Block& rnd_s,
                                       const std::array<uint8_t, 8>& rnd_c);

// READ answer body without SW: C || M, C = AES-CTR(Kenc, file || off_hi || off_lo || 0*13)
// over the plain bytes, M = AES-CMAC(Kmac, file || off_hi || off_lo || Le || C)[0..8),
// Le = number of plain bytes (1..255).
[[nodiscard]] std::vector<uint8_t> wrap_read(const SessionKeys& keys, uint8_t file, uint16_t offset,
                                             const uint8_t* plain, size_t len);
// Inverse of wrap_read; nullopt when the MAC is wrong or the body is too short/long.
[[nodiscard]] std::optional<std::vector<uint8_t>> unwrap_read(const SessionKeys& keys, uint8_t file,
                                                              uint16_t offset, const uint8_t* body,
                                                              size_t len);

// File 60 04: AES-CMAC(K_issuer, text || photo) || AES-CMAC(K_issuer, fingerprint), the
// second MAC all zero when the card has no fingerprint.
[[nodiscard]] std::array<uint8_t, 32> security_file(const Key& issuer, const uint8_t* base,
                                                    size_t base_len, const uint8_t* fingerprint,
                                                    size_t fingerprint_len);

// Constant-time equality (DESIGN 5: comparisons of secrets are constant-time).
[[nodiscard]] bool equal_ct(const uint8_t* a, const uint8_t* b, size_t len);

}  // namespace idr::sim::standin
