// Benchmark (not a test; toolchain/bench): read latency in virtual time (DESIGN 9) through
// the real firmware loop (ReaderApp on the host board, firmware CPU charged from the
// QEMU-measured table, signing included) against the in-process simulator.
//
//  1. Legacy read: find, select, 30 10 (text + photo + fingerprint), per command.
//  2. The product's path: the card enters the field -> the host polls find -> READ_SIGNED
//     (text + photo + fingerprint; the reader selects, reads via the SAM, signs) -> the
//     record at the host -> verified by the host library (verify_record). Breakdown per
//     resource; the floor of DESIGN 9 (the card's own frames and time for one read)
//     computed here from the frame arithmetic, no simulator helper.
//
// The last line is `signed read to verified record: X ms; floor Y ms; ratio Z`.
//
//   idr-bench-read [scenario.json]      (default: hw-sim/scenarios/resident-fingerprint.json)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "idr/ca.h"
#include "idr/proto/card_layout.h"
#include "idr/proto/hostlink.h"
#include "idr/reader.h"
#include "idr/sim/rf_field.h"
#include "idr/testing/host_board_rig.h"
#include "idr/testing/provision.h"
#include "idr/testing/temp_dir.h"
#include "idr/transport.h"
#include "idr/verify.h"

using namespace idr;

namespace {

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

// ---- DESIGN 9's floor, from the design's own numbers (ISO/IEC 14443-3 Type B, 106 kbit/s).
namespace floor_arith {
constexpr double kFc = 13.56e6;       // carrier, Hz
constexpr double kEtu = 128.0 / kFc;  // s
constexpr double kFs = kFc / 16.0;    // subcarrier, Hz
constexpr double kSofEtu = 10 + 2;    // SOF: 10..11 etu low + 2..3 high (minimum)
constexpr double kEofEtu = 10;        // EOF: 10..11 etu (minimum)
constexpr double kTr0 = 64.0 / kFs;   // guard time before the answer (minimum)
constexpr double kTr1 = 80.0 / kFs;   // answer's subcarrier before its SOF (minimum)
constexpr double kTurnaround = 1e-3;  // card: 1 ms + 10 us per response byte
constexpr double kTurnaroundPerByte = 10e-6;
constexpr double kCardAuth = 30e-3;  // card side of mutual authentication, in all
constexpr size_t kCrc = 2;           // CRC_B
constexpr size_t kSw = 2;            // SW1 SW2

double frame(size_t bytes) {
  return (kSofEtu + 10.0 * static_cast<double>(bytes) + kEofEtu) * kEtu;
}
// One command and the card's answer: frames, TR1, and the card's own time before the answer
// (max of TR0 and its turnaround: it answers after both, ISO/IEC 14443-3 7.1.6).
struct Cost {
  double air = 0;   // s on the air (frames + TR1)
  double card = 0;  // s the card takes before answering
};
Cost exchange(size_t command, size_t answer) {
  Cost c;
  c.air = frame(command + kCrc) + kTr1 + frame(answer + kCrc);
  c.card = std::max(kTr0, kTurnaround + kTurnaroundPerByte * static_cast<double>(answer));
  return c;
}
void add(Cost& total, const Cost& c) {
  total.air += c.air;
  total.card += c.card;
}
// READ BINARY of a file in the card's 0xE6 chunks: command 5 bytes, answer data + SW
// (+ extra bytes per answer: the stand-in's session MAC).
Cost read_file(size_t size, size_t extra_per_answer) {
  Cost c;
  for (size_t off = 0; off < size; off += card::kReadChunk)
    add(c, exchange(5, std::min(card::kReadChunk, size - off) + extra_per_answer + kSw));
  return c;
}

// The floor (DESIGN 9): the card's own time for one read of text + photo + fingerprint,
// every frame the card's protocol (DESIGN 6) requires once: be activated (REQB/ATQB,
// ATTRIB), give its UID (the SAM diversifies the card key from it), authenticate (the
// three exchanges' frames; the card's 30 ms), have each file it is read from selected
// (base, fingerprint, security file), and answer the READs in its 0xE6 chunking as it
// sends them (data, session MAC, SW): 2304 data bytes and the issuer MACs once.
struct Floor {
  Cost activation, authentication, selects, data, issuer_macs;
  [[nodiscard]] double total() const {
    return activation.air + activation.card + authentication.air + authentication.card +
           selects.air + selects.card + data.air + data.card + issuer_macs.air + issuer_macs.card;
  }
};
Floor card_floor() {
  Floor f;
  add(f.activation, exchange(3, 12));                    // REQB 05 00 00 / ATQB
  add(f.activation, exchange(9, 1));                     // ATTRIB / answer
  add(f.activation, exchange(5, card::kUidSize + kSw));  // GET UID
  // INTERNAL AUTHENTICATE, GET CHALLENGE, EXTERNAL AUTHENTICATE: the frames on the air;
  // the card's time is its 30 ms in all (its turnaround included).
  add(f.authentication, exchange(21, 16 + kSw));
  add(f.authentication, exchange(5, 8 + kSw));
  add(f.authentication, exchange(21, kSw));
  f.authentication.card = kCardAuth;
  for (int i = 0; i < 3; ++i) add(f.selects, exchange(7, kSw));  // SELECT 60 01, 60 02, 60 04
  add(f.data, read_file(card::kBaseSize, card::kSessionMacSize));
  add(f.data, read_file(card::kFingerprintSize, card::kSessionMacSize));
  add(f.issuer_macs, read_file(card::kSecurityFileSize, card::kSessionMacSize));
  return f;
}

// The 2304 data bytes' frames alone (REQB/ATQB, ATTRIB, the data without session MACs,
// 30 ms authentication): what this benchmark called the floor before DESIGN 9 counted the
// card's protocol frames; printed for comparison.
double data_frames_only() {
  Cost c;
  add(c, exchange(3, 12));
  add(c, exchange(9, 1));
  add(c, read_file(card::kBaseSize, 0));
  add(c, read_file(card::kFingerprintSize, 0));
  return c.air + c.card + kCardAuth;
}
}  // namespace floor_arith

// ---- The host library's transport to the in-process firmware: a request written is handed
// to the firmware's host link, and reading runs the firmware until its reply is complete.
class FirmwareTransport final : public Transport {
 public:
  explicit FirmwareTransport(testing::HostBoardRig& rig) : rig_(rig) {}
  Result<void> write(const uint8_t* data, size_t len) override {
    request_.insert(request_.end(), data, data + len);
    if (frame_complete(request_)) {
      rig_.host.send(std::move(request_));
      request_.clear();
      read_at_ = 0;
      for (int i = 0; i < 100000 && !rig_.host.reply_complete(); ++i) rig_.app.run_once();
      reply_done_at = rig_.sim.now();
    }
    return {};
  }
  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds) override {
    const auto& reply = rig_.host.reply();
    if (read_at_ >= reply.size()) return Error::Timeout;
    const size_t n = std::min(max, reply.size() - read_at_);
    std::copy(reply.begin() + static_cast<long>(read_at_),
              reply.begin() + static_cast<long>(read_at_ + n), buf);
    read_at_ += n;
    return n;
  }
  void discard_input() override { read_at_ = rig_.host.reply().size(); }
  void cancel() override {}
  void reset_cancel() override {}
  [[nodiscard]] std::string describe() const override { return "in-process host board"; }

