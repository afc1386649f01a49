#pragma once
// Host link frames (DESIGN 4, 8): the bytes between the reader and the host, the same on
// every transport (tcp, serial, usb, pcsc envelope). Header-only, no allocation, bounded
// loops: used by the firmware (parse requests, build replies) and by the host library
// (build requests, parse replies).
//
//   host -> reader: AA AA AA 96 69 | LEN (2, big endian) | CMD | PARA | DATA | CHK
//   reader -> host: AA AA AA 96 69 | LEN (2, big endian) | SW1 SW2 SW3 | DATA | CHK
// LEN counts the bytes after it, CHK included. CHK = XOR of the two LEN bytes and every
// byte after LEN up to (not including) CHK. Legacy replies have SW1 = SW2 = 00.
//
// Size bounds (chosen here, DESIGN 4 leaves them open):
//   requests: at most kMaxRequestFrame = 4096 bytes on the wire. The legacy commands carry
//     at most one data byte (61 FF 50); the extension commands (extension.h: provisioning
//     with its certificate upload, READ_SIGNED with a nonce and a field selection) stay
//     within a few KB, so 4 KiB keeps the firmware's receive buffer small and leaves room.
//   replies: at most kMaxReplyFrame = 8192 bytes. The largest legacy reply is 30 10 with
//     2321 bytes; a signed read with fingerprint plus a certificate chain must also fit.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace idr::hostlink {

inline constexpr uint8_t kPreamble[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69};
inline constexpr size_t kPreambleSize = sizeof(kPreamble);
inline constexpr size_t kLenSize = 2;
inline constexpr size_t kHeaderSize = kPreambleSize + kLenSize;  // bytes before the body
inline constexpr size_t kChkSize = 1;

// Requests: body = CMD PARA DATA CHK.
inline constexpr size_t kRequestDataOffset = kHeaderSize + 2;  // DATA starts after CMD PARA
inline constexpr size_t kMinRequestLen = 3;                    // CMD PARA CHK
inline constexpr size_t kMaxRequestFrame = 4096;
inline constexpr size_t kMaxRequestLen = kMaxRequestFrame - kHeaderSize;
inline constexpr size_t kMaxRequestData = kMaxRequestLen - kMinRequestLen;

// Replies: body = SW1 SW2 SW3 DATA CHK.
inline constexpr size_t kReplyDataOffset = kHeaderSize + 3;  // DATA starts after SW1 SW2 SW3
inline constexpr size_t kMinReplyLen = 4;                    // SW1 SW2 SW3 CHK
inline constexpr size_t kMaxReplyFrame = 8192;
inline constexpr size_t kMaxReplyLen = kMaxReplyFrame - kHeaderSize;
inline constexpr size_t kMaxReplyData = kMaxReplyLen - kMinReplyLen;
// A bare status reply (every error, and the OK of reset/status/set baud/61): 11 bytes.
inline constexpr size_t kStatusReplySize = kReplyDataOffset + kChkSize;

// Legacy commands (DESIGN 8). CMD first, PARA second.
namespace cmd {
inline constexpr uint8_t kReset = 0x10;          // PARA FF: reset the SAM
inline constexpr uint8_t kStatus = 0x11;         // PARA FF: SAM status (self-test)
inline constexpr uint8_t kSamId = 0x12;          // PARA FF: 16-byte SAM id
inline constexpr uint8_t kCard = 0x20;           // PARA 01 find, 02 select
inline constexpr uint8_t kRead = 0x30;           // PARA 01 base, 03 address, 10 base + fp
inline constexpr uint8_t kSetBaud = 0x60;        // PARA = baud code (kBaudByCode)
inline constexpr uint8_t kSetMaxRfFrame = 0x61;  // PARA FF, DATA 1 byte (e.g. 50)
// The extension commands of DESIGN 4 (extension.h: device info, certificate chain,
// READ_SIGNED, set time, counter, self-test, provisioning); PARA selects the operation. No
// legacy client sends it. A PARA extension.h does not define, and every PARA on a reader
// built without the extension handler, answers SW3 kCommandError.
inline constexpr uint8_t kExtension = 0xE0;
}  // namespace cmd

