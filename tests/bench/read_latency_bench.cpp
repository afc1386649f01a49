// Benchmark (not a test): virtual-time latency of a full legacy read (find, select,
// 30 10 = text + photo + fingerprint) through the real firmware loop (ReaderApp on the host
// board) against the simulator, with the breakdown per resource and the floors of DESIGN 9
// beside it. Also: simulated reads per wall-clock second.
//
//   idr-bench-read [scenario.json]      (default: hw-sim/scenarios/resident-fingerprint.json)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "idr/board/host_board.h"
#include "idr/core/app/reader_app.h"
#include "idr/proto/card_layout.h"
#include "idr/proto/hostlink.h"
#include "idr/sim/air.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"

using namespace idr;

namespace {

// The host side of the host link, scripted: one request at a time, the reply collected.
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
  // A legacy reply is complete when its LEN bytes have arrived (DESIGN 4).
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

std::vector<uint8_t> legacy(uint8_t cmd, uint8_t para) {
  uint8_t buf[16];
  const size_t n = hostlink::build_request(cmd, para, nullptr, 0, buf, sizeof buf);
  return {buf, buf + n};
}

struct Rig {
  explicit Rig(const sim::Scenario& s) : sim(s) {}
  sim::Simulator sim;
  board::InProcessSimLink link{
      [this](const uint8_t* m, size_t n, uint8_t* o, size_t c) { return sim.handle(m, n, o, c); }};
  ScriptedHost host;
  board::HostBoard hb{link, host};
  core::ReaderApp app{hb.board()};

