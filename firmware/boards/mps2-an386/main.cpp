// The reader firmware on mps2-an386 (Cortex-M4 under QEMU): UART0 = host link, UART1 = sim
// wire to hw-sim, CPU time measured on timer 0. The same ReaderApp as the host board.
//
// Exit statuses (semihosting): 1 the simulator link broke, 2 the simulator hello failed,
// 3 a fault, 4 the main loop returned, 5 abort, 6 mbedTLS pool corrupted (README.md).
#include "idr/board/sim_wire_board.h"
#include "idr/core/app/reader_app.h"
#include "idr/mps2/cmsdk.h"
#include "idr/mps2/cmsdk_uart.h"
#include "idr/mps2/mbedtls_pool.h"
#include "idr/mps2/measured_cpu.h"
#include "idr/mps2/semihosting.h"
#include "idr/mps2/timer.h"
#include "idr/mps2/uart_links.h"
#include "idr/mps2/wake.h"

namespace {

using namespace idr;

constexpr uint32_t kLegacyBaud = 115200;  // DESIGN 8: the legacy protocol's default
constexpr uint32_t kExitSimLinkBroke = 1;
constexpr uint32_t kExitHelloFailed = 2;
// 3..6 are semihosting.h's; 7: the simulator's model error, reported to the host (SW3 60).
constexpr uint32_t kExitHardwareFault = 7;

// 60 PP changes UART0's divider (it has no effect on QEMU's chardev speed).
class Uart0Baud final : public core::HostBaudHook {
 public:
  explicit Uart0Baud(mps2::CmsdkUart& uart) : uart_(uart) {}
  void set_host_baud(uint32_t baud) override { (void)uart_.set_baud(baud); }

 private:
  mps2::CmsdkUart& uart_;
};

// Everything in static storage (no heap; the ReaderApp is too big for the stack).
mps2::Timer0 timer;
mps2::MeasuredCpu cpu(timer);
mps2::CmsdkUart uart0(mps2::kUart0Base, timer);
mps2::CmsdkUart uart1(mps2::kUart1Base, timer);
mps2::UartSimLink sim_link(uart1, cpu);
mps2::UartHostLink host_link(uart0, cpu);
board::SimWireBoard sim_board(sim_link, host_link, cpu);
Uart0Baud baud_hook(uart0);
core::ReaderApp app(sim_board.board(), &baud_hook);

}  // namespace

extern "C" void idr_firmware_main() {
  mps2::mbedtls_pool_init();  // before anything signs (ReaderApp::init loads the identity)
  timer.start();
  uart0.init(kLegacyBaud);
  uart1.init(kLegacyBaud);
  mps2::wake_init();
  cpu.start();
  if (sim_board.start() != Status::Ok) mps2::semihosting_exit(kExitHelloFailed);
  // A failed init is retried by run_once; the host is served meanwhile (ReaderApp).
  (void)app.init();
  // A hardware fault (a model error in hw-sim) ends the run once the host has been told.
  while (!sim_board.wire().link_broken() && !app.fault_reported()) app.run_once();
  mps2::semihosting_exit(app.fault_reported() ? kExitHardwareFault : kExitSimLinkBroke);
}
