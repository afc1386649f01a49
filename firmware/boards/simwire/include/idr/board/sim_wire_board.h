#pragma once
// A board whose peripherals live in hw-sim: every HAL interface over the sim wire
// (SimLink), plus the host link the board provides (TCP on the host board, UART0 under
// QEMU), metered so virtual time charges it. Build it, start() it (version check), hand
// board() to the firmware.
#include "idr/board/sim_hal.h"
#include "idr/board/sim_link.h"
#include "idr/board/sim_wire_client.h"
#include "idr/hal/hal.h"

namespace idr::board {

class SimWireBoard {
 public:
  // CPU time from the QEMU-measured table (host board, cpu_calibration.h).
  SimWireBoard(SimLink& sim, hal::HostLink& host) : SimWireBoard(sim, host, nullptr) {}
  // CPU time from the board's own meter (e.g. instructions measured under QEMU).
  SimWireBoard(SimLink& sim, hal::HostLink& host, CpuMeter& cpu) : SimWireBoard(sim, host, &cpu) {}
  SimWireBoard(const SimWireBoard&) = delete;
  SimWireBoard& operator=(const SimWireBoard&) = delete;

  // Hello with the simulator; Unsupported on a sim-wire version mismatch, Io if unreachable.
  [[nodiscard]] Status start() { return wire_.hello(mcu_hz_); }

  [[nodiscard]] hal::Board& board() { return board_; }
  [[nodiscard]] SimWireClient& wire() { return wire_; }
  [[nodiscard]] uint32_t mcu_hz() const { return mcu_hz_; }

 private:
  SimWireBoard(SimLink& sim, hal::HostLink& host, CpuMeter* cpu)
      : wire_(sim, cpu),
        spi_(wire_),
        irq_(wire_),
        clock_(wire_),
        sam_uart_(wire_, simwire::kPortSam),
        flash_(wire_),
        rng_(wire_),
        log_(wire_),
        host_(wire_, host),
        cpu_work_(wire_),
        board_{spi_, irq_, sam_uart_, clock_, flash_, rng_, host_, log_, cpu_work_} {}

  SimWireClient wire_;
  SimSpi spi_;
  SimIrqLine irq_;
  SimClock clock_;
  SimUart sam_uart_;
  SimFlash flash_;
  SimRng rng_;
  SimLog log_;
  MeteredHostLink host_;
  SimCpuWork cpu_work_;
  hal::Board board_;
  uint32_t mcu_hz_ = 0;
};

}  // namespace idr::board