namespace para {
inline constexpr uint8_t kNone = 0xFF;  // commands without a parameter
inline constexpr uint8_t kFind = 0x01;
inline constexpr uint8_t kSelect = 0x02;
inline constexpr uint8_t kReadBase = 0x01;             // text + photo
inline constexpr uint8_t kReadAddress = 0x03;          // appended addresses
inline constexpr uint8_t kReadBaseFingerprint = 0x10;  // text + photo + fingerprint
}  // namespace para

// Set baud PARA: 00 115200, 01 57600, 02 38400, 03 19200, 04 9600 (DESIGN 8).
inline constexpr uint32_t kBaudByCode[] = {115200, 57600, 38400, 19200, 9600};
inline constexpr size_t kBaudCodeCount = sizeof(kBaudByCode) / sizeof(kBaudByCode[0]);

// SW3 values (DESIGN 8).
namespace sw3 {
inline constexpr uint8_t kOk = 0x90;
inline constexpr uint8_t kNoSuchContent = 0x91;
inline constexpr uint8_t kFindOk = 0x9F;
inline constexpr uint8_t kChecksumError = 0x10;
inline constexpr uint8_t kLengthError = 0x11;
inline constexpr uint8_t kCommandError = 0x21;
inline constexpr uint8_t kUnauthorized = 0x23;
inline constexpr uint8_t kUnrecognizedError = 0x24;
// Extension commands only (extension.h, DESIGN 11): the reader's stored identity is
// damaged; it signs nothing and accepts no unauthorised provisioning.
inline constexpr uint8_t kIdentityFault = 0x25;
inline constexpr uint8_t kCardRejectedSam = 0x31;  // card failed to authenticate the SAM
inline constexpr uint8_t kSamRejectedCard = 0x32;  // SAM failed to authenticate the card
inline constexpr uint8_t kInfoCheckError = 0x33;
inline constexpr uint8_t kFingerprintCheckError = 0x37;
inline constexpr uint8_t kInfoLengthError = 0x3F;
inline constexpr uint8_t kUnknownCardType = 0x40;
inline constexpr uint8_t kReadFailed = 0x41;
inline constexpr uint8_t kRandomFailed = 0x47;
inline constexpr uint8_t kSelfTestFailed = 0x60;
inline constexpr uint8_t kSamNotAuthorized = 0x66;
inline constexpr uint8_t kFindFailed = 0x80;
inline constexpr uint8_t kSelectFailed = 0x81;
}  // namespace sw3

// XOR over LEN and the body up to CHK: pass a pointer to the first LEN byte and
// count = kLenSize + LEN - kChkSize.
[[nodiscard]] constexpr uint8_t checksum(const uint8_t* from_len, size_t count) {
  uint8_t x = 0;
  for (size_t i = 0; i < count; ++i) x = static_cast<uint8_t>(x ^ from_len[i]);
  return x;
}

// Writes preamble, LEN, the three leading body bytes (CMD PARA or SW1 SW2 SW3... given as
// `lead`, `lead_size` of them) and CHK around `data_len` bytes that are ALREADY in place at
// frame + kHeaderSize + lead_size. Lets a caller read card data straight into its reply
// buffer. Returns the frame size, or 0 if the frame does not fit `cap` or LEN would
// exceed 0xFFFF.
[[nodiscard]] inline size_t seal_frame(uint8_t* frame, size_t cap, const uint8_t* lead,
                                       size_t lead_size, size_t data_len) {
  const size_t len = lead_size + data_len + kChkSize;
  if (len > 0xFFFF || frame == nullptr || cap < kHeaderSize + len) return 0;
  std::memcpy(frame, kPreamble, kPreambleSize);
  frame[kPreambleSize] = static_cast<uint8_t>(len >> 8);
  frame[kPreambleSize + 1] = static_cast<uint8_t>(len & 0xFF);
  for (size_t i = 0; i < lead_size; ++i) frame[kHeaderSize + i] = lead[i];
  const size_t chk_at = kHeaderSize + len - kChkSize;
  frame[chk_at] = checksum(frame + kPreambleSize, chk_at - kPreambleSize);
  return kHeaderSize + len;
}

