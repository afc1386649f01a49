// The Simulator's request handling (hw-sim/README.md "Sim wire"), over fake peripherals.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "fake_peripherals.h"
#include "idr/proto/simwire.h"
#include "idr/sim/scenario.h"
#include "idr/sim/wire_stream.h"

using namespace idr;
using simwire::ErrorCode;
using simwire::Type;

namespace {

struct Response {
  uint8_t type = 0;
  std::vector<uint8_t> payload;
  std::vector<uint8_t> raw;
};

Response parse(const uint8_t* buf, size_t n) {
  REQUIRE(n >= 3);
  REQUIRE(static_cast<size_t>(buf[0] | (buf[1] << 8)) == n - 2);
  Response r;
  r.type = buf[2];
  r.payload.assign(buf + 3, buf + n);
  r.raw.assign(buf, buf + n);
  return r;
}

// Sends one request built by `fill` and returns the parsed response.
template <typename Fill>
Response call(sim::Simulator& s, Type t, Fill fill) {
  uint8_t req[simwire::kMaxMessage];
  simwire::Writer w(req, sizeof req);
  w.begin(t);
  fill(w);
  const size_t n = w.finish();
  REQUIRE(n > 0);
  uint8_t resp[simwire::kMaxMessage];
  return parse(resp, s.handle(req, n, resp, sizeof resp));
}
Response call(sim::Simulator& s, Type t) {
  return call(s, t, [](simwire::Writer&) {});
}

uint8_t ok_type(Type t) {
  return static_cast<uint8_t>(static_cast<uint8_t>(t) | simwire::kResponseBit);
}

void require_error(const Response& r, ErrorCode code) {
  REQUIRE(r.type == static_cast<uint8_t>(Type::Error));
  REQUIRE(!r.payload.empty());
  CHECK(r.payload[0] == static_cast<uint8_t>(code));
}

uint64_t u64_at(const std::vector<uint8_t>& p, size_t off) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p.at(off + i)) << (8 * i);
  return v;
}

struct Fixture {
  test::FakeBench bench;
  sim::Simulator sim{sim::Simulator::Config{}, test::fake_factory(bench, 1 * sim::kMs)};
};

}  // namespace

TEST_CASE("hello answers the wire version and MCU clock, a wrong version is refused") {
  Fixture f;
  auto r = call(f.sim, Type::Hello, [](auto& w) { w.u16(simwire::kVersion); });
  REQUIRE(r.type == ok_type(Type::Hello));
  simwire::Reader rd(r.raw.data() + 2, r.raw.size() - 2);
  CHECK(rd.u16() == simwire::kVersion);
  CHECK(rd.u32() == 96'000'000u);  // DESIGN 3 default MCU clock
  CHECK(rd.remaining() == 0);

  require_error(call(f.sim, Type::Hello, [](auto& w) { w.u16(simwire::kVersion + 1); }),
                ErrorCode::Unsupported);
}

TEST_CASE("malformed and unknown requests get Error responses, never a crash") {
  Fixture f;
  uint8_t resp[simwire::kMaxMessage];
  const uint8_t too_short[] = {0x01, 0x00};
  require_error(parse(resp, f.sim.handle(too_short, sizeof too_short, resp, sizeof resp)),
                ErrorCode::Malformed);
  const uint8_t len_mismatch[] = {0x05, 0x00, 0x41};
  require_error(parse(resp, f.sim.handle(len_mismatch, sizeof len_mismatch, resp, sizeof resp)),
                ErrorCode::Malformed);
  const uint8_t unknown[] = {0x01, 0x00, 0x55};
  require_error(parse(resp, f.sim.handle(unknown, sizeof unknown, resp, sizeof resp)),
                ErrorCode::Unknown);
  const uint8_t response_as_request[] = {0x01, 0x00, 0xC1};
  require_error(
      parse(resp, f.sim.handle(response_as_request, sizeof response_as_request, resp, sizeof resp)),
      ErrorCode::Unknown);
  // IrqWait with a truncated u32, ClockNow with a trailing byte, empty SPI transfer.
  require_error(call(f.sim, Type::IrqWait, [](auto& w) { w.u16(7); }), ErrorCode::Malformed);
  require_error(call(f.sim, Type::ClockNow, [](auto& w) { w.u8(0); }), ErrorCode::Malformed);
  require_error(call(f.sim, Type::SpiTransfer), ErrorCode::Malformed);
  CHECK(f.sim.error_responses() == 7);
  CHECK(f.sim.now() == 0);  // nothing malformed takes virtual time
}

