#pragma once
// The whole reader firmware (ReaderApp) on the host board with the simulator in-process,
// its host link scripted by the caller: one request in, the firmware run until the reply is
// complete. Deterministic (virtual time only). For benchmarks and the CPU calibration test.
// Needs idr_board_host, idr_core_app, idr_sim_wire (and the scenario library).
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "idr/board/host_board.h"
#include "idr/core/app/reader_app.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"

namespace idr::testing {

// The host side of the host link: the request queued by send(), the reply collected.
class ScriptedHost final : public hal::HostLink {
 public:
  void send(std::vector<uint8_t> request) {
    pending_ = std::move(request);
    at_ = 0;
    reply_.clear();
  }
  Status read(uint8_t* buf, size_t max, size_t& got, uint32_t) override {
    got = 0;
    while (at_ < pending_.size() && got < max) buf[got++] = pending_[at_++];
    return got > 0 ? Status::Ok : Status::Timeout;
  }
  Status write(const uint8_t* data, size_t len) override {
    reply_.insert(reply_.end(), data, data + len);
    return Status::Ok;
  }
  // A reply is complete when its LEN bytes have arrived (DESIGN 4).
  [[nodiscard]] bool reply_complete() const {
    if (reply_.size() < 7) return false;
    const size_t len = (size_t{reply_[5]} << 8) | reply_[6];
    return reply_.size() >= 7 + len;
  }
  [[nodiscard]] const std::vector<uint8_t>& reply() const { return reply_; }

 private:
  std::vector<uint8_t> pending_;
  size_t at_ = 0;
  std::vector<uint8_t> reply_;
};

struct HostBoardRig {
  explicit HostBoardRig(const sim::Scenario& s) : sim(s) {}
  sim::Simulator sim;
  board::InProcessSimLink link{
      [this](const uint8_t* m, size_t n, uint8_t* o, size_t c) { return sim.handle(m, n, o, c); }};
  ScriptedHost host;
  board::HostBoard hb{link, host};
  core::ReaderApp app{hb.board()};

  [[nodiscard]] bool start() { return hb.start() == Status::Ok && app.init() == Status::Ok; }
  // Sends one request and runs the firmware until its reply is complete (bounded).
  [[nodiscard]] bool transact(std::vector<uint8_t> request) {
    host.send(std::move(request));
    for (int i = 0; i < 100000 && !host.reply_complete(); ++i) app.run_once();
    return host.reply_complete();
  }
};

}  // namespace idr::testing
