#pragma once
// The reader application's main loop, the same on every board: CLRC663 driver, SAM link,
// the ID card reader, the signer (ReaderIdentity: key, chain, counter in flash), the
// extension commands and the legacy host-link server, all owned by value (no heap). A
// board builds its hal::Board, places one ReaderApp in static storage, calls init() once
// and run_once() forever.
//
// Memory: the host-link server is about 12.5 KiB, the extension commands about 4 KiB, plus
// the CLRC663 driver's SPI buffers:
// never put a ReaderApp on a small stack.
#include <cstdint>

#include "idr/core/hostlink/extension_commands.h"
#include "idr/core/hostlink/legacy_server.h"
#include "idr/core/rc663_id_card_reader.h"
#include "idr/crypto/reader_identity.h"
#include "idr/drivers/clrc663.h"
#include "idr/drivers/sam_link.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::core {

struct ReaderAppCounters {
  uint32_t requests_served = 0;   // host frames answered
  uint32_t idle_polls = 0;        // run_once calls with no host request
  uint32_t host_link_errors = 0;  // the host went away or the link failed
  uint32_t init_attempts = 0;
};

class ReaderApp {
 public:
  // How long one run_once waits for a host request. Short, so a board's main loop can do
  // its own housekeeping between requests; legacy clients poll at most ~10 kHz (DESIGN 8).
  static constexpr uint32_t kServeWaitUs = 10'000;

  // baud_hook: how the board changes its host-link rate (set baud, 60 PP); null when the
  // link has no baud rate (TCP, USB).
  explicit ReaderApp(hal::Board& board, HostBaudHook* baud_hook = nullptr);
  ReaderApp(const ReaderApp&) = delete;
  ReaderApp& operator=(const ReaderApp&) = delete;

  // Loads the reader identity (key, chain, counter) from flash and brings up the CLRC663
  // and the SAM (IdCardReader::init). The loop still serves the host when this failed:
  // commands then answer with the legacy failure codes, and the next run_once tries init
  // again (the identity also reloads on demand).
  [[nodiscard]] Status init();
  // Serves at most one host request (waits up to kServeWaitUs).
  void run_once();

  [[nodiscard]] Status last_status() const { return last_; }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] const ReaderAppCounters& counters() const { return counters_; }
  [[nodiscard]] IdCardReader& reader() { return reader_; }
  [[nodiscard]] crypto::ReaderIdentity& identity() { return identity_; }

 private:
  hal::Board& board_;
  drivers::Clrc663 rc663_;
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
