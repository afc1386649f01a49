// The host board's HAL over the sim wire, against a Simulator with fake peripherals:
// both sides of the real wire codec in one process.
#include <catch2/catch.hpp>
#include <deque>

#include "fake_peripherals.h"
#include "idr/board/host_board.h"

using namespace idr;

namespace {

// A host link in memory: what the test queued is read; what the firmware writes is kept.
class MemoryHostLink : public hal::HostLink {
 public:
  Status read(uint8_t* buf, size_t max, size_t& got, uint32_t) override {
    got = 0;
    while (!to_reader.empty() && got < max) {
      buf[got++] = to_reader.front();
      to_reader.pop_front();
    }
    return got ? Status::Ok : Status::Timeout;
  }
  Status write(const uint8_t* data, size_t len) override {
    to_host.insert(to_host.end(), data, data + len);
    return Status::Ok;
  }
  std::deque<uint8_t> to_reader;
  std::vector<uint8_t> to_host;
};

struct Bench {
  test::FakeBench fakes;
  sim::Simulator sim{sim::Simulator::Config{}, test::fake_factory(fakes, 2 * sim::kMs)};
  board::InProcessSimLink link{
      [this](const uint8_t* m, size_t n, uint8_t* o, size_t c) { return sim.handle(m, n, o, c); }};
  MemoryHostLink host;
  board::HostBoard hb{link, host};
};

}  // namespace

TEST_CASE("host board: hello checks the version in both directions") {
  Bench b;
  REQUIRE(b.hb.start() == Status::Ok);
  CHECK(b.hb.mcu_hz() == 96'000'000u);

  // A simulator that answers a different version is refused by the board.
  board::InProcessSimLink odd([](const uint8_t*, size_t, uint8_t* out, size_t cap) {
    simwire::Writer w(out, cap);
    w.begin(
        static_cast<uint8_t>(static_cast<uint8_t>(simwire::Type::Hello) | simwire::kResponseBit));
    w.u16(simwire::kVersion + 1);
    w.u32(1);
    return w.finish();
  });
  MemoryHostLink host;
  board::HostBoard other(odd, host);
  CHECK(other.start() == Status::Unsupported);
}

TEST_CASE("host board: SPI and IRQ reach the CLRC663 model in virtual time") {
  Bench b;
  hal::Board& hw = b.hb.board();
  const uint8_t tx[3] = {0x01, 0x80, 0x7F};
  uint8_t rx[3] = {};
  REQUIRE(hw.rc663_spi.transfer(tx, rx, 3) == Status::Ok);
  CHECK(rx[0] == 0xFE);
  CHECK(rx[1] == 0x7F);
  CHECK(rx[2] == 0x80);
  CHECK(b.sim.accounts().spi == 2400);  // 24 bits at 10 Mbit/s

  CHECK(hw.rc663_irq.wait_asserted(50) == Status::Timeout);
  b.sim.clock().schedule_in(300 * sim::kUs, [&] { b.fakes.rc663->irq = true; });
  const uint64_t before = hw.clock.now_us();
  CHECK(hw.rc663_irq.wait_asserted(1000) == Status::Ok);
  const uint64_t after = hw.clock.now_us();
  CHECK(after >= before + 300);
  CHECK(after < before + 1000);

  uint8_t big[simwire::kMaxPayload + 1] = {};
  CHECK(hw.rc663_spi.transfer(big, big, sizeof big) == Status::InvalidArgument);
}

TEST_CASE("host board: SAM UART write, blocking read and timeout") {
  Bench b;
  hal::Board& hw = b.hb.board();
  const uint8_t msg[] = {0x10, 0x20};
  REQUIRE(hw.sam_uart.write(msg, 2) == Status::Ok);
  uint8_t buf[8];
  size_t got = 9;
  CHECK(hw.sam_uart.read(buf, sizeof buf, got, 500) == Status::Timeout);
  CHECK(got == 0);
  REQUIRE(hw.sam_uart.read(buf, sizeof buf, got, 5000) == Status::Ok);
  REQUIRE(got == 2);
  CHECK(buf[0] == 0x11);
  CHECK(buf[1] == 0x21);
  REQUIRE(hw.sam_uart.set_baud(460800) == Status::Ok);
  CHECK(b.fakes.sam->baud == 460800u);
}

