#pragma once
// SAM link: the UART protocol between the reader firmware and its security module (SAM).
// Shared by the firmware's SAM driver and the simulator's SAM model. The firmware treats
// the SAM as a black box: it tunnels card traffic and never holds card keys.
//
// Frame (both directions), in the style of the host link (DESIGN 4):
//   A5 | LEN (2, big endian) | CMD or STATUS | DATA | CHK
// LEN counts the bytes after it, CHK included; CHK = XOR of the two LEN bytes and every
// byte after LEN up to CHK. One reply per request; the SAM never speaks unasked.
//
// Open stand-in security (DESIGN 6), all AES-128:
//   Kc      = AES-ECB(K_master, UID || (UID xor FF..FF))            card key, diversified
//   AUTH_START(uid)       -> APDU 00 88 00 00 10 rndS(16)           INTERNAL AUTHENTICATE
//   card answers AES-ECB(Kc, rndS) || 90 00
//   AUTH_NEXT(card resp)  -> APDU 00 84 00 00 08                    GET CHALLENGE
//                            (status 0x32 if the card's answer is wrong)
//   card answers rndC(8) || 90 00
//   AUTH_NEXT(card resp)  -> APDU 00 82 00 00 10 AES-ECB(Kc, rndC || rndS[0..8))
//   card answers 90 00 (or 63 00: it rejects the SAM)
//   AUTH_NEXT(card resp)  -> empty data: authenticated (status 0x31 if the card said 63 00)
//   session keys: Kenc = AES-ECB(Kc, rndS[0..8) || rndC), Kmac = AES-ECB(Kc, rndC || rndS[0..8))
//   READ 80 B0 off_hi off_lo Le (plain, built by the firmware) answers
//     C = AES-CTR(Kenc, IV = file_id || off_hi || off_lo || 00 * 13)  over Le plain bytes
//     M = AES-CMAC(Kmac, file_id || off_hi || off_lo || Le || C)[0..8)
//     C || M || 90 00
//   UNWRAP(file, offset, card resp) -> plain bytes (status 0x33 if M is wrong)
//   File 60 04 holds AES-CMAC(K_issuer, text || photo) || AES-CMAC(K_issuer, fingerprint)
//   (zeros when the card has no fingerprint). UNWRAP of file 04 makes the SAM check them
//   against the base / fingerprint bytes it unwrapped in this session: status 0x33 on a
//   mismatch, 0x24 if the base file was not read completely first.
#include <cstddef>
#include <cstdint>

namespace idr::sam {

inline constexpr uint8_t kSof = 0xA5;
inline constexpr size_t kHeaderSize = 3;  // SOF + LEN
inline constexpr size_t kMaxData = 300;   // largest DATA: UNWRAP of a 0xE6 chunk + header
inline constexpr size_t kMaxFrame = kHeaderSize + 1 + kMaxData + 1;
inline constexpr uint32_t kPowerUpBaud = 115200;

enum class Cmd : uint8_t {
  GetId = 0x01,      // -> 16 bytes: u16 LE, u16 LE, u32 LE x 3 (DESIGN 8 SAM id)
  Reset = 0x02,      // -> ok; drops any session
  SetBaud = 0x03,    // u32 BE baud (115200, 230400, 460800, 921600) -> ok at the old rate,
                     //    then both sides switch
  SelfTest = 0x04,   // -> ok
  AuthStart = 0x10,  // uid(8) -> APDU for the card
  AuthNext = 0x11,   // card response incl. SW -> next APDU, or empty when authenticated
  Unwrap = 0x20,     // file(1) offset(2 BE) card response incl. SW -> plain bytes
};

// Reply status byte: the legacy SW3 values of DESIGN 8 where one fits.
enum class Reply : uint8_t {
  Ok = 0x90,
  ChecksumError = 0x10,
  LengthError = 0x11,
  CommandError = 0x21,
  StateError = 0x24,       // "unrecognized error": a command out of order
  CardRejectedSam = 0x31,  // card failed to authenticate the SAM
  SamRejectedCard = 0x32,  // SAM failed to authenticate the card
  DataCheckFailed = 0x33,  // session MAC or issuer MAC wrong
  NotAuthorized = 0x66,
};

// XOR checksum over LEN and the body, as the host link.
[[nodiscard]] constexpr uint8_t checksum(const uint8_t* from_len, size_t count) {
  uint8_t x = 0;
  for (size_t i = 0; i < count; ++i) x = static_cast<uint8_t>(x ^ from_len[i]);
  return x;
}

}  // namespace idr::sam