// Request with DATA already at frame + kRequestDataOffset.
[[nodiscard]] inline size_t seal_request(uint8_t* frame, size_t cap, uint8_t command,
                                         uint8_t parameter, size_t data_len) {
  const uint8_t lead[2] = {command, parameter};
  return seal_frame(frame, cap, lead, sizeof(lead), data_len);
}

// Reply with DATA already at frame + kReplyDataOffset.
[[nodiscard]] inline size_t seal_reply(uint8_t* frame, size_t cap, uint8_t sw1, uint8_t sw2,
                                       uint8_t status3, size_t data_len) {
  const uint8_t lead[3] = {sw1, sw2, status3};
  return seal_frame(frame, cap, lead, sizeof(lead), data_len);
}

// Request from separate data (may be null when data_len is 0; must not overlap `out`).
[[nodiscard]] inline size_t build_request(uint8_t command, uint8_t parameter, const uint8_t* data,
                                          size_t data_len, uint8_t* out, size_t cap) {
  if (out == nullptr || cap < kRequestDataOffset + kChkSize ||
      data_len > cap - kRequestDataOffset - kChkSize || (data == nullptr && data_len != 0))
    return 0;
  if (data_len != 0) std::memcpy(out + kRequestDataOffset, data, data_len);
  return seal_request(out, cap, command, parameter, data_len);
}

// Legacy reply (SW1 = SW2 = 00) from separate data (must not overlap `out`).
[[nodiscard]] inline size_t build_reply(uint8_t status3, const uint8_t* data, size_t data_len,
                                        uint8_t* out, size_t cap) {
  if (out == nullptr || cap < kReplyDataOffset + kChkSize ||
      data_len > cap - kReplyDataOffset - kChkSize || (data == nullptr && data_len != 0))
    return 0;
  if (data_len != 0) std::memcpy(out + kReplyDataOffset, data, data_len);
  return seal_reply(out, cap, 0x00, 0x00, status3, data_len);
}

// The bare 11-byte status reply AA AA AA 96 69 00 04 00 00 SW3 CHK.
[[nodiscard]] inline size_t build_status_reply(uint8_t status3, uint8_t* out, size_t cap) {
  return build_reply(status3, nullptr, 0, out, cap);
}

// Views of a parsed body (valid until the parser is pushed again).
struct Request {
  uint8_t command;
  uint8_t parameter;
  const uint8_t* data;
  size_t data_len;
};

struct Reply {
  uint8_t sw1;
  uint8_t sw2;
  uint8_t sw3;
  const uint8_t* data;
  size_t data_len;
};

enum class ParseEvent : uint8_t {
  kNone,         // need more bytes
  kFrame,        // a complete frame with a correct CHK: body() is valid
  kBadChecksum,  // a complete frame whose CHK is wrong: body() holds it anyway
  kBadLength,    // LEN below MinLen or above MaxLen: the frame is abandoned at LEN
};

// Incremental parser of a byte stream into frames. Bytes before a preamble are skipped;
// a partial preamble followed by a real one still finds the real one. After any event the
// parser hunts for the next preamble again (resynchronisation). It never blocks and never
// reads past what it is given; timeouts (a frame cut short) are the caller's business:
// call reset() when the line has been silent too long in the middle of a frame.
template <size_t MaxLen, size_t MinLen>
class FrameParser {
  static_assert(MinLen >= kChkSize && MinLen <= MaxLen && MaxLen <= 0xFFFF,
                "LEN bounds must fit the two-byte LEN field");

 public:
  static constexpr size_t kMaxLen = MaxLen;
  static constexpr size_t kMinLen = MinLen;

