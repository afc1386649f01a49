#pragma once
// High-water marks by painting (DESIGN 9 footprint): at start-up the free stack below the
// reset handler's frame and the mbedTLS pool (after mbedTLS set it up) are filled with
// kPaintWord. Whatever the firmware later writes there is no longer paint, so reading the
// memory back under QEMU (tests/qemu: the monitor's `xp`) shows how deep the stack went and
// how far into the pool mbedTLS ever allocated, fragmentation included. The firmware never
// reads the paint itself: measuring costs it no instructions.
#include <cstddef>
#include <cstdint>

namespace idr::mps2 {

// tests/qemu/qemu_reader.cpp (kPaintWord) reads the same value back.
inline constexpr uint32_t kPaintWord = 0xC5A5E1D7u;

// Fills [begin, end) with kPaintWord (word-aligned begin; a partial last word is left).
inline void paint_words(void* begin, const void* end) {
  auto* p = static_cast<uint32_t*>(begin);
  const auto* stop = static_cast<const uint32_t*>(end);
  while (p < stop) *p++ = kPaintWord;
}

}  // namespace idr::mps2
