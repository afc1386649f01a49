#include "idr/crypto/cbor.h"

#include <cstring>

namespace idr::crypto {

void CborWriter::raw(const uint8_t* data, size_t len) {
  if (overflow_) return;
  if (len > cap_ - len_) {
    overflow_ = true;
    return;
  }
  if (len != 0) std::memcpy(buf_ + len_, data, len);
  len_ += len;
}

uint8_t* CborWriter::reserve(size_t len) {
  if (overflow_ || len > cap_ - len_) {
    overflow_ = true;
    return nullptr;
  }
  uint8_t* at = buf_ + len_;
  len_ += len;
  return at;
}

// Shortest form (RFC 8949 4.2.1): argument in the initial byte below 24, else 1/2/4/8 bytes.
void CborWriter::head(uint8_t major, uint64_t arg) {
  uint8_t h[9];
  const uint8_t mt = static_cast<uint8_t>(major << 5);
  size_t n = 1;
  if (arg < 24) {
    h[0] = static_cast<uint8_t>(mt | arg);
  } else {
    size_t extra = 8;
    uint8_t ai = 27;
    if (arg <= 0xFF) {
      extra = 1;
      ai = 24;
    } else if (arg <= 0xFFFF) {
      extra = 2;
      ai = 25;
    } else if (arg <= 0xFFFFFFFFull) {
      extra = 4;
      ai = 26;
    }
    h[0] = static_cast<uint8_t>(mt | ai);
    for (size_t i = 0; i < extra; ++i)
      h[1 + i] = static_cast<uint8_t>(arg >> (8 * (extra - 1 - i)));
    n = 1 + extra;
  }
  raw(h, n);
}

void CborWriter::integer(int64_t v) {
  if (v >= 0) {
    head(cbor::kUint, static_cast<uint64_t>(v));
  } else {
    // -1 - v without overflow for INT64_MIN.
    head(cbor::kNint, static_cast<uint64_t>(-(v + 1)));
  }
}

void CborWriter::bytes(const uint8_t* data, size_t len) {
  head(cbor::kBytes, len);
  raw(data, len);
}

void CborWriter::text(const char* s) {
  text(s, std::strlen(s));
}

void CborWriter::text(const char* s, size_t len) {
  head(cbor::kText, len);
  raw(reinterpret_cast<const uint8_t*>(s), len);
}

bool CborReader::head(uint8_t& major, uint64_t& arg) {
  if (pos_ >= len_) return false;
  const uint8_t ib = data_[pos_++];
  major = static_cast<uint8_t>(ib >> 5);
  const uint8_t ai = static_cast<uint8_t>(ib & 0x1F);
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

bool CborReader::array(size_t& count) {
  uint8_t major = 0;
  uint64_t arg = 0;
  if (!head(major, arg) || major != cbor::kArray || arg > len_) return false;
  count = static_cast<size_t>(arg);
  return true;
}

bool CborReader::bytes(ByteView& out) {
  uint8_t major = 0;
  uint64_t arg = 0;
  if (!head(major, arg) || major != cbor::kBytes || arg > len_ - pos_) return false;
  out = ByteView{data_ + pos_, static_cast<size_t>(arg)};
  pos_ += static_cast<size_t>(arg);
  return true;
}

}  // namespace idr::crypto