TEST_CASE("SPI transfer is charged at the SPI rate, then handed to the CLRC663 model") {
  Fixture f;
  auto r = call(f.sim, Type::SpiTransfer, [](auto& w) {
    const uint8_t mosi[] = {0x00, 0x0F, 0xA5, 0xFF};
    w.bytes(mosi, sizeof mosi);
  });
  REQUIRE(r.type == ok_type(Type::SpiTransfer));
  CHECK(r.payload == std::vector<uint8_t>{0xFF, 0xF0, 0x5A, 0x00});
  // 32 bits at 10 Mbit/s (DESIGN 9) = 3.2 us.
  CHECK(f.sim.now() == 3200);
  CHECK(f.sim.accounts().spi == 3200);
  REQUIRE(f.bench.rc663->transfers.size() == 1);
}

TEST_CASE("IRQ wait runs virtual time until the pin rises or the timeout passes") {
  Fixture f;
  f.sim.clock().schedule(500 * sim::kUs, [&] { f.bench.rc663->irq = true; });
  auto r = call(f.sim, Type::IrqWait, [](auto& w) { w.u32(100); });
  REQUIRE(r.type == ok_type(Type::IrqWait));
  CHECK(r.payload == std::vector<uint8_t>{0});
  CHECK(f.sim.now() == 100 * sim::kUs);
  r = call(f.sim, Type::IrqWait, [](auto& w) { w.u32(10'000); });
  CHECK(r.payload == std::vector<uint8_t>{1});
  CHECK(f.sim.now() == 500 * sim::kUs);  // answered when the pin rose, not at the timeout
  r = call(f.sim, Type::IrqWait, [](auto& w) { w.u32(0); });  // 0 samples the line
  CHECK(r.payload == std::vector<uint8_t>{1});
  CHECK(f.sim.now() == 500 * sim::kUs);
}

TEST_CASE("UART read blocks in virtual time until the SAM's bytes arrive") {
  Fixture f;  // the fake SAM answers 1 ms after a write
  auto r = call(f.sim, Type::UartWrite, [](auto& w) {
    w.u8(simwire::kPortSam);
    const uint8_t b[] = {1, 2, 3};
    w.bytes(b, 3);
  });
  REQUIRE(r.type == ok_type(Type::UartWrite));
  r = call(f.sim, Type::UartRead, [](auto& w) {
    w.u8(simwire::kPortSam);
    w.u16(16);
    w.u32(400);
  });
  REQUIRE(r.type == ok_type(Type::UartRead));
  CHECK(r.payload.empty());
  CHECK(f.sim.now() == 400 * sim::kUs);
  r = call(f.sim, Type::UartRead, [](auto& w) {
    w.u8(simwire::kPortSam);
    w.u16(2);
    w.u32(5000);
  });
  CHECK(r.payload == std::vector<uint8_t>{2, 3});  // at most `max`
  CHECK(f.sim.now() == 1 * sim::kMs);
  r = call(f.sim, Type::UartFlush, [](auto& w) { w.u8(simwire::kPortSam); });
  REQUIRE(r.type == ok_type(Type::UartFlush));
  CHECK(f.bench.sam->board_available() == 0);
  r = call(f.sim, Type::UartSetBaud, [](auto& w) {
    w.u8(simwire::kPortSam);
    w.u32(921600);
  });
  REQUIRE(r.type == ok_type(Type::UartSetBaud));
  CHECK(f.bench.sam->baud == 921600u);
  require_error(call(f.sim, Type::UartFlush, [](auto& w) { w.u8(3); }), ErrorCode::BadArgument);
}

TEST_CASE("CPU time, host link bytes and delays advance the clock and their accounts") {
  Fixture f;
  // 960 instructions * 1.25 cycles / 96 MHz = 12.5 us (DESIGN 3 defaults).
  auto r = call(f.sim, Type::CpuTime, [](auto& w) { w.u32(960); });
  REQUIRE(r.type == ok_type(Type::CpuTime));
  CHECK(u64_at(r.payload, 0) == 12'500);
  CHECK(f.sim.accounts().firmware_cpu == 12'500);
  // 1500 bytes * 8 bits at 12 Mbit/s (USB full speed, DESIGN 9) = 1 ms.
  r = call(f.sim, Type::HostLinkIo, [](auto& w) {
    w.u8(1);
    w.u32(1500);
  });
  CHECK(u64_at(r.payload, 0) == 12'500 + 1'000'000);
  CHECK(f.sim.accounts().host_link == 1'000'000);
  require_error(call(f.sim, Type::HostLinkIo,
                     [](auto& w) {
                       w.u8(2);
                       w.u32(1);
                     }),
                ErrorCode::BadArgument);
  r = call(f.sim, Type::Delay, [](auto& w) { w.u32(250); });
  CHECK(u64_at(r.payload, 0) == 1'012'500 + 250'000);
  r = call(f.sim, Type::ClockNow);
  CHECK(u64_at(r.payload, 0) == f.sim.now());
}

TEST_CASE("RNG is fixed by the seed") {
  auto draw = [](uint64_t seed) {
    test::FakeBench bench;
    sim::Simulator::Config c;
    c.seed = seed;
    sim::Simulator s(c, test::fake_factory(bench, 0));
    auto r = call(s, Type::Rng, [](auto& w) { w.u16(32); });
    REQUIRE(r.type == ok_type(Type::Rng));
    REQUIRE(r.payload.size() == 32);
    return r.payload;
  };
  CHECK(draw(7) == draw(7));
  CHECK(draw(7) != draw(8));
}

TEST_CASE("flash requests reach the flash model and carry its status") {
  Fixture f;
  auto r = call(f.sim, Type::FlashInfo);
  REQUIRE(r.type == ok_type(Type::FlashInfo));
  CHECK(r.payload == std::vector<uint8_t>{0, 1, 0, 0, 4, 0, 0, 0});
  r = call(f.sim, Type::FlashProgram, [](auto& w) {
    w.u32(256);
    const uint8_t d[] = {0x12, 0x34};
    w.bytes(d, 2);
  });
  CHECK(r.payload == std::vector<uint8_t>{static_cast<uint8_t>(Status::Ok)});
  r = call(f.sim, Type::FlashRead, [](auto& w) {
    w.u32(255);
    w.u16(4);
  });
  CHECK(r.payload ==
        std::vector<uint8_t>{static_cast<uint8_t>(Status::Ok), 0xFF, 0x12, 0x34, 0xFF});
  r = call(f.sim, Type::FlashErase, [](auto& w) { w.u32(9); });
  CHECK(r.payload == std::vector<uint8_t>{static_cast<uint8_t>(Status::InvalidArgument)});
  require_error(call(f.sim, Type::FlashRead,
                     [](auto& w) {
                       w.u32(0);
                       w.u16(simwire::kMaxPayload);
                     }),
                ErrorCode::BadArgument);
}

TEST_CASE("board log lines land in the event log with their virtual time") {
  Fixture f;
  (void)call(f.sim, Type::Delay, [](auto& w) { w.u32(3); });
  auto r = call(f.sim, Type::Log, [](auto& w) { w.bytes("card found", 10); });
  REQUIRE(r.type == ok_type(Type::Log));
  REQUIRE(!f.sim.events().empty());
  CHECK(f.sim.events().back().what == "board: card found");
  CHECK(f.sim.events().back().at == 3 * sim::kUs);
  f.bench.rc663->errors.push_back("register 0x55 not modelled");
  CHECK(f.sim.model_errors().size() == 1);
}

TEST_CASE("serve_connection answers requests over a stream and drops an unframeable one") {
  Fixture f;
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  bool served_cleanly = true;
  std::thread server([&] { served_cleanly = sim::serve_connection(sv[1], f.sim); });

  uint8_t req[16];
  simwire::Writer w(req, sizeof req);
  w.begin(Type::Delay);
  w.u32(42);
  const size_t n = w.finish();
  REQUIRE(::write(sv[0], req, n) == static_cast<ssize_t>(n));
  uint8_t resp[64];
  size_t got = 0;
  while (got < 2 + 1 + 8) {
    const ssize_t k = ::read(sv[0], resp + got, sizeof resp - got);
    REQUIRE(k > 0);
    got += static_cast<size_t>(k);
  }
  CHECK(resp[2] == ok_type(Type::Delay));
  CHECK(u64_at(std::vector<uint8_t>(resp + 3, resp + 11), 0) == 42 * sim::kUs);

  const uint8_t oversized[] = {0xFF, 0xFF};  // LEN 65535 > any valid message
  REQUIRE(::write(sv[0], oversized, 2) == 2);
  server.join();
  ::close(sv[1]);
  got = 0;
  for (;;) {
    const ssize_t k = ::read(sv[0], resp + got, sizeof resp - got);
    if (k <= 0) break;
    got += static_cast<size_t>(k);
  }
  CHECK_FALSE(served_cleanly);
  REQUIRE(got >= 4);
  CHECK(resp[2] == static_cast<uint8_t>(Type::Error));
  CHECK(resp[3] == static_cast<uint8_t>(ErrorCode::Malformed));
  ::close(sv[0]);
}

TEST_CASE("a model error is fatal: ModelError with the model's message, sticky for peripherals") {
  Fixture f;
  std::vector<std::string> hooked;
  f.sim.on_model_error([&](const std::string& m) { hooked.push_back(m); });
  REQUIRE(call(f.sim, Type::SpiTransfer, [](auto& w) { w.u8(0x02); }).type ==
          ok_type(Type::SpiTransfer));
  CHECK(f.sim.model_failure().empty());

  // The fake records the error and still returns bytes, like Clrc663Model::error().
  auto r = call(f.sim, Type::SpiTransfer, [](auto& w) { w.u8(0xEE); });
  require_error(r, ErrorCode::ModelError);
  const std::string text(r.payload.begin() + 1, r.payload.end());
  CHECK(text == "register 0x77 write not modelled");
  CHECK(f.sim.model_failure() == text);
  REQUIRE(hooked.size() == 1);
  CHECK(hooked[0] == text);

  // Every later peripheral request is refused with the same message...
  for (Type t : {Type::SpiTransfer, Type::FlashInfo}) {
    auto again = call(f.sim, t, [t](auto& w) {
      if (t == Type::SpiTransfer) w.u8(0x02);
    });
    require_error(again, ErrorCode::ModelError);
    CHECK(std::string(again.payload.begin() + 1, again.payload.end()).find(text) !=
          std::string::npos);
  }
  require_error(call(f.sim, Type::IrqWait, [](auto& w) { w.u32(0); }), ErrorCode::ModelError);
  require_error(call(f.sim, Type::Rng, [](auto& w) { w.u16(1); }), ErrorCode::ModelError);
  CHECK(f.bench.rc663->transfers.size() == 2);  // the refused ones never reached the model
  // ... while time and host-link accounting still work, so the board can tell its host.
  CHECK(call(f.sim, Type::ClockNow).type == ok_type(Type::ClockNow));
  CHECK(call(f.sim, Type::HostLinkIo, [](auto& w) {
          w.u8(1);
          w.u32(11);
        }).type == ok_type(Type::HostLinkIo));
  CHECK(hooked.size() == 1);  // reported once
}

TEST_CASE("the real CLRC663 model's unmodelled feature reaches the board as ModelError") {
  // Command.Standby (data sheet Table 52) is not modelled (hw-sim/clrc663/README.md).
  sim::Simulator s(sim::load_scenario(std::string(IDR_SOURCE_DIR) +
                                      "/hw-sim/scenarios/resident-fingerprint.json"));
  // SPI write (8.4.2): address byte (00h << 1) | 0, then the value.
  auto r = call(s, Type::SpiTransfer, [](auto& w) {
    w.u8(0x00);
    w.u8(0x80);
  });
  require_error(r, ErrorCode::ModelError);
  const std::string text(r.payload.begin() + 1, r.payload.end());
  CHECK(text.find("Standby") != std::string::npos);
  CHECK(text.find("not modelled") != std::string::npos);
  CHECK(s.model_failure() == text);
}

TEST_CASE("a model that throws is a model error too") {
  test::FakeBench bench;
  sim::Simulator s(sim::Simulator::Config{}, test::fake_factory(bench, 1 * sim::kMs));
  bench.flash->fail = true;
  auto r = call(s, Type::FlashInfo);
  require_error(r, ErrorCode::ModelError);
  CHECK(std::string(r.payload.begin() + 1, r.payload.end()).find("flash fake failed") !=
        std::string::npos);
  require_error(call(s, Type::FlashInfo), ErrorCode::ModelError);
}
