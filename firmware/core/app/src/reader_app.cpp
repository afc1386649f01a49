#include "idr/core/app/reader_app.h"

namespace idr::core {

ReaderApp::ReaderApp(hal::Board& board, HostBaudHook* baud_hook)
    : board_(board),
      rc663_(board.rc663_spi, board.rc663_irq, board.clock),
      sam_(board.sam_uart, board.clock),
      reader_(rc663_, sam_, board.clock),
      identity_(board.flash, board.rng),
      extension_(reader_, identity_, board.clock),
      server_(board.host, board.clock, reader_, baud_hook, &extension_) {}

Status ReaderApp::init() {
  ++counters_.init_attempts;
  if (!identity_.loaded() && identity_.load() != Status::Ok)
    board_.log.write("reader identity (flash) not loaded; signed reads retry on demand");
  last_ = reader_.init();
  ready_ = last_ == Status::Ok;
  if (!ready_) board_.log.write("reader init failed");
  return last_;
}

void ReaderApp::run_once() {
  if (!ready_) {
    // Retry start-up without spinning: a failed init is waited out like an idle poll.
    if (init() != Status::Ok) board_.clock.delay_us(kServeWaitUs);
  }
  last_ = server_.serve_once(kServeWaitUs);
  switch (last_) {
    case Status::Ok:
      ++counters_.requests_served;
      break;
    case Status::Timeout:
      ++counters_.idle_polls;
      break;
    default:
      // Host gone (Io) or link failure: the server dropped any half frame; the next
      // run_once waits for the next host.
      ++counters_.host_link_errors;
      break;
  }
}

}  // namespace idr::core