  // Feeds one byte.
  [[nodiscard]] ParseEvent push(uint8_t byte) {
    switch (state_) {
      case State::kHunting:
        matched_ = next_match(matched_, byte);
        if (matched_ == kPreambleSize) {
          matched_ = 0;
          state_ = State::kLenHigh;
        }
        return ParseEvent::kNone;
      case State::kLenHigh:
        len_ = static_cast<uint16_t>(byte << 8);
        state_ = State::kLenLow;
        return ParseEvent::kNone;
      case State::kLenLow:
        len_ = static_cast<uint16_t>(len_ | byte);
        if (len_ < MinLen || len_ > MaxLen) {
          state_ = State::kHunting;
          return ParseEvent::kBadLength;
        }
        got_ = 0;
        state_ = State::kBody;
        return ParseEvent::kNone;
      case State::kBody:
        body_[got_++] = byte;
        if (got_ < len_) return ParseEvent::kNone;
        state_ = State::kHunting;
        return frame_checksum_ok() ? ParseEvent::kFrame : ParseEvent::kBadChecksum;
    }
    return ParseEvent::kNone;
  }

  // Feeds bytes until the first event (or all of them). Returns how many were consumed;
  // the caller handles `event` and feeds the rest afterwards.
  [[nodiscard]] size_t push(const uint8_t* data, size_t size, ParseEvent& event) {
    event = ParseEvent::kNone;
    for (size_t i = 0; i < size; ++i) {
      event = push(data[i]);
      if (event != ParseEvent::kNone) return i + 1;
    }
    return size;
  }

  // Drops any partial frame (and partial preamble).
  void reset() {
    state_ = State::kHunting;
    matched_ = 0;
  }

  // True while part of a frame (or of its preamble) has been seen.
  [[nodiscard]] bool mid_frame() const { return state_ != State::kHunting || matched_ != 0; }

  // LEN of the frame of the last event.
  [[nodiscard]] uint16_t len() const { return len_; }
  // Body without CHK (after kFrame / kBadChecksum).
  [[nodiscard]] const uint8_t* body() const { return body_; }
  [[nodiscard]] size_t body_size() const { return len_ - kChkSize; }

  // The body as a request (needs MinLen >= kMinRequestLen) or as a reply.
  [[nodiscard]] Request request() const {
    static_assert(MinLen >= kMinRequestLen, "a request body is CMD PARA ... CHK");
    return Request{body_[0], body_[1], body_ + 2, body_size() - 2};
  }
  [[nodiscard]] Reply reply() const {
    static_assert(MinLen >= kMinReplyLen, "a reply body is SW1 SW2 SW3 ... CHK");
    return Reply{body_[0], body_[1], body_[2], body_ + 3, body_size() - 3};
  }

 private:
  enum class State : uint8_t { kHunting, kLenHigh, kLenLow, kBody };

  // Longest prefix of the preamble that ends the stream after `byte`, given that the
  // previous `matched` bytes were a prefix (a tiny KMP step; the loops run at most 5x5).
  [[nodiscard]] static size_t next_match(size_t matched, uint8_t byte) {
    if (kPreamble[matched] == byte) return matched + 1;
    // Mismatch: the stream ends in preamble[0..matched) + byte. Find the longest k with
    // preamble[0..k) == preamble[matched-k+1..matched) + byte.
    for (size_t k = matched; k > 0; --k) {
      bool same = kPreamble[k - 1] == byte;
      for (size_t i = 0; same && i + 1 < k; ++i)
        same = kPreamble[i] == kPreamble[matched - k + 1 + i];
      if (same) return k;
    }
    return 0;
  }

  [[nodiscard]] bool frame_checksum_ok() const {
    uint8_t x = static_cast<uint8_t>((len_ >> 8) ^ (len_ & 0xFF));
    x = static_cast<uint8_t>(x ^ checksum(body_, len_ - kChkSize));
    return x == body_[len_ - kChkSize];
  }

  State state_ = State::kHunting;
  size_t matched_ = 0;
  uint16_t len_ = 0;
  size_t got_ = 0;
  uint8_t body_[MaxLen] = {};
};

using RequestParser = FrameParser<kMaxRequestLen, kMinRequestLen>;
using ReplyParser = FrameParser<kMaxReplyLen, kMinReplyLen>;

// Legacy clients parse LEN bytes as signed chars (DESIGN 8): a legacy reply's LEN must
// have its low byte below 0x80.
[[nodiscard]] constexpr bool legacy_len_ok(size_t frame_size) {
  return frame_size >= kHeaderSize && ((frame_size - kHeaderSize) & 0x80) == 0;
}

}  // namespace idr::hostlink
