#pragma once
// Polled CMSDK APB UART (no interrupts): one byte register each way, status bits for
// "TX full" and "RX full". Every wait ends at a deadline on Timer0.
#include <cstddef>
#include <cstdint>

#include "idr/mps2/timer.h"
#include "idr/status.h"

namespace idr::mps2 {

class CmsdkUart {
 public:
  CmsdkUart(uint32_t base, Timer0& timer) : base_(base), timer_(timer) {}

  // Enables TX and RX at `baud` (the divider matters to QEMU only in that it must be >= 16;
  // bytes move at chardev speed).
  void init(uint32_t baud);
  [[nodiscard]] Status set_baud(uint32_t baud);

  // One byte if one is there, without waiting.
  [[nodiscard]] bool try_read(uint8_t& byte);
  // Waits up to timeout_ticks for one byte.
  [[nodiscard]] Status read_byte(uint8_t& byte, uint64_t timeout_ticks);
  // Writes all bytes; Timeout if the transmitter stays full for timeout_ticks.
  [[nodiscard]] Status write(const uint8_t* data, size_t len, uint64_t timeout_ticks);

 private:
  uint32_t base_;
  Timer0& timer_;
};

}  // namespace idr::mps2