TEST_CASE("host board: flash and RNG, in chunks larger than one message") {
  Bench b;
  hal::Board& hw = b.hb.board();
  CHECK(hw.flash.page_size() == 256u);
  CHECK(hw.flash.page_count() == 4u);
  std::vector<uint8_t> data(1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  REQUIRE(hw.flash.program(0, data.data(), data.size()) == Status::Ok);
  std::vector<uint8_t> back(1024);
  REQUIRE(hw.flash.read(0, back.data(), back.size()) == Status::Ok);
  CHECK(back == data);
  REQUIRE(hw.flash.erase_page(1) == Status::Ok);
  REQUIRE(hw.flash.read(256, back.data(), 4) == Status::Ok);
  CHECK(back[0] == 0xFF);
  CHECK(hw.flash.read(1020, back.data(), 8) == Status::InvalidArgument);

  std::vector<uint8_t> r(5000, 0);
  REQUIRE(hw.rng.fill(r.data(), r.size()) == Status::Ok);
  size_t zeros = 0;
  for (uint8_t v : r) zeros += v == 0;
  CHECK(zeros < 100);  // ~20 expected from a uniform source
}

TEST_CASE("host board: CPU estimate, host link bytes and idle time are charged to virtual time") {
  Bench b;
  hal::Board& hw = b.hb.board();
  const uint8_t reply[1500] = {};
  REQUIRE(hw.host.write(reply, sizeof reply) == Status::Ok);
  CHECK(b.host.to_host.size() == 1500);
  CHECK(b.sim.accounts().host_link == 1'000'000);  // 12000 bits at 12 Mbit/s
  CHECK(b.sim.accounts().firmware_cpu > 0);        // the estimate of board/README.md

  const uint64_t t0 = hw.clock.now_us();
  uint8_t buf[4];
  size_t got = 0;
  CHECK(hw.host.read(buf, sizeof buf, got, 7000) == Status::Timeout);
  CHECK(hw.clock.now_us() >= t0 + 7000);  // an idle reader lets simulated time pass

  b.host.to_reader = {0xAA, 0xAA};
  REQUIRE(hw.host.read(buf, sizeof buf, got, 7000) == Status::Ok);
  CHECK(got == 2);
  CHECK(b.sim.accounts().host_link == 1'000'000 + sim::bit_time(16, 12'000'000));
}

TEST_CASE("host board: simulator errors and a broken link become Status codes") {
  Bench b;
  hal::Board& hw = b.hb.board();
  const uint8_t bad[1] = {0xEE};  // the fake model records a model error on this
  uint8_t rx[1];
  CHECK_FALSE(b.hb.wire().hardware_fault());
  CHECK(hw.rc663_spi.transfer(bad, rx, 1) == Status::HardwareFault);
  CHECK(std::string(b.hb.wire().last_error()).find("not modelled") != std::string::npos);
  CHECK(b.hb.wire().hardware_fault());
  CHECK_FALSE(b.hb.wire().link_broken());
  // The simulated hardware stays faulty; the clock still answers.
  const uint8_t fine[1] = {0x02};
  CHECK(hw.rc663_spi.transfer(fine, rx, 1) == Status::HardwareFault);
  uint64_t now = 0;
  CHECK(b.hb.wire().now_ns(now) == Status::Ok);
  CHECK(now > 0);

  board::InProcessSimLink dead([](const uint8_t*, size_t, uint8_t*, size_t) { return size_t{0}; });
  MemoryHostLink host;
  board::HostBoard gone(dead, host);
  CHECK(gone.start() == Status::Io);
  CHECK(gone.wire().link_broken());
  CHECK(gone.board().rc663_irq.wait_asserted(10) == Status::Io);
}
