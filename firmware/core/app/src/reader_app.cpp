#include "idr/core/app/reader_app.h"

namespace idr::core {

ReaderApp::ReaderApp(hal::Board& board, HostBaudHook* baud_hook, ReaderAppOptions options)
    : board_(board),
      spi_(board.rc663_spi, fault_),
      irq_(board.rc663_irq, fault_),
      sam_uart_(board.sam_uart, fault_),
      flash_(board.flash, fault_),
      rng_(board.rng, fault_),
      rc663_(spi_, irq_, board.clock),
      front_end_(rc663_, options.front_end_standby),
      sam_(sam_uart_, board.clock),
      reader_(front_end_, sam_, board.clock),
      identity_(flash_, rng_),
      extension_(reader_, identity_, board.clock, &board.cpu),
      server_(board.host, board.clock, reader_, baud_hook, &extension_, &fault_) {}

Status ReaderApp::init() {
  ++counters_.init_attempts;
  const bool had_table = identity_.group_prepared();
  if (!identity_.loaded() && identity_.load() != Status::Ok)
    board_.log.write("reader identity (flash) not loaded; signed reads retry on demand");
  if (!had_table && identity_.group_prepared()) board_.cpu.did(hal::CpuWork::Op::EcdsaPrepare, 1);
  // Start-up fills the nonce pool, so the first signed read after boot already has pairs.
  for (size_t i = 0; i < crypto::NoncePool::kCapacity && precompute_nonce(); ++i) {
  }
  last_ = reader_.init();
  ready_ = last_ == Status::Ok;
  if (!ready_) board_.log.write("reader init failed");
  if (fault_.faulted()) board_.log.write("reader fault: the hardware reported a fault");
  return last_;
}

bool ReaderApp::precompute_nonce() {
  if (fault_.faulted()) return false;
  bool computed = false;
  if (identity_.precompute_nonce(computed) != Status::Ok || !computed) return false;
  ++counters_.nonces_precomputed;
  board_.cpu.did(hal::CpuWork::Op::EcdsaNonce, 1);
  return true;
}

void ReaderApp::run_once() {
  if (!ready_ && !fault_.faulted()) {
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
  // Idle work: one nonce pair when the pool has room (only after a signature used one, as
  // start-up fills it), and only when no request came for kServeWaitUs: never between a
  // command and its reply, nor in a burst of commands. A command arriving meanwhile waits
  // at most one pair's time (about 6 M instructions, DESIGN 9).
  if (last_ == Status::Timeout) (void)precompute_nonce();
}

}  // namespace idr::core
