#pragma once
// Reads a fuzz input front to back: fixed-size fields, length-prefixed chunks, the rest.
// Running out gives zeros / empty chunks, so every input is a valid script. Seeds are easy
// to write by hand or from real messages (make_seeds.cpp) because nothing is read from the
// end.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace idr::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  [[nodiscard]] bool empty() const { return n_ == 0; }
  [[nodiscard]] size_t left() const { return n_; }
  uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  uint16_t u16() {  // big endian
    const uint16_t hi = u8();
    return static_cast<uint16_t>((hi << 8) | u8());
  }
  uint32_t u32() {
    const uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  bool flag() { return (u8() & 1) != 0; }
  // Up to n bytes (fewer at the end).
  std::vector<uint8_t> bytes(size_t n) {
    if (n > n_) n = n_;
    std::vector<uint8_t> out(p_, p_ + n);
    p_ += n;
    n_ -= n;
    return out;
  }
  // A chunk: u16 length, then that many bytes.
  std::vector<uint8_t> chunk() { return bytes(u16()); }
  std::vector<uint8_t> rest() { return bytes(n_); }

 private:
  const uint8_t* p_;
  size_t n_;
};

// The encoding Input::chunk() reads, for the seed maker.
inline void put_chunk(std::vector<uint8_t>& out, const std::vector<uint8_t>& chunk) {
  out.push_back(static_cast<uint8_t>(chunk.size() >> 8));
  out.push_back(static_cast<uint8_t>(chunk.size() & 0xFF));
  out.insert(out.end(), chunk.begin(), chunk.end());
}

}  // namespace idr::fuzz
