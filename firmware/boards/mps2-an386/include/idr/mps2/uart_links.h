#pragma once
// The two serial links of mps2-an386: UART1 carries the sim wire to hw-sim (one request,
// one response; hw-sim/README.md), UART0 the host link (DESIGN 4 frames as a byte stream).
// Both exclude their waiting from the measured CPU time.
#include "idr/board/sim_link.h"
#include "idr/hal/hal.h"
#include "idr/mps2/cmsdk_uart.h"
#include "idr/mps2/measured_cpu.h"

namespace idr::mps2 {

class UartSimLink final : public board::SimLink {
 public:
  UartSimLink(CmsdkUart& uart, MeasuredCpu& cpu) : uart_(uart), cpu_(cpu) {}
  [[nodiscard]] Status exchange(const uint8_t* request, size_t len, uint8_t* resp, size_t cap,
                                size_t& resp_len) override;

  // The simulator answers in far less; after this long (2 s; the firmware sleeps while
  // waiting, and QEMU's virtual time then follows real time) it is taken as gone.
  static constexpr uint64_t kTimeoutTicks = 50'000'000;

 private:
  Status exchange_unmetered(const uint8_t* request, size_t len, uint8_t* resp, size_t cap,
                            size_t& resp_len);
  CmsdkUart& uart_;
  MeasuredCpu& cpu_;
};

class UartHostLink final : public hal::HostLink {
 public:
  UartHostLink(CmsdkUart& uart, MeasuredCpu& cpu) : uart_(uart), cpu_(cpu) {}
  // Waits for the first byte at most min(timeout_us, kMaxWaitUs) of QEMU time (the caller's
  // MeteredHostLink lets the simulation's time pass on Timeout), then takes what is there.
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;

  // Each idle wait is short so the simulation's time keeps pace (MeteredHostLink).
  static constexpr uint32_t kMaxWaitUs = 2'000;
  // Gap after which a burst of host bytes is taken as complete.
  static constexpr uint32_t kBurstGapUs = 300;

 private:
  CmsdkUart& uart_;
  MeasuredCpu& cpu_;
};

}  // namespace idr::mps2
