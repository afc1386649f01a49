#pragma once
// The host board: every HAL interface over the sim wire (SimLink), plus the host link the
// caller provides (TcpHostLink in idr-firmware, anything in tests), metered so virtual time
// charges it. Build it, start() it (version check), hand board() to the firmware.
#include "idr/board/sim_hal.h"
#include "idr/board/sim_link.h"
#include "idr/board/sim_wire_client.h"
#include "idr/hal/hal.h"

namespace idr::board {

class HostBoard {
 public:
  HostBoard(SimLink& sim, hal::HostLink& host)
      : wire_(sim),
        spi_(wire_),
        irq_(wire_),
        clock_(wire_),
        sam_uart_(wire_, simwire::kPortSam),
        flash_(wire_),
        rng_(wire_),
        log_(wire_),
        host_(wire_, host),
        board_{spi_, irq_, sam_uart_, clock_, flash_, rng_, host_, log_} {}
  HostBoard(const HostBoard&) = delete;
  HostBoard& operator=(const HostBoard&) = delete;

  // Hello with the simulator; Unsupported on a sim-wire version mismatch, Io if unreachable.
  [[nodiscard]] Status start() { return wire_.hello(mcu_hz_); }

  [[nodiscard]] hal::Board& board() { return board_; }
  [[nodiscard]] SimWireClient& wire() { return wire_; }
  [[nodiscard]] uint32_t mcu_hz() const { return mcu_hz_; }

 private:
  SimWireClient wire_;
  SimSpi spi_;
  SimIrqLine irq_;
  SimClock clock_;
  SimUart sam_uart_;
  SimFlash flash_;
  SimRng rng_;
  SimLog log_;
  MeteredHostLink host_;
  hal::Board board_;
  uint32_t mcu_hz_ = 0;
};

}  // namespace idr::board
