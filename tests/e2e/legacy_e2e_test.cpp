// Process-level acceptance (DESIGN 8; issue acceptance 4 and 5): idr-sim and idr-firmware
// as separate processes, a legacy client on the TCP host link, byte-exact replies.
// tests/qemu builds this same file with its own ReaderProcesses (the Cortex-M4 image under
// QEMU): the expectations are the same for every board.
#include <catch2/catch.hpp>
#include <thread>

#include "expected_cards.h"
#include "idr/sim/scenario.h"
#include "legacy_client.h"
#include "reader_processes.h"

using namespace idr::e2e;
using namespace std::chrono_literals;

namespace {

const std::string kScenarioDir = std::string(IDR_SOURCE_DIR) + "/tests/e2e/scenarios/";

// DESIGN 8 replies built from the DESIGN text.
const Bytes kOk = bare_reply(0x90);
const Bytes kFindOk = legacy_frame({0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00});
Bytes select_ok() {
  Bytes body = {0x00, 0x00, 0x90};
  body.insert(body.end(), 8, 0x00);  // 8 zero bytes: clients compare them
  return legacy_frame(body);
}

bool chk_valid(const Bytes& f) {
  uint8_t x = 0;
  for (size_t i = 5; i + 1 < f.size(); ++i) x = static_cast<uint8_t>(x ^ f[i]);
  return f.size() > 7 && x == f.back();
}

Bytes slice(const Bytes& b, size_t off, size_t n) {
  REQUIRE(off + n <= b.size());
  return Bytes(b.begin() + static_cast<long>(off), b.begin() + static_cast<long>(off + n));
}

}  // namespace

TEST_CASE(
    "e2e: legacy SAM commands and card commands out of order through idr-firmware and idr-sim") {
  const std::string scenario = kScenarioDir + "one_card_full.json";
  ReaderProcesses procs(scenario);
  LegacyClient host(procs.host_port, 5s);

  // An opening sequence seen in clients: status twice, then 61 FF 50 (DESIGN 8).
  CHECK(host.transact(legacy_request(0x11, 0xFF)) == kOk);
  CHECK(host.transact(legacy_request(0x11, 0xFF)) == kOk);
  CHECK(host.transact(legacy_request(0x61, 0xFF, {0x50})) == kOk);
  CHECK(host.transact(legacy_request(0x10, 0xFF)) == kOk);

  // SAM id: LEN exactly 00 14, two u16 below 100, first u32 below 10^8 (DESIGN 8).
  const Bytes sam = host.transact(legacy_request(0x12, 0xFF));
  REQUIRE(sam.size() == 27);
  CHECK(slice(sam, 5, 5) == Bytes{0x00, 0x14, 0x00, 0x00, 0x90});
  CHECK(chk_valid(sam));
  CHECK((sam[10] | (sam[11] << 8)) < 100);
  CHECK((sam[12] | (sam[13] << 8)) < 100);
  const uint32_t first = static_cast<uint32_t>(sam[14] | (sam[15] << 8) | (sam[16] << 16)) |
                         (static_cast<uint32_t>(sam[17]) << 24);
  CHECK(first < 100'000'000u);
  const auto id = idr::sim::load_scenario(scenario).sam_id;  // the scenario's SAM
  CHECK(slice(sam, 10, 16) == Bytes(id.begin(), id.end()));

  // Before a find: select fails (81), a read fails (41).
  CHECK(host.transact(legacy_request(0x20, 0x02)) == bare_reply(0x81));
  CHECK(host.transact(legacy_request(0x30, 0x01)) == bare_reply(0x41));

  // Set baud 60 00 (115200) is answered with the bare OK.
  CHECK(host.transact(legacy_request(0x60, 0x00)) == kOk);
  CHECK(host.silent_for(200ms));  // one reply per command, nothing late
}