  sim::Time reply_done_at = 0;  // virtual time the last reply was complete at the host

 private:
  static bool frame_complete(const std::vector<uint8_t>& f) {
    return f.size() >= 7 && f.size() >= 7 + ((size_t{f[5]} << 8) | f[6]);
  }
  testing::HostBoardRig& rig_;
  std::vector<uint8_t> request_;
  size_t read_at_ = 0;
};

std::vector<uint8_t> legacy(uint8_t cmd, uint8_t para) {
  uint8_t buf[16];
  const size_t n = hostlink::build_request(cmd, para, nullptr, 0, buf, sizeof buf);
  return {buf, buf + n};
}

void print_breakdown(const sim::TimeAccounts& d, sim::Time total) {
  std::printf("  RF air time                 %8.2f ms\n", ms(d.rf_air));
  std::printf("  card processing             %8.2f ms\n", ms(d.card_processing));
  std::printf("  SAM link (UART)             %8.2f ms\n", ms(d.sam_link));
  std::printf("  SAM processing              %8.2f ms\n", ms(d.sam_processing));
  std::printf("  firmware CPU (incl. signing)%8.2f ms\n", ms(d.firmware_cpu));
  std::printf("  SPI to CLRC663              %8.2f ms\n", ms(d.spi));
  std::printf("  host link                   %8.2f ms\n", ms(d.host_link));
  const sim::Time summed = d.rf_air + d.card_processing + d.sam_link + d.sam_processing +
                           d.firmware_cpu + d.spi + d.host_link;
  std::printf("  other (waits, timers)       %8.2f ms\n",
              summed < total ? ms(total - summed) : 0.0);
}

