#pragma once
// PC/SC face of the reader (DESIGN 4, pcsc): the reader application is visible as a card
// with its own ATR, and one host-link request frame travels in one envelope APDU whose
// response carries the one reply frame. Shared by the firmware (host board, vpcd link) and
// the host library (pcsc: transport). Header-only; no heap, no exceptions.
//
// ATR (13 + 4 bytes), built like the ATR a PC/SC reader reports for an ISO 14443-4
// contactless card (PC/SC Part 3, 3.1.3.2.3: 3B 8n 80 01 <historical bytes> TCK):
//   3B        TS: direct convention                             (ISO/IEC 7816-3, 8.1)
//   8C        T0: TD1 follows, K = 12 historical bytes          (ISO/IEC 7816-3, 8.2.2)
//   80        TD1: TD2 follows, T=0 (no interface bytes)         (ISO/IEC 7816-3, 8.2.3)
//   01        TD2: nothing follows, T=1
//   80        historical bytes: category 80 = compact-TLV objects follow (ISO/IEC 7816-4, 8.1.1)
//   5A 'IDR-READER'   compact TLV, tag 5 (card issuer's data), length 10
//   TCK       XOR of T0 .. last historical byte (required: T=1 is indicated, 7816-3 8.2.5)
//
// Envelope command APDU (ISO/IEC 7816-4, 5.1: case 4, extended length):
//   CLA 80 | INS E0 | P1 00 | P2 00 | 00 Lc_hi Lc_lo | request frame (Lc bytes) | Le 00 00
// Lc is the size of exactly one complete request frame (AA AA AA 96 69 LEN ...: LEN + 7 ==
// Lc). Le 00 00 = up to 65536 bytes. The response is the reader's one reply frame followed
// by SW 90 00. Other status words (no data):
//   67 00  the APDU is not one extended-length case-4 envelope of one complete frame with
//          Le 00 00 (a smaller Le would ask for a cut reply frame, which is useless)
//   6B 00  P1 P2 not 00 00
//   6D 00  INS not E0 (CLA 80)
//   6E 00  CLA not 80
//   6F 00  the reader produced no reply frame
#include <cstddef>
#include <cstdint>

#include "idr/proto/hostlink.h"

namespace idr::proto::pcsc {

inline constexpr size_t kAtrSize = 17;

struct Atr {
  uint8_t bytes[kAtrSize];
};

// The ATR above, TCK computed.
constexpr Atr make_atr() {
  Atr a{
      {0x3B, 0x8C, 0x80, 0x01, 0x80, 0x5A, 'I', 'D', 'R', '-', 'R', 'E', 'A', 'D', 'E', 'R', 0x00}};
  uint8_t tck = 0;
  for (size_t i = 1; i + 1 < kAtrSize; ++i) tck = static_cast<uint8_t>(tck ^ a.bytes[i]);
  a.bytes[kAtrSize - 1] = tck;
  return a;
}
inline constexpr Atr kAtr = make_atr();

inline constexpr uint8_t kCla = 0x80;
inline constexpr uint8_t kIns = 0xE0;
inline constexpr size_t kCommandHeader = 7;   // CLA INS P1 P2 00 Lc_hi Lc_lo
inline constexpr size_t kCommandTrailer = 2;  // Le_hi Le_lo
inline constexpr size_t kMaxCommand =
    kCommandHeader + ::idr::hostlink::kMaxRequestFrame + kCommandTrailer;
inline constexpr size_t kSwSize = 2;
inline constexpr size_t kMaxResponse = ::idr::hostlink::kMaxReplyFrame + kSwSize;

inline constexpr uint16_t kSwOk = 0x9000;
inline constexpr uint16_t kSwWrongLength = 0x6700;
inline constexpr uint16_t kSwWrongP1P2 = 0x6B00;
inline constexpr uint16_t kSwInsNotSupported = 0x6D00;
inline constexpr uint16_t kSwClaNotSupported = 0x6E00;
inline constexpr uint16_t kSwNoReply = 0x6F00;

// Size of the complete host-link frame at the start of `p` per its preamble and LEN, or 0
// when the bytes do not start with a preamble or are too short to hold the LEN field.
constexpr size_t frame_size(const uint8_t* p, size_t n) {
  if (n < ::idr::hostlink::kHeaderSize) return 0;
  for (size_t i = 0; i < ::idr::hostlink::kPreambleSize; ++i)
    if (p[i] != ::idr::hostlink::kPreamble[i]) return 0;
  const size_t len = static_cast<size_t>((p[::idr::hostlink::kPreambleSize] << 8) |
                                         p[::idr::hostlink::kPreambleSize + 1]);
  return ::idr::hostlink::kHeaderSize + len;
}

// Wraps one request frame; returns the APDU size, 0 when the frame is not exactly one
// complete frame, is larger than kMaxRequestFrame, or `cap` is too small.
constexpr size_t build_envelope(const uint8_t* frame, size_t n, uint8_t* out, size_t cap) {
  if (n == 0 || n > ::idr::hostlink::kMaxRequestFrame || frame_size(frame, n) != n) return 0;
  if (cap < kCommandHeader + n + kCommandTrailer) return 0;
  out[0] = kCla;
  out[1] = kIns;
  out[2] = 0x00;
  out[3] = 0x00;
  out[4] = 0x00;  // extended length marker
  out[5] = static_cast<uint8_t>(n >> 8);
  out[6] = static_cast<uint8_t>(n & 0xFF);
  for (size_t i = 0; i < n; ++i) out[kCommandHeader + i] = frame[i];
  out[kCommandHeader + n] = 0x00;  // Le 00 00: up to 65536 bytes
  out[kCommandHeader + n + 1] = 0x00;
  return kCommandHeader + n + kCommandTrailer;
}

// Checks an envelope; on kSwOk, frame/frame_len name the request frame inside `apdu`.
// Any other result is the status word to answer with.
constexpr uint16_t open_envelope(const uint8_t* apdu, size_t n, const uint8_t*& frame,
                                 size_t& frame_len) {
  frame = nullptr;
  frame_len = 0;
  if (n < 4) return kSwWrongLength;
  if (apdu[0] != kCla) return kSwClaNotSupported;
  if (apdu[1] != kIns) return kSwInsNotSupported;
  if (apdu[2] != 0x00 || apdu[3] != 0x00) return kSwWrongP1P2;
  if (n < kCommandHeader + kCommandTrailer || apdu[4] != 0x00) return kSwWrongLength;
  const size_t lc = static_cast<size_t>((apdu[5] << 8) | apdu[6]);
  if (lc == 0 || n != kCommandHeader + lc + kCommandTrailer) return kSwWrongLength;
  const uint8_t* body = apdu + kCommandHeader;
  if (lc > ::idr::hostlink::kMaxRequestFrame || frame_size(body, lc) != lc) return kSwWrongLength;
  if (body[lc] != 0x00 || body[lc + 1] != 0x00) return kSwWrongLength;  // Le 00 00 only
  frame = body;
  frame_len = lc;
  return kSwOk;
}

}  // namespace idr::proto::pcsc