TEST_CASE("e2e: a legacy client reads a resident ID card through idr-firmware and idr-sim",
          "[rf]") {
  const std::string scenario = kScenarioDir + "one_card_full.json";
  const ExpectedCard card = expected_card(scenario);
  ReaderProcesses procs(scenario);
  LegacyClient host(procs.host_port, 5s);

  CHECK(host.transact(legacy_request(0x20, 0x01)) == kFindOk);
  CHECK(host.transact(legacy_request(0x20, 0x02)) == select_ok());

  // 30 01: 90, lengths 01 00 and 04 00 (big endian), text, photo: 1295 bytes.
  const Bytes base = host.transact(legacy_request(0x30, 0x01));
  REQUIRE(base.size() == 1295);
  CHECK(slice(base, 0, 10) == Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x05, 0x08, 0x00, 0x00, 0x90});
  CHECK(slice(base, 10, 4) == Bytes{0x01, 0x00, 0x04, 0x00});
  CHECK(slice(base, 14, 256) == card.text);
  CHECK(slice(base, 270, 1024) == card.photo);
  CHECK(chk_valid(base));

  // 30 10: plus fingerprint length 04 00 and 1024 bytes: 2321 bytes.
  const Bytes full = host.transact(legacy_request(0x30, 0x10));
  REQUIRE(full.size() == 2321);
  CHECK(slice(full, 10, 6) == Bytes{0x01, 0x00, 0x04, 0x00, 0x04, 0x00});
  CHECK(slice(full, 16, 256) == card.text);
  CHECK(slice(full, 272, 1024) == card.photo);
  REQUIRE(card.fingerprint.size() == 1024);
  CHECK(slice(full, 1296, 1024) == card.fingerprint);
  CHECK(chk_valid(full));

  // 30 03: 90 then the appended address(es), 70 bytes UCS-2 each.
  REQUIRE(!card.addresses.empty());
  const Bytes addr = host.transact(legacy_request(0x30, 0x03));
  REQUIRE(addr.size() >= 11 + 70);
  CHECK(slice(addr, 7, 3) == Bytes{0x00, 0x00, 0x90});
  CHECK(slice(addr, 10, 70) == card.addresses.front());
  CHECK(chk_valid(addr));
  CHECK(addr[6] < 0x80);  // clients read LEN bytes as signed chars (DESIGN 8)

  // The card stays ACTIVE after a read: REQB gets no answer, find says 80 (DESIGN 8).
  CHECK(host.transact(legacy_request(0x20, 0x01)) == bare_reply(0x80));

  CHECK(host.silent_for(200ms));  // one reply per command, nothing late
}

TEST_CASE("e2e: a card without appended address answers 30 03 with 91", "[rf]") {
  const std::string scenario = kScenarioDir + "one_card_no_address.json";
  ReaderProcesses procs(scenario);
  LegacyClient host(procs.host_port, 5s);
  CHECK(host.transact(legacy_request(0x20, 0x01)) == kFindOk);
  CHECK(host.transact(legacy_request(0x20, 0x02)) == select_ok());
  CHECK(host.transact(legacy_request(0x30, 0x03)) == bare_reply(0x91));
}

TEST_CASE("e2e: request errors get 10/11/21 and malformed frames never stop the firmware") {
  const std::string scenario = kScenarioDir + "one_card_full.json";
  ReaderProcesses procs(scenario);
  LegacyClient host(procs.host_port, 5s);

  Bytes bad_chk = legacy_request(0x11, 0xFF);
  bad_chk.back() ^= 0x01;
  CHECK(host.transact(bad_chk) == bare_reply(0x10));

  // Status with one DATA byte it does not take: LEN 00 04 is a length error.
  CHECK(host.transact(legacy_request(0x11, 0xFF, {0x00})) == bare_reply(0x11));
  // Unknown command.
  CHECK(host.transact(legacy_request(0x77, 0xFF)) == bare_reply(0x21));
  CHECK(host.transact(legacy_request(0x11, 0xFF)) == kOk);

  // Oversized LEN: larger than any request the reader accepts (DESIGN 4 frames).
  host.send({0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x11, 0xFF});
  CHECK(host.read_reply(10s) == bare_reply(0x11));
  // The firmware drops a partial frame after 50 ms of *virtual* silence; idle host-link reads
  // advance virtual time only as fast as the firmware process gets the CPU, so leave a wide
  // real-time margin (a loaded CI machine must not turn this into a flaky failure).
  std::this_thread::sleep_for(2s);
  CHECK(host.transact(legacy_request(0x11, 0xFF)) == kOk);

  // Bad preamble: noise is skipped, the good frame after it is answered, and only it.
  Bytes noise = {0xAA, 0xAA, 0x00, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED, 0x55};
  const Bytes good = legacy_request(0x11, 0xFF);
  noise.insert(noise.end(), good.begin(), good.end());
  CHECK(host.transact(noise) == kOk);
  CHECK(host.silent_for(200ms));

  // Truncated frame: dropped after the inter-byte timeout, no reply; the next frame works.
  host.send({0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20});
  CHECK(host.silent_for(2s));  // margin as above
  CHECK(host.transact(legacy_request(0x11, 0xFF)) == kOk);

  // A host that goes away mid-frame; the next host is served.
  host.send({0xAA, 0xAA, 0xAA});
  host.close();
  LegacyClient next(procs.host_port, 5s);
  CHECK(next.transact(legacy_request(0x11, 0xFF)) == kOk);
  CHECK(procs.firmware->running());
  CHECK(procs.sim->running());
}