int legacy_read(const sim::Scenario& scenario) {
  testing::HostBoardRig rig(scenario);
  if (!rig.start()) {
    std::fprintf(stderr, "reader start failed\n");
    return 1;
  }
  const sim::Time t0 = rig.sim.now();
  const sim::TimeAccounts a0 = rig.sim.accounts();
  struct Step {
    const char* name;
    uint8_t cmd, para;
  };
  const Step steps[] = {
      {"find (20 01)", 0x20, 0x01}, {"select (20 02)", 0x20, 0x02}, {"read 30 10", 0x30, 0x10}};
  std::printf("1. legacy read (card in the field when the host sends find)\n");
  for (const Step& s : steps) {
    const sim::Time before = rig.sim.now();
    if (!rig.transact(legacy(s.cmd, s.para))) return 1;
    const auto& r = rig.host.reply();
    std::printf("  %-26s %8.2f ms   reply %zu bytes, SW3 %02X\n", s.name,
                ms(rig.sim.now() - before), r.size(), r.size() > 9 ? r[9] : 0);
  }
  const sim::Time total = rig.sim.now() - t0;
  std::printf("  find -> last byte of 30 10: %.2f ms; breakdown:\n", ms(total));
  print_breakdown(diff(rig.sim.accounts(), a0), total);
  return 0;
}

int signed_read(const sim::Scenario& scenario) {
  testing::HostBoardRig rig(scenario);
  sim::RfField* field = rig.sim.field();
  if (field == nullptr || field->card_count() == 0) {
    std::fprintf(stderr, "the scenario has no card\n");
    return 1;
  }
  field->set_timeline(0, {});  // no card until it is presented below
  if (!rig.start()) {
    std::fprintf(stderr, "reader start failed\n");
    return 1;
  }
  auto transport = std::make_unique<FirmwareTransport>(rig);
  FirmwareTransport& link = *transport;
  Reader reader = Reader::over(std::move(transport));
  testing::TempDir dir("idr-bench");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const ca::CaDirectory ca =
      testing::provision_with_test_ca(reader, dir.path + "/ca", now, "idr bench CA");
  TrustStore trust;
  if (!trust.add_root_der(ca.root_der())) return 1;
  // The CA's (empty) revocation list: without a list the revocation check is NOT_CHECKED
  // and the record does not verify (DESIGN 11).
  if (!trust.load_revoked(ca.dir() + "/revoked.txt")) return 1;
  auto counters = CounterStore::open(dir.path + "/counters.sqlite");
  if (!counters) return 1;

  // The card enters the field a little after the host started polling (a host polls find
  // back to back; DESIGN 8 has clients at up to ~10 kHz).
  constexpr sim::Time kArriveAfter = 3 * sim::kMs;
  const sim::Time arrive = rig.sim.now() + kArriveAfter;
  field->card_arrives(0, arrive);
  bool found = false;
  int polls = 0;
  sim::Time found_at = 0;
  // The breakdown window starts with the find poll during which the card arrived.
  sim::Time window_start = rig.sim.now();
  sim::TimeAccounts window_accounts = rig.sim.accounts();
  for (; polls < 10000 && !found; ++polls) {
    if (rig.sim.now() <= arrive) {
      window_start = rig.sim.now();
      window_accounts = rig.sim.accounts();
    }
    const auto f = reader.find_card();
    if (!f) {
      std::fprintf(stderr, "find: %s\n", message(f.error()));
      return 1;
    }
    found = *f;
    found_at = link.reply_done_at;
  }
  if (!found) return 1;
  const auto nonce = ca::random_nonce();
  if (!nonce) return 1;
  const auto record = reader.read_signed(*nonce, kText | kPhoto | kFingerprint);
  if (!record) {
    std::fprintf(stderr, "READ_SIGNED: %s\n", message(record.error()));
    return 1;
  }
  const sim::Time at_host = link.reply_done_at;
  const sim::TimeAccounts d_path = diff(rig.sim.accounts(), window_accounts);

  // Host verification: the host's own CPU (wall clock on this machine), the median of 21
  // runs; the first is the real one (counter advanced), the others without the counter.
  VerifyOptions options;
  options.trust = &trust;
  options.counters = &*counters;
  options.nonce = *nonce;
  options.now = now;
  std::vector<double> verify_ms;
  bool verified = false;
  for (int i = 0; i < 21; ++i) {
    const auto w0 = std::chrono::steady_clock::now();
    const VerifiedRecord v = verify_record(*record, options);
    verify_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count());
    if (i == 0) verified = v.verified();
    options.counters = nullptr;
    options.require_counter = false;
  }
  if (!verified) {
    std::fprintf(stderr, "the record did not verify\n");
    return 1;
  }
  std::sort(verify_ms.begin(), verify_ms.end());
  const double host_verify = verify_ms[verify_ms.size() / 2];

  const double poll_wait = ms(found_at - arrive);
  const double virtual_total = ms(at_host - arrive);
  const double total = virtual_total + host_verify;
  const floor_arith::Floor fl = floor_arith::card_floor();
  const double floor_ms = fl.total() * 1e3;
  const double data_only_ms = floor_arith::data_frames_only() * 1e3;

  std::printf(
      "\n2. signed read: card enters the field -> find -> READ_SIGNED (text + photo + "
      "fingerprint) -> record at the host -> verified\n");
  std::printf("  card enters the field -> find answered 9F  %8.2f ms (%d find polls in all)\n",
              poll_wait, polls);
  std::printf("  READ_SIGNED -> record at the host         %8.2f ms (%zu bytes)\n",
              ms(at_host - found_at), record->size());
  std::printf("  host verification (verify_record, host CPU, median of 21)  %.2f ms\n",
              host_verify);
  std::printf(
      "  breakdown per resource, from the start of the find poll the card arrived in\n"
      "  (%.2f ms before it) to the record at the host, then the host's verification:\n",
      ms(arrive - window_start));
  print_breakdown(d_path, at_host - window_start);
  std::printf("  host verification           %8.2f ms\n", host_verify);
  std::printf(
      "\nfloor (DESIGN 9: the card's own frames and time, 106 kbit/s, minimum "
      "SOF/EOF/TR0/TR1):\n");
  auto part = [](const char* what, const floor_arith::Cost& c) {
    std::printf("  %-52s air %7.2f + card %6.2f ms\n", what, c.air * 1e3, c.card * 1e3);
  };
  part("REQB/ATQB, ATTRIB, GET UID", fl.activation);
  part("authentication (3 exchanges, the card's 30 ms)", fl.authentication);
  part("SELECT base, fingerprint, security file", fl.selects);
  part("READ 2304 data bytes in 0xE6 chunks, session MACs", fl.data);
  part("READ the issuer MACs (security file)", fl.issuer_macs);
  std::printf("  floor                                                    %8.2f ms\n", floor_ms);
  std::printf(
      "  (the data bytes' frames alone, without the protocol's other frames: %.2f ms, "
      "ratio %.2f)\n",
      data_only_ms, total / data_only_ms);
  std::printf("signed read to verified record: %.1f ms; floor %.1f ms; ratio %.2f\n", total,
              floor_ms, total / floor_ms);
  return 0;
}

}  // namespace

