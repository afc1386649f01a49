#pragma once
// The reader application's main loop, the same on every board: CLRC663 driver, SAM link,
// the ID card reader, the signer (ReaderIdentity: key, chain, counter in flash), the
// extension commands and the legacy host-link server, all owned by value (no heap). A
// board builds its hal::Board, places one ReaderApp in static storage, calls init() once
// and run_once() forever.
//
// Memory: the host-link server is about 5.3 KiB, the extension commands about 0.9 KiB, plus
// the CLRC663 driver's SPI buffers and the signing identity:
// never put a ReaderApp on a small stack.
#include <cstdint>

#include "idr/core/hardware_fault.h"
#include "idr/core/hostlink/extension_commands.h"
#include "idr/core/hostlink/legacy_server.h"
#include "idr/core/rc663_id_card_reader.h"
#include "idr/core/standby_front_end.h"
#include "idr/crypto/reader_identity.h"
#include "idr/drivers/clrc663.h"
#include "idr/drivers/sam_link.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::core {

struct ReaderAppOptions {
  // CLRC663 standby while the RF field is off (standby_front_end.h).
  bool front_end_standby = false;
};

struct ReaderAppCounters {
  uint32_t requests_served = 0;   // host frames answered
  uint32_t idle_polls = 0;        // run_once calls with no host request
  uint32_t host_link_errors = 0;  // the host went away or the link failed
  uint32_t init_attempts = 0;
  uint32_t nonces_precomputed = 0;  // ECDSA nonce pairs computed (start-up and idle)
};

class ReaderApp {
 public:
  // How long one run_once waits for a host request. Short, so a board's main loop can do
  // its own housekeeping between requests; legacy clients poll at most ~10 kHz (DESIGN 8).
  static constexpr uint32_t kServeWaitUs = 10'000;

  // baud_hook: how the board changes its host-link rate (set baud, 60 PP); null when the
  // link has no baud rate (TCP, USB).
  explicit ReaderApp(hal::Board& board, HostBaudHook* baud_hook = nullptr,
                     ReaderAppOptions options = {});
  ReaderApp(const ReaderApp&) = delete;
  ReaderApp& operator=(const ReaderApp&) = delete;

  // Loads the reader identity (key, chain, counter) from flash and brings up the CLRC663
  // and the SAM (IdCardReader::init). The loop still serves the host when this failed:
  // commands then answer with the legacy failure codes, and the next run_once tries init
  // again (the identity also reloads on demand).
  [[nodiscard]] Status init();
  // Serves at most one host request (waits up to kServeWaitUs); when none came and the
  // nonce pool has room, precomputes one ECDSA nonce pair (the idle work that keeps the signature's
  // scalar multiplication off the signed read's critical path, DESIGN 9).
  void run_once();

  [[nodiscard]] Status last_status() const { return last_; }
  // A HAL call reported HardwareFault (hardware_fault.h): from then on every host command
  // is answered with the reader-fault reply.
  [[nodiscard]] bool hardware_fault() const { return fault_.faulted(); }
  // The host has been told: at least one reader-fault reply went out. A board on a
  // simulator stops here (the simulation failed); a real board may keep answering.
  [[nodiscard]] bool fault_reported() const { return server_.counters().fault_replies > 0; }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] const ReaderAppCounters& counters() const { return counters_; }
  [[nodiscard]] IdCardReader& reader() { return reader_; }
  [[nodiscard]] crypto::ReaderIdentity& identity() { return identity_; }

 private:
  // One nonce pair into the identity's pool when it has room; true when one was computed.
  bool precompute_nonce();

  hal::Board& board_;
  // Every HAL call the drivers make goes through a latch (hardware_fault.h).
  FaultLatch fault_;
  LatchedSpi spi_;
  LatchedIrqLine irq_;
  LatchedUart sam_uart_;
  LatchedFlash flash_;
  LatchedRng rng_;
  drivers::Clrc663 rc663_;
  StandbyFrontEnd front_end_;
  drivers::SamLink sam_;
  Rc663IdCardReader reader_;
  crypto::ReaderIdentity identity_;
  ExtensionCommands extension_;
  LegacyServer server_;
  ReaderAppCounters counters_{};
  Status last_ = Status::Ok;
  bool ready_ = false;
};

}  // namespace idr::core
