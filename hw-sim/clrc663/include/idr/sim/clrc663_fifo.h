#pragma once
// The CLRC663 FIFO buffer (data sheet 8.5, Tables 55..62): 512 bytes, or 255 bytes when
// FIFOControl.FIFOSize is set. Knows its fill level and the water-level alerts; the register
// model owns the IRQ and Error side effects.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace idr::sim {

class Clrc663Fifo {
 public:
  // Capacity per FIFOControl.FIFOSize (Table 56): 255 or 512 bytes.
  void set_small(bool small) { small_ = small; }
  [[nodiscard]] bool small() const { return small_; }
  [[nodiscard]] size_t capacity() const { return small_ ? 255 : 512; }
  [[nodiscard]] size_t length() const { return bytes_.size(); }
  [[nodiscard]] bool empty() const { return bytes_.empty(); }
  [[nodiscard]] bool full() const { return bytes_.size() >= capacity(); }

  // Returns false (byte dropped) when the FIFO is already full (Table 72 FIFOOvl).
  [[nodiscard]] bool push(uint8_t b) {
    if (full()) return false;
    bytes_.push_back(b);
    return true;
  }
  [[nodiscard]] std::optional<uint8_t> pop() {
    if (bytes_.empty()) return std::nullopt;
    const uint8_t b = bytes_.front();
    bytes_.pop_front();
    return b;
  }
  void flush() { bytes_.clear(); }

  // Table 56: HiAlert = (FIFOSize - FIFOLength) <= WaterLevel; LoAlert = FIFOLength <= WaterLevel.
  [[nodiscard]] bool hi_alert(unsigned water_level) const {
    return capacity() - length() <= water_level;
  }
  [[nodiscard]] bool lo_alert(unsigned water_level) const { return length() <= water_level; }

 private:
  bool small_ = true;
  std::deque<uint8_t> bytes_;
};

}  // namespace idr::sim