const char kUsage[] =
    "usage: idr-bench-read [SCENARIO.json]\n"
    "  read latency in virtual time of the legacy read and of the signed read to a verified\n"
    "  record, with the breakdown per resource and the DESIGN 9 floor (default scenario:\n"
    "  hw-sim/scenarios/resident-fingerprint.json of the source tree)\n";

int main(int argc, char** argv) {
  if (argc > 2) return std::fputs(kUsage, stderr), 2;
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h"))
    return std::fputs(kUsage, stdout), 0;
  const std::string path =
      argc > 1 ? argv[1]
               : std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/resident-fingerprint.json";
  try {
    const sim::Scenario scenario = sim::load_scenario(path);
    std::printf(
        "idr read latency benchmark (virtual time), scenario %s; MCU %.0f MHz, SAM %u "
        "baud at power-up, firmware CPU from the QEMU-measured table\n\n",
        scenario.name.c_str(), static_cast<double>(scenario.timing.mcu_hz) / 1e6,
        scenario.timing.sam_baud);
    if (legacy_read(scenario) != 0) return 1;

    // Host figure: simulated full legacy reads per wall-clock second.
    const int n = 20;
    const auto w0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      testing::HostBoardRig r(scenario);
      if (!r.start() || !r.transact(legacy(0x20, 0x01)) || !r.transact(legacy(0x20, 0x02)) ||
          !r.transact(legacy(0x30, 0x10)))
        return 1;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    std::printf("  simulated full legacy reads per wall-clock second: %.1f\n", n / secs);

    return signed_read(scenario);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "idr-bench-read: %s\n", e.what());
    return 1;
  }
}