// Host board only (tests/qemu runs this file against the QEMU board without it).
// The board reaches the simulator only over the sim wire (DESIGN 1): there is no in-process
// simulator, so a firmware without --sim (or with a scenario instead) is a usage error.
TEST_CASE("e2e: idr-firmware needs --sim, a scenario in-process is refused", "[host-board]") {
  ChildProcess no_sim({IDR_FIRMWARE_EXE, "--listen", "127.0.0.1:0"});
  CHECK(no_sim.wait_exit(10s) == 2);
  ChildProcess scenario({IDR_FIRMWARE_EXE, "--scenario", kScenarioDir + "one_card_full.json"});
  CHECK(scenario.wait_exit(10s) == 2);
}

// DESIGN 3: behaviour the model does not implement is an explicit, fatal error, visible at
// every level. idr-firmware --front-end-standby makes the reader put its CLRC663 into
// standby whenever the field is off (a real power-saving mode of the chip, data sheet
// 8.9.2.2, implemented in firmware/core standby_front_end.h); the CLRC663 model does not
// implement standby, so the firmware's first standby (right after init) is a model error.
TEST_CASE(
    "e2e: a model error ends the run: reader fault to the host, idr-sim exits with the "
    "model's message",
    "[host-board]") {
  ReaderProcesses procs(kScenarioDir + "one_card_full.json", {"--front-end-standby"});
  LegacyClient host(procs.host_port, 5s);
  // The reader cannot work: SW3 60 (DESIGN 8 "self-test failed") instead of find's answer.
  CHECK(host.transact(legacy_request(0x20, 0x01)) == bare_reply(0x60));
  // Then the firmware stops (exit 3), and the simulator, its board gone, too (exit 3).
  CHECK(procs.firmware->wait_exit(10s) == 3);
  CHECK(procs.sim->wait_exit(10s) == 3);
  const std::vector<std::string> errors = procs.sim->take_model_errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "CLRC663: Command.Standby (power-down) not modelled");
}

namespace {
std::vector<std::string> g_reported;
void record_model_error(const std::string& message) {
  g_reported.push_back(message);
}
}  // namespace

// The harness side: a test that does not take the model error is failed by the harness when
// it tears the processes down (child_process.h; in test executables the handler is
// FAIL_CHECK, tests/catch_main.cpp). Here a recording handler stands in for FAIL_CHECK.
TEST_CASE("e2e: a model error nobody took is reported when the harness tears down",
          "[host-board]") {
  g_reported.clear();
  const ModelErrorHandler previous = set_model_error_handler(record_model_error);
  {
    ReaderProcesses procs(kScenarioDir + "one_card_full.json", {"--front-end-standby"});
    LegacyClient host(procs.host_port, 5s);
    CHECK(host.transact(legacy_request(0x11, 0xFF)) == bare_reply(0x60));
  }
  set_model_error_handler(previous);
  REQUIRE(g_reported.size() == 1);
  CHECK(g_reported[0] == "CLRC663: Command.Standby (power-down) not modelled");
}
