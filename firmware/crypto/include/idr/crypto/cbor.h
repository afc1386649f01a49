#pragma once
// Minimal CBOR (RFC 8949) for the signed-read records: a writer that encodes into a
// caller's buffer with deterministic encoding (definite lengths, shortest argument form,
// section 4.2.1), and a reader for the few shapes the reader accepts from the host (the
// certificate chain: an array of byte strings). No allocation, no recursion.
//
// The writer never writes past its buffer: once something does not fit it sets a sticky
// overflow flag and ignores further writes, so a caller encodes a whole structure and
// checks ok() once.
#include <cstddef>
#include <cstdint>

#include "idr/crypto/bytes.h"

namespace idr::crypto {

namespace cbor {
// Major types (RFC 8949 3.1).
inline constexpr uint8_t kUint = 0;
inline constexpr uint8_t kNint = 1;
inline constexpr uint8_t kBytes = 2;
inline constexpr uint8_t kText = 3;
inline constexpr uint8_t kArray = 4;
inline constexpr uint8_t kMap = 5;
inline constexpr uint8_t kTag = 6;
inline constexpr uint8_t kSimple = 7;
// Size of the head (initial byte + argument) for an argument value (RFC 8949 3).
[[nodiscard]] constexpr size_t head_size(uint64_t arg) {
  return arg < 24 ? 1 : arg <= 0xFF ? 2 : arg <= 0xFFFF ? 3 : arg <= 0xFFFFFFFFull ? 5 : 9;
}
}  // namespace cbor

class CborWriter {
 public:
  CborWriter(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}

  void uint(uint64_t v) { head(cbor::kUint, v); }
  // Any signed integer: negative ones as major type 1 (-1 - n).
  void integer(int64_t v);
  void bytes(const uint8_t* data, size_t len);
  void bytes(ByteView v) { bytes(v.data, v.size); }
  // Only the head of a byte string; the caller then writes exactly `len` raw bytes.
  void bytes_head(size_t len) { head(cbor::kBytes, len); }
  void text(const char* s);  // NUL-terminated UTF-8
  void text(const char* s, size_t len);
  void array(size_t count) { head(cbor::kArray, count); }
  void map(size_t pairs) { head(cbor::kMap, pairs); }
  void tag(uint64_t t) { head(cbor::kTag, t); }
  void boolean(bool v) { put(static_cast<uint8_t>(0xF4 + (v ? 1 : 0))); }
  // Bytes that already are CBOR (a nested item encoded elsewhere).
  void raw(const uint8_t* data, size_t len);
  // Reserves `len` bytes to be filled in by the caller; null on overflow.
  [[nodiscard]] uint8_t* reserve(size_t len);

  [[nodiscard]] bool ok() const { return !overflow_; }
  [[nodiscard]] size_t size() const { return len_; }
  [[nodiscard]] const uint8_t* data() const { return buf_; }

 private:
  void head(uint8_t major, uint64_t arg);
  void put(uint8_t b) { raw(&b, 1); }

  uint8_t* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool overflow_ = false;
};

// Reads definite-length items one head at a time. Indefinite lengths, floats and
// 64-bit lengths beyond the buffer are rejected (ok() false).
class CborReader {
 public:
  CborReader(const uint8_t* data, size_t len) : data_(data), len_(len) {}

  // Array head; count out.
  [[nodiscard]] bool array(size_t& count);
  // Byte string: view into the input.
  [[nodiscard]] bool bytes(ByteView& out);
  [[nodiscard]] bool at_end() const { return pos_ == len_; }
  [[nodiscard]] size_t position() const { return pos_; }

 private:
  [[nodiscard]] bool head(uint8_t& major, uint64_t& arg);

  const uint8_t* data_;
  size_t len_;
  size_t pos_ = 0;
};

}  // namespace idr::crypto
