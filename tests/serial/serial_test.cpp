// The serial: transport against the host-board firmware's pty host link (idr-firmware
// --pty): legacy replies byte-exact in shape (DESIGN 8), every sample card through the C++
// API, set baud reaching the line settings, pulling the device mid-read, discovery.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>
#include <thread>

#include "card_expect.h"
#include "e2e_support.h"
#include "idr/discovery.h"
#include "idr/legacy_port.h"
#include "idr/reader.h"
#include "pty_reader_processes.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

std::string scenario(const char* name) {
  return test::sample_dir() + name;
}

// Runs `pull` right after the n-th write from arm(n) on has gone out: "pulling the
// device" while that command's reply is due.
class PullingTransport final : public test::ForwardingTransport {
 public:
  PullingTransport(std::unique_ptr<Transport> inner, std::function<void()> pull)
      : ForwardingTransport(std::move(inner)), pull_(std::move(pull)) {}
  void arm(size_t n) { left_ = n; }
  Result<void> write(const uint8_t* d, size_t len) override {
    auto r = ForwardingTransport::write(d, len);
    if (left_ != 0 && --left_ == 0) pull_();
    return r;
  }

 private:
  std::function<void()> pull_;
  size_t left_ = 0;
};

}  // namespace

TEST_CASE("serial: legacy commands over the pty answer as DESIGN 8 says") {
  test::PtyReaderProcesses procs(scenario("resident-fingerprint.json"));
  auto port = LegacyPort::open(procs.uri());
  REQUIRE(port.ok());
  // Status and reset: bare OK; SAM id: 16 bytes (LEN 00 14); 61 FF 50: bare OK.
  for (uint8_t cmd : {uint8_t{0x11}, uint8_t{0x10}}) {
    auto r = port->command(cmd, 0xFF);
    REQUIRE(r.ok());
    CHECK(r->sw3 == 0x90);
    CHECK(r->data.empty());
  }
  auto sam = port->command(0x12, 0xFF);
  REQUIRE(sam.ok());
  CHECK(sam->sw3 == 0x90);
  CHECK(sam->data.size() == 16);
  auto rf = port->command(0x61, 0xFF, {0x50});
  REQUIRE(rf.ok());
  CHECK(rf->sw3 == 0x90);
  // Find 9F + 4 zero bytes (poll: the card arrives at its scenario time), select 90 + 8 zero
  // bytes, read 30 10: lengths then text 256, photo 1024, fingerprint.
  Result<LegacyReply> find = Error::Timeout;
  for (int i = 0; i < 200; ++i) {
    find = port->command(0x20, 0x01);
    REQUIRE(find.ok());
    if (find->sw3 == 0x9F) break;
    CHECK(find->sw3 == 0x80);
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(find->sw3 == 0x9F);
  CHECK(find->data == std::vector<uint8_t>(4, 0));
  auto select = port->command(0x20, 0x02);
  REQUIRE(select.ok());
  CHECK(select->sw3 == 0x90);
  CHECK(select->data == std::vector<uint8_t>(8, 0));
  auto read = port->command(0x30, 0x10);
  REQUIRE(read.ok());
  CHECK(read->sw3 == 0x90);
  const sim::Scenario s = sim::load_scenario(scenario("resident-fingerprint.json"));
  const sim::CardImage image = sim::make_card_image(s.cards.front().spec);
  REQUIRE(read->data.size() == 6 + 256 + 1024 + 1024);  // 2321-byte frame: DESIGN 8
  CHECK(std::equal(image.text.begin(), image.text.end(), read->data.begin() + 6));
  CHECK(std::equal(image.photo.begin(), image.photo.end(), read->data.begin() + 6 + 256));
}

TEST_CASE("serial: every sample card reads back equal to its personalisation (C++ API)") {
  for (const std::string& file : test::sample_scenarios()) {
    const sim::Scenario s = sim::load_scenario(file);
    if (s.cards.size() != 1 && s.name != "three-cards-sequential") continue;
    SECTION(s.name) {
      test::PtyReaderProcesses procs(file);
      auto reader = Reader::open(procs.uri());
      REQUIRE(reader.ok());
      CHECK(reader->status().ok());
      auto card = reader->wait_for_card(10s, kAll);
      REQUIRE(card.ok());
      test::check_card(*card, s.cards.front().spec);
      auto again = reader->find_card();
      REQUIRE(again.ok());
      CHECK_FALSE(*again);
    }
  }
}

TEST_CASE("serial: set baud (60 PP) changes the pty's line speed and the link keeps working") {
  test::PtyReaderProcesses procs(scenario("resident-fingerprint.json"));
  auto port = LegacyPort::open(procs.uri());
  REQUIRE(port.ok());
  auto r = port->command(0x60, 0x01);  // 01: 57600 (DESIGN 8)
  REQUIRE(r.ok());
  CHECK(r->sw3 == 0x90);
  // The board switches once the OK has left (legacy_server.h), i.e. just after we got it:
  // look again for a bounded while.
  const int fd = ::open(procs.pty_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  speed_t speed = 0;
  for (int i = 0; i < 200 && speed != B57600; ++i) {
    termios tio{};
    REQUIRE(::tcgetattr(fd, &tio) == 0);
    speed = ::cfgetospeed(&tio);
    if (speed != B57600) std::this_thread::sleep_for(10ms);
  }
  ::close(fd);
  CHECK(speed == B57600);
  auto status = port->command(0x11, 0xFF);  // a pty carries bytes at any speed
  REQUIRE(status.ok());
  CHECK(status->sw3 == 0x90);
}

TEST_CASE("serial: pulling the device mid-read gives TransportClosed and the next open works") {
  const std::string file = scenario("resident-fingerprint.json");
  test::PtyReaderProcesses procs(file);
  auto t = open_transport(procs.uri());
  REQUIRE(t.ok());
  auto pulling = std::make_unique<PullingTransport>(std::move(t).value(),
                                                    [&procs] { procs.firmware->kill(); });
  PullingTransport& spy = *pulling;
  // A command budget far beyond the case's ctest timeout: only the transport seeing the
  // hang-up ends the read below; one it does not see leaves it waiting until ctest fails
  // the case. No wall-clock bound (DESIGN 9).
  ReaderOptions patient;
  patient.command_timeout = std::chrono::hours(1);
  Reader reader = Reader::over(std::move(pulling), patient);
  bool present = false;
  for (int i = 0; i < 200 && !present; ++i) {
    auto f = reader.find_card();
    REQUIRE(f.ok());
    present = *f;
    if (!present) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(present);
  // read_card sends select then 30 10: the firmware dies (SIGKILL, reaped: the pty master
  // is closed) right after the read command went out, while its reply is due.
  spy.arm(2);
  auto card = reader.read_card(kText | kPhoto | kFingerprint);
  CHECK(card.error() == Error::TransportClosed);
  CHECK(reader.status().error() == Error::TransportClosed);

  // The next open (the device plugged back in: a new pty) works and reads the card.
  test::PtyReaderProcesses again(file);
  auto next = Reader::open(again.uri());
  REQUIRE(next.ok());
  auto read = next->wait_for_card(10s, kAll);
  REQUIRE(read.ok());
  CHECK(read->fields_read == unsigned{kAll});
}

TEST_CASE("serial: discovery lists the configured pty and $IDR_READER") {
  test::PtyReaderProcesses procs(scenario("resident-fingerprint.json"));
  ::setenv("IDR_SERIAL_READERS", (procs.pty_path + ", /dev/nonexistent-port").c_str(), 1);
  ::setenv("IDR_READER", "tcp://127.0.0.1:5999", 1);
  auto all = list_readers();
  ::unsetenv("IDR_SERIAL_READERS");
  ::unsetenv("IDR_READER");
  REQUIRE(all.ok());
  auto has = [&](const std::string& uri, const std::string& transport) {
    return std::any_of(all->begin(), all->end(), [&](const ReaderInfo& r) {
      return r.uri == uri && r.transport == transport && !r.description.empty();
    });
  };
  CHECK(has(procs.uri(), "serial"));
  CHECK(has("serial:/dev/nonexistent-port", "serial"));
  CHECK(has("tcp://127.0.0.1:5999", "tcp"));
  // Every listed serial URI is one Reader::open accepts; the pty one answers.
  auto reader = Reader::open(procs.uri());
  REQUIRE(reader.ok());
  CHECK(reader->status().ok());
}
