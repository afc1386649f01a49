#pragma once
// Minimal CBOR (RFC 8949) for the signed-read records and the certificate chain
// (extension.h), the one encoder of the system: the firmware writes records with it and the
// host library writes record files and ProvisionCerts chains with it (its decoding is
// libcbor's). Deterministic encoding (section 4.2.1): definite lengths, shortest argument
// form. Header-only, freestanding: no allocation, no recursion.
//
// Writer never writes past its buffer: once something does not fit it sets a sticky
// overflow flag and ignores further writes, so a caller encodes a whole structure and
// checks ok() once. Given a Sink, the buffer is only a window: what fills it is handed to
// the sink and the window starts over, so a structure of any size streams through a few
// bytes of RAM (the firmware hashes and sends its signed records that way). Reader reads the few
// shapes the reader firmware accepts from the host (the certificate chain: an array of byte
// strings).
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace idr::cbor {

// Major types (RFC 8949 3.1).
inline constexpr uint8_t kUint = 0;
inline constexpr uint8_t kNint = 1;
inline constexpr uint8_t kBytes = 2;
inline constexpr uint8_t kText = 3;
inline constexpr uint8_t kArray = 4;
inline constexpr uint8_t kMap = 5;
inline constexpr uint8_t kTag = 6;
inline constexpr uint8_t kSimple = 7;

inline constexpr size_t kMaxHeadSize = 9;

// Size of the head (initial byte + argument) for an argument value (RFC 8949 3).
[[nodiscard]] constexpr size_t head_size(uint64_t arg) {
  return arg < 24 ? 1 : arg <= 0xFF ? 2 : arg <= 0xFFFF ? 3 : arg <= 0xFFFFFFFFull ? 5 : 9;
}

// The head of an item in its shortest form (RFC 8949 4.2.1): the argument in the initial
// byte below 24, else in 1, 2, 4 or 8 big-endian bytes. Returns the head's size.
inline size_t encode_head(uint8_t major, uint64_t arg, uint8_t (&out)[kMaxHeadSize]) {
  const size_t n = head_size(arg);
  const auto mt = static_cast<uint8_t>(major << 5);
  if (n == 1) {
    out[0] = static_cast<uint8_t>(mt | arg);
    return 1;
  }
  const size_t extra = n - 1;  // 1, 2, 4 or 8
  const uint8_t ai = extra == 1 ? 24 : extra == 2 ? 25 : extra == 4 ? 26 : 27;
  out[0] = static_cast<uint8_t>(mt | ai);
  for (size_t i = 0; i < extra; ++i)
    out[1 + i] = static_cast<uint8_t>(arg >> (8 * (extra - 1 - i)));
  return n;
}

// Where a streaming Writer hands its bytes, in order.
class Sink {
 public:
  virtual void emit(const uint8_t* data, size_t len) = 0;

 protected:
  ~Sink() = default;
};

// Encodes into a caller's buffer, or through it into a Sink.
class Writer {
 public:
  Writer(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}
  // Streaming: buf[0..cap) is a window; call flush() at the end. reserve() is refused
  // (nothing stays addressable), raw data larger than the window goes straight through.
  Writer(uint8_t* buf, size_t cap, Sink& sink) : buf_(buf), cap_(cap), sink_(&sink) {}

  void uint(uint64_t v) { head(kUint, v); }
  // Any signed integer: negative ones as major type 1 (-1 - n).
  void integer(int64_t v) {
    if (v >= 0)
      head(kUint, static_cast<uint64_t>(v));
    else
      head(kNint, static_cast<uint64_t>(-(v + 1)));  // no overflow for INT64_MIN
  }
  void bytes(const uint8_t* data, size_t len) {
    head(kBytes, len);
    raw(data, len);
  }
  // Only the head of a byte string; the caller then writes exactly `len` raw bytes.
  void bytes_head(size_t len) { head(kBytes, len); }
  void text(const char* s) { text(s, std::strlen(s)); }  // NUL-terminated UTF-8
  void text(const char* s, size_t len) {
    head(kText, len);
    raw(reinterpret_cast<const uint8_t*>(s), len);
  }
  void array(size_t count) { head(kArray, count); }
  void map(size_t pairs) { head(kMap, pairs); }
  void tag(uint64_t t) { head(kTag, t); }
  void boolean(bool v) { put(static_cast<uint8_t>(0xF4 + (v ? 1 : 0))); }
  // Bytes that already are CBOR (a nested item encoded elsewhere).
  void raw(const uint8_t* data, size_t len) {
    if (overflow_) return;
    if (len > cap_ - len_ && sink_ != nullptr) {
      flush();
      if (len > cap_) {
        sink_->emit(data, len);
        flushed_ += len;
        return;
      }
    }
    if (len > cap_ - len_) {
      overflow_ = true;
      return;
    }
    if (len != 0) std::memcpy(buf_ + len_, data, len);
    len_ += len;
  }
  // Streaming: hands the window's bytes to the sink (nothing without a sink).
  void flush() {
    if (sink_ == nullptr || len_ == 0) return;
    sink_->emit(buf_, len_);
    flushed_ += len_;
    len_ = 0;
  }
  // Reserves `len` bytes to be filled in by the caller; null on overflow (always when
  // streaming).
  [[nodiscard]] uint8_t* reserve(size_t len) {
    if (overflow_ || sink_ != nullptr || len > cap_ - len_) {
      overflow_ = true;
      return nullptr;
    }
    uint8_t* at = buf_ + len_;
    len_ += len;
    return at;
  }

  [[nodiscard]] bool ok() const { return !overflow_; }
  // Bytes written so far (streaming: those handed to the sink included).
  [[nodiscard]] size_t size() const { return flushed_ + len_; }
  // The buffer (streaming: the window's bytes not yet flushed).
  [[nodiscard]] const uint8_t* data() const { return buf_; }

 private:
  void head(uint8_t major, uint64_t arg) {
    uint8_t h[kMaxHeadSize];
    raw(h, encode_head(major, arg, h));
  }
  void put(uint8_t b) { raw(&b, 1); }

  uint8_t* buf_;
  size_t cap_;
  Sink* sink_ = nullptr;
  size_t len_ = 0;
  size_t flushed_ = 0;
  bool overflow_ = false;
};

// Reads definite-length items one head at a time. Indefinite lengths, floats and lengths
// beyond the buffer are rejected (false).
class Reader {
 public:
  Reader(const uint8_t* data, size_t len) : data_(data), len_(len) {}

  // Array head; count out.
  [[nodiscard]] bool array(size_t& count) {
    uint8_t major = 0;
    uint64_t arg = 0;
    if (!head(major, arg) || major != kArray || arg > len_) return false;
    count = static_cast<size_t>(arg);
    return true;
  }
  // Byte string: a view into the input (data, size).
  [[nodiscard]] bool bytes(const uint8_t*& data, size_t& size) {
    uint8_t major = 0;
    uint64_t arg = 0;
    if (!head(major, arg) || major != kBytes || arg > len_ - pos_) return false;
    data = data_ + pos_;
    size = static_cast<size_t>(arg);
    pos_ += size;
    return true;
  }
  [[nodiscard]] bool at_end() const { return pos_ == len_; }
  [[nodiscard]] size_t position() const { return pos_; }

 private:
  [[nodiscard]] bool head(uint8_t& major, uint64_t& arg) {
    if (pos_ >= len_) return false;
    const uint8_t ib = data_[pos_++];
    major = static_cast<uint8_t>(ib >> 5);
    const auto ai = static_cast<uint8_t>(ib & 0x1F);
    if (ai < 24) {
      arg = ai;
      return true;
    }
    if (ai > 27) return false;  // reserved or indefinite length
    const size_t extra = size_t{1} << (ai - 24);
    if (extra > len_ - pos_) return false;
    arg = 0;
    for (size_t i = 0; i < extra; ++i) arg = (arg << 8) | data_[pos_++];
    return true;
  }

  const uint8_t* data_;
  size_t len_;
  size_t pos_ = 0;
};

}  // namespace idr::cbor