  bool start() { return hb.start() == Status::Ok && app.init() == Status::Ok; }
  // Sends one request and runs the firmware until its reply is complete (bounded).
  bool transact(std::vector<uint8_t> request) {
    host.send(std::move(request));
    for (int i = 0; i < 1000 && !host.reply_complete(); ++i) app.run_once();
    return host.reply_complete();
  }
};

double ms(sim::Time t) {
  return static_cast<double>(t) / static_cast<double>(sim::kMs);
}

sim::TimeAccounts diff(const sim::TimeAccounts& a, const sim::TimeAccounts& b) {
  return {a.rf_air - b.rf_air,
          a.card_processing - b.card_processing,
          a.sam_link - b.sam_link,
          a.sam_processing - b.sam_processing,
          a.firmware_cpu - b.firmware_cpu,
          a.spi - b.spi,
          a.host_link - b.host_link};
}

// One command/response exchange with the card, for the floors.
struct Exchange {
  size_t command;   // bytes, CRC_B included
  size_t response;  // bytes, CRC_B included
  bool auth;        // card time is part of card_auth_total instead of the turnaround
};

// Air time of an exchange: command frame, guard time before the answer, TR1, answer frame.
sim::Time air(const Exchange& e) {
  return sim::type_b_frame_time(e.command) + sim::kTr0Min + sim::kTr1Min +
         sim::type_b_frame_time(e.response);
}

// DESIGN 9 floor: the 2304 data bytes of text + photo + fingerprint in the card's 0xE6
// chunks, READ commands and plain answers (data + SW) only.
sim::Time design_air_floor() {
  sim::Time t = 0;
  for (size_t file : {card::kBaseSize, card::kFingerprintSize}) {
    for (size_t off = 0; off < file; off += card::kReadChunk) {
      const size_t le = std::min(card::kReadChunk, file - off);
      t += air({5 + 2, le + 2 + 2, false});
    }
  }
  return t;
}

// The card's own time for the whole legacy sequence with the stand-in protocol: every
// frame the card must hear and answer, its turnaround and its side of authentication.
// What the reader adds on top of this (SAM, CPU, SPI, host link) is ours to shrink.
void card_floor(const sim::TimingParams& tp, sim::Time& air_total, sim::Time& card_total) {
  std::vector<Exchange> xs = {
      {3 + 2, 12 + 2, false},  // REQB / ATQB
      {9 + 2, 1 + 2, false},   // ATTRIB / 08
      {5 + 2, 10 + 2, false},  // GET UID / uid + 90 00
      // (SELECT 60 01 comes with the base file below; authentication follows it)
      {21 + 2, 18 + 2, true},  // INTERNAL AUTHENTICATE
      {5 + 2, 10 + 2, true},   // GET CHALLENGE
      {21 + 2, 2 + 2, true},   // EXTERNAL AUTHENTICATE
  };
  auto read_file = [&xs](size_t size) {
    xs.push_back({7 + 2, 2 + 2, false});  // SELECT
    for (size_t off = 0; off < size; off += card::kReadChunk) {
      const size_t le = std::min(card::kReadChunk, size - off);
      xs.push_back({5 + 2, le + card::kSessionMacSize + 2 + 2, false});
    }
  };
  read_file(card::kBaseSize);
  read_file(card::kSecurityFileSize);
  read_file(card::kFingerprintSize);
  read_file(card::kSecurityFileSize);
  // The card answers after max(TR0, its processing time) (ISO/IEC 14443-3 7.1.6): the
  // guard time counts as card time here, so it is not counted twice.
  air_total = 0;
  card_total = tp.card_auth_total;
  for (const auto& e : xs) {
    air_total += air(e) - sim::kTr0Min;
    if (e.auth) continue;  // inside card_auth_total, each step far longer than TR0
    const sim::Time processing = tp.card_turnaround + tp.card_per_response_byte * (e.response - 2);
    card_total += std::max(sim::kTr0Min, processing);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1]
               : std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/resident-fingerprint.json";
  const sim::Scenario scenario = sim::load_scenario(path);

  Rig rig(scenario);
  if (!rig.start()) {
    std::fprintf(stderr, "reader start failed\n");
    return 1;
  }
  const sim::Time t0 = rig.sim.now();
  const sim::TimeAccounts a0 = rig.sim.accounts();
  struct Step {
    const char* name;
    uint8_t cmd, para;
    size_t expect_size;
  };
  const Step steps[] = {{"find (20 01)", 0x20, 0x01, 15},
                        {"select (20 02)", 0x20, 0x02, 19},
                        {"read text+photo+fp (30 10)", 0x30, 0x10, 2321}};
  std::printf("idr read latency benchmark (virtual time), scenario %s\n", scenario.name.c_str());
  std::printf(
      "card in the field when the host sends find; MCU %.0f MHz, SAM %u baud at power-up\n\n",
      static_cast<double>(scenario.timing.mcu_hz) / 1e6, scenario.timing.sam_baud);
  for (const Step& s : steps) {
    const sim::Time before = rig.sim.now();
    if (!rig.transact(legacy(s.cmd, s.para))) {
      std::fprintf(stderr, "%s: no reply\n", s.name);
      return 1;
    }
    const auto& r = rig.host.reply();
    std::printf("  %-28s %8.2f ms   reply %zu bytes, SW3 %02X%s\n", s.name,
                ms(rig.sim.now() - before), r.size(), r.size() > 9 ? r[9] : 0,
                r.size() == s.expect_size ? "" : "  (unexpected size)");
  }
  const sim::Time total = rig.sim.now() - t0;
  const sim::TimeAccounts d = diff(rig.sim.accounts(), a0);

  sim::Time floor_air = 0, floor_card = 0;
  card_floor(scenario.timing, floor_air, floor_card);

  std::printf("\nfull read, find -> last byte of the 30 10 reply: %.2f ms\n", ms(total));
  std::printf("breakdown (busy time per resource; resources overlap when pipelined):\n");
  std::printf("  RF air time            %8.2f ms\n", ms(d.rf_air));
  std::printf("  card processing        %8.2f ms\n", ms(d.card_processing));
  std::printf("  SAM link (UART)        %8.2f ms\n", ms(d.sam_link));
  std::printf("  SAM processing         %8.2f ms\n", ms(d.sam_processing));
  std::printf("  firmware CPU (est.)    %8.2f ms\n", ms(d.firmware_cpu));
  std::printf("  SPI to CLRC663         %8.2f ms\n", ms(d.spi));
  std::printf("  host link              %8.2f ms\n", ms(d.host_link));
  const sim::Time summed = d.rf_air + d.card_processing + d.sam_link + d.sam_processing +
                           d.firmware_cpu + d.spi + d.host_link;
  std::printf("  other (waits, timers)  %8.2f ms\n", summed < total ? ms(total - summed) : 0.0);
  std::printf("\nfloors (DESIGN 9):\n");
  std::printf("  air-time floor, 2304 B text+photo+fp in 0xE6 chunks     %8.2f ms (DESIGN: ~235)\n",
              ms(design_air_floor()));
  std::printf("  card floor of this protocol (air %.2f + card %.2f)   %8.2f ms\n", ms(floor_air),
              ms(floor_card), ms(floor_air + floor_card));
  std::printf("  reader overhead over the card floor                      %8.2f ms\n",
              ms(total) - ms(floor_air + floor_card));

  // Host figure: simulated full reads per wall-clock second (fresh simulator each time).
  const int n = 20;
  const auto w0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    Rig r(scenario);
    if (!r.start()) return 1;
    for (const Step& s : steps)
      if (!r.transact(legacy(s.cmd, s.para))) return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::printf("\nsimulated full reads per wall-clock second: %.1f (%d reads in %.2f s)\n", n / secs,
              n, secs);
  return 0;
}
