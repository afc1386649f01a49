// CLRC663 driver against a register-level fake. Expected sequences come from the CLRC663
// data sheet Rev. 5.2 and AN12657 (sections cited per test), not from the driver.
#include <catch2/catch.hpp>

#include "fake_rc663_spi.h"
#include "idr/drivers/clrc663.h"

using idr::Status;
using idr::drivers::Clrc663;
using idr::drivers::fwt_timer_setup;
using idr::test::FakeRc663;
using idr::test::RegAccess;
using idr::test::W;
namespace reg = idr::drivers::rc663::reg;

namespace {
struct Rig {
  FakeRc663 chip;
  Clrc663 drv{chip, chip, chip};
};
}  // namespace

TEST_CASE("SPI write frame is address<<1 with bit0 = 0, then data (DS 8.4.2.3/8.4.2.4)",
          "[clrc663]") {
  Rig r;
  REQUIRE(r.drv.write_reg(0x28, 0x8E) == Status::Ok);
  REQUIRE(r.chip.frames.size() == 1);
  CHECK(r.chip.frames[0] == std::vector<uint8_t>{0x50, 0x8E});
}

TEST_CASE("SPI read frame is address<<1 | 1 then 00h, data in the second MISO byte (DS Table 17)",
          "[clrc663]") {
  Rig r;
  r.chip.regs[0x7F] = 0x1A;
  uint8_t v = 0;
  REQUIRE(r.drv.read_reg(0x7F, v) == Status::Ok);
  CHECK(v == 0x1A);
  CHECK(r.chip.frames[0] == std::vector<uint8_t>{0xFF, 0x00});
}

TEST_CASE("FIFO writes use one address byte, FIFO reads repeat the address (AN12657 Table 16)",
          "[clrc663]") {
  Rig r;
  const uint8_t data[3] = {0x05, 0x00, 0x00};
  REQUIRE(r.drv.write_fifo(data, 3) == Status::Ok);
  CHECK(r.chip.frames.back() == std::vector<uint8_t>{0x0A, 0x05, 0x00, 0x00});
  uint8_t out[3] = {};
  REQUIRE(r.drv.read_fifo(out, 3) == Status::Ok);
  CHECK(r.chip.frames.back() == std::vector<uint8_t>{0x0B, 0x0B, 0x0B, 0x00});
  CHECK(out[0] == 0x05);
  CHECK(out[1] == 0x00);
  CHECK(out[2] == 0x00);
  CHECK(r.drv.write_fifo(data, 256) == Status::InvalidArgument);
}

TEST_CASE("Type B 106: LoadProtocol 04/04 as AN12657 4.1.1 lines 1-5, then 28h..39h from Table 282",
          "[clrc663]") {
  Rig r;
  r.chip.busy_polls = 2;  // the command takes a while: the driver must poll until Idle
  REQUIRE(r.drv.configure_type_b_106() == Status::Ok);
  std::vector<RegAccess> expected = {
      W(reg::kCommand, 0x00),  W(reg::kFifoControl, 0xB0),
      W(reg::kError, 0x00),  // FIFOOvl is not cleared by the flush (Tables 49, 72)
      W(reg::kFifoData, 0x04), W(reg::kFifoData, 0x04),
      W(reg::kCommand, 0x0D),  W(reg::kFifoControl, 0xB0),
      W(reg::kError, 0x00)};
  // Data sheet 19.2 Table 282 (ISO/IEC 14443-B 106) for DrvMode 28h .. RxAna 39h, except
  // DrvMode without TxEn (field stays off) and TxWaitCtrl/TxWaitLo C1h/12h (9 etu after RX).
  const uint8_t table_282[18] = {0x8F, 0x0E, 0x09, 0x0A, 0x7B, 0x7B, 0x08, 0x00, 0x00,
                                 0x01, 0x00, 0x05, 0x00, 0x34, 0x90, 0x6F, 0x12, 0x03};
  for (uint8_t i = 0; i < 18; ++i) {
    uint8_t v = table_282[i];
    if (i == 0) v = 0x87;
    if (i == 9) v = 0xC1;
    if (i == 10) v = 0x12;
    expected.push_back(W(static_cast<uint8_t>(0x28 + i), v));
  }
  CHECK(r.chip.writes() == expected);
  CHECK(r.chip.frames.back().size() == 19);  // one SPI burst (8.4.2.4 auto-increment)
  CHECK(r.chip.loaded_protocol == std::vector<uint8_t>{0x04, 0x04});
  // The second flush only after LoadProtocol finished: the Command reads come before it.
  const auto reads = r.chip.reads_of();
  CHECK(std::count(reads.begin(), reads.end(), reg::kCommand) == 3);
}

TEST_CASE("LoadProtocol that never finishes gives Timeout, not a hang", "[clrc663]") {
  Rig r;
  r.chip.busy_polls = 1'000'000;
  CHECK(r.drv.configure_type_b_106() == Status::Timeout);
}

TEST_CASE("SoftReset: the driver polls Command until Idle (Table 49), within a bound",
          "[clrc663]") {
  SECTION("a reset that takes a few polls") {
    Rig r;
    r.chip.busy_polls = 5;
    REQUIRE(r.drv.soft_reset() == Status::Ok);
    const auto reads = r.chip.reads_of();
    CHECK(std::count(reads.begin(), reads.end(), reg::kCommand) == 6);
  }
  SECTION("a reset that never ends gives Timeout") {
    Rig r;
    r.chip.busy_polls = 1'000'000;
    CHECK(r.drv.soft_reset() == Status::Timeout);
  }
}

TEST_CASE("init: SoftReset (1Fh), Version check (DS Table 248) and LoadProtocol 04/04",
          "[clrc663]") {
  SECTION("CLRC66301/02 (18h) and CLRC66303 (1Ah) accepted") {
    const uint8_t version = GENERATE(uint8_t{0x18}, uint8_t{0x1A});
    Rig r;
    r.chip.version = version;
    r.chip.power_on();
    REQUIRE(r.drv.init() == Status::Ok);
    const auto w = r.chip.writes();
    REQUIRE(!w.empty());
    CHECK(w.front() == W(reg::kCommand, 0x1F));
    CHECK(r.chip.loaded_protocol == std::vector<uint8_t>{0x04, 0x04});
  }
  SECTION("anything else is not a CLRC663") {
    const uint8_t version = GENERATE(uint8_t{0x00}, uint8_t{0xFF}, uint8_t{0x92});
    Rig r;
    r.chip.version = version;
    r.chip.power_on();
    CHECK(r.drv.init() == Status::Unsupported);
    CHECK(r.chip.loaded_protocol.empty());
  }
}

TEST_CASE("Field on/off toggle DrvMode.TxEn (bit 3): 86h <-> 8Eh as in AN12657", "[clrc663]") {
  Rig r;
  REQUIRE(r.drv.field_on() == Status::Ok);
  CHECK(r.chip.regs[reg::kDrvMode] == 0x8E);
  REQUIRE(r.drv.field_off() == Status::Ok);
  CHECK(r.chip.regs[reg::kDrvMode] == 0x86);
}

TEST_CASE("FWT timer reload uses the reload + 1 semantics of DS 8.2.1.1 at 211.875 kHz",
          "[clrc663]") {
  // 1000 us * 211875 Hz = 211.875 clocks -> 212 clocks -> reload 211.
  CHECK(fwt_timer_setup(1000).t0_reload == 211);
  CHECK_FALSE(fwt_timer_setup(1000).cascaded);
  // FWI 8: FWT = 256*16/fc * 2^8 = 2^20 fc cycles = 2^14 timer clocks of 64/fc, i.e. reload
  // 3FFFh; 77328 us is FWT rounded down to whole microseconds.
  CHECK(fwt_timer_setup(77328).t0_reload == 0x3FFF);
  // Whatever the FWT, the timer must not fire early and be late by less than one clock.
  for (uint32_t us : {1u, 302u, 4833u, 77329u, 309000u, 309314u}) {
    const auto s = fwt_timer_setup(us);
    REQUIRE_FALSE(s.cascaded);
    const double fired_us = (s.t0_reload + 1.0) * 1e6 / 211875.0;
    CHECK(fired_us >= us);
    CHECK(fired_us < us + 1e6 / 211875.0);
  }
}

TEST_CASE("FWT beyond one 16-bit timer cascades Timer1 on Timer0 underflows", "[clrc663]") {
  // FWI 14: FWT = 2^26 / fc = 4949 ms (ISO/IEC 14443-3 7.9.4.3).
  for (uint32_t us : {310000u, 4'949'000u, 60'000'000u}) {
    const auto s = fwt_timer_setup(us);
    REQUIRE(s.cascaded);
    const double fired_us = (s.t0_reload + 1.0) * (s.t1_reload + 1.0) * 1e6 / 211875.0;
    CHECK(fired_us >= us);
    CHECK(fired_us < us + (s.t0_reload + 1.0) * 1e6 / 211875.0);
  }
}

namespace {
const uint8_t kReqb[3] = {0x05, 0x00, 0x00};
const std::vector<uint8_t> kAtqb = {0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x80, 0x80};
}  // namespace

TEST_CASE("transceive: register sequence of a Type B exchange", "[clrc663]") {
  Rig r;
  r.chip.outcomes.push_back({kAtqb, 0x14 /* Idle|Rx */, 0x40, 0x00, true});
  uint8_t rx[32] = {};
  size_t n = 0;
  REQUIRE(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 1000) == Status::Ok);
  REQUIRE(n == kAtqb.size());
  CHECK(std::vector<uint8_t>(rx, rx + n) == kAtqb);
  CHECK(r.chip.transmitted == std::vector<uint8_t>(kReqb, kReqb + 3));
  const std::vector<RegAccess> expected = {
      W(reg::kCommand, 0x00),      // Idle: cancel whatever ran (AN12657 line 1)
      W(reg::kFifoControl, 0xB0),  // flush, 255-byte FIFO (AN12657 Table 5)
      W(reg::kError, 0x00),        // FIFOOvl survives a flush (DS Table 72): clear Error
      W(reg::kIrq0, 0x7F),         // clear all IRQ0 bits: bit 7 = 0 clears (DS 9.5)
      W(reg::kIrq1, 0x7F),         // same for IRQ1
      W(reg::kTxCrcPreset, 0x7B),  // CRC16, preset FFFFh, inverted, on (DS Table 140/141)
      W(reg::kRxCrcCon, 0x7B),     // same on receive (DS Table 143/144)
      W(reg::kT0Control, 0x91),    // StopRx, start at end of TX, 211.875 kHz (DS Table 82)
      W(reg::kT0ReloadHi, 0x00),   // reload 211 = 1000 us
      W(reg::kT0ReloadLo, 0xD3),   //
      W(reg::kIrq0En, 0x16),       // IRQ_Inv 0 (explicit), Idle, Rx, Err (DS Table 68)
      W(reg::kIrq1En, 0xC1),       // push-pull, pin enable, Timer0 (DS Table 70)
      W(reg::kFifoData, 0x05),     // the frame into the FIFO first (AN12657 3)
      W(reg::kFifoData, 0x00),     //
      W(reg::kFifoData, 0x00),     //
      W(reg::kCommand, 0x07),      // Transceive (DS Table 46)
      W(reg::kCommand, 0x00),      // back to Idle
      W(reg::kTControl, 0x03),     // stop Timer0/Timer1: StartStopNow set, Running clear
  };
  CHECK(r.chip.writes() == expected);
  // The IRQ wait is bounded, and longer than the FWT.
  REQUIRE(r.chip.waits.size() == 1);
  CHECK(r.chip.waits[0] > 1000);
  CHECK(r.chip.waits[0] < 1000 + 10'000);
}

TEST_CASE("transceive with CRC off writes the CRC registers without the enable bit", "[clrc663]") {
  Rig r;
  r.drv.set_crc(false, false);
  r.chip.outcomes.push_back({{0x01}, 0x14, 0x40, 0x00, true});
  uint8_t rx[4];
  size_t n = 0;
  REQUIRE(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 500) == Status::Ok);
  CHECK(r.chip.regs[reg::kTxCrcPreset] == 0x7A);
  CHECK(r.chip.regs[reg::kRxCrcCon] == 0x7A);
}

TEST_CASE("transceive with a long FWT programs the cascaded timers and waits on Timer1",
          "[clrc663]") {
  Rig r;
  r.chip.outcomes.push_back({{}, 0x00, 0x42 /* Global|Timer1 */, 0x00, true});
  uint8_t rx[4];
  size_t n = 0;
  CHECK(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 4'949'000) == Status::Timeout);
  const auto s = fwt_timer_setup(4'949'000);
  CHECK(r.chip.regs[reg::kT0Control] == 0x99);  // + AutoRestart: Timer0 is the prescaler
  CHECK(r.chip.regs[reg::kT1Control] == 0x92);  // T1Clk = 10b, underflow of Timer0 (Table 92)
  CHECK(r.chip.regs[reg::kT1ReloadHi] == (s.t1_reload >> 8));
  CHECK(r.chip.regs[reg::kT1ReloadLo] == (s.t1_reload & 0xFF));
  CHECK(r.chip.regs[reg::kIrq1En] == 0xC2);
}

TEST_CASE("transceive: timer IRQ without Rx is a Timeout", "[clrc663]") {
  Rig r;
  r.chip.outcomes.push_back({{}, 0x00, 0x41 /* Global|Timer0 */, 0x00, true});
  uint8_t rx[16];
  size_t n = 99;
  CHECK(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 1000) == Status::Timeout);
  CHECK(n == 0);
  CHECK(r.chip.writes().back() == W(reg::kTControl, 0x03));
}

TEST_CASE("transceive: IRQ pin never asserted gives Timeout after a bounded wait", "[clrc663]") {
  Rig r;
  r.chip.outcomes.push_back({{}, 0x00, 0x00, 0x00, false});
  uint8_t rx[16];
  size_t n = 0;
  CHECK(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 77328) == Status::Timeout);
  REQUIRE(r.chip.waits.size() == 1);
  CHECK(r.chip.waits[0] > 77328);
  CHECK(r.chip.writes().back() == W(reg::kTControl, 0x03));
}

TEST_CASE("transceive: Error register bits map to statuses (DS Table 72)", "[clrc663]") {
  const auto [error, expected] = GENERATE(table<uint8_t, Status>({{0x01, Status::Integrity},
                                                                  {0x02, Status::Protocol},
                                                                  {0x04, Status::Collision},
                                                                  {0x20, Status::Overflow},
                                                                  {0x10, Status::Protocol},
                                                                  {0x08, Status::Io},
                                                                  {0x23, Status::Overflow}}));
  Rig r;
  r.chip.outcomes.push_back({{0xAA, 0xBB}, 0x16 /* Idle|Rx|Err */, 0x40, error, true});
  uint8_t rx[16];
  size_t n = 0;
  CHECK(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 1000) == expected);
  CHECK(n == 0);
}

TEST_CASE("transceive: an early ErrIRQ (IntegErr) keeps waiting for the end of reception",
          "[clrc663]") {
  Rig r;
  // First the error alone (reception continues, DS Table 72 IntegErr), then Rx at the end.
  r.chip.outcomes.push_back({{0x11, 0x22}, 0x02 /* Err */, 0x40, 0x01, true});
  r.chip.on_wait.push_back([](FakeRc663&) {});
  r.chip.on_wait.push_back([](FakeRc663& c) {
    c.regs[reg::kIrq0] = static_cast<uint8_t>(c.regs[reg::kIrq0] | 0x14);
    c.pin = true;
  });
  uint8_t rx[16];
  size_t n = 0;
  CHECK(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 1000) == Status::Integrity);
  CHECK(r.chip.waits.size() == 2);
  // ErrIRQEn was dropped and ErrIRQ cleared (bit 7 = 0) before the second wait.
  const auto w = r.chip.writes();
  CHECK(std::find(w.begin(), w.end(), W(reg::kIrq0En, 0x14)) != w.end());
  CHECK(std::find(w.begin(), w.end(), W(reg::kIrq0, 0x02)) != w.end());
}

TEST_CASE("transceive: reply longer than the caller's buffer", "[clrc663]") {
  Rig r;
  r.chip.outcomes.push_back({kAtqb, 0x14, 0x40, 0x00, true});
  uint8_t rx[4];
  size_t n = 0;
  CHECK(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 1000) == Status::BufferTooSmall);
  CHECK(n == 0);
  CHECK(r.chip.fifo.empty());
}

TEST_CASE("transceive rejects frames that cannot fit the 255-byte FIFO", "[clrc663]") {
  Rig r;
  uint8_t big[256] = {};
  uint8_t rx[4];
  size_t n = 0;
  CHECK(r.drv.transceive(big, sizeof big, rx, sizeof rx, n, 1000) == Status::InvalidArgument);
  CHECK(r.drv.transceive(big, 0, rx, sizeof rx, n, 1000) == Status::InvalidArgument);
  CHECK(r.chip.frames.empty());
}

TEST_CASE("SPI failure propagates", "[clrc663]") {
  Rig r;
  r.chip.spi_status = Status::Io;
  uint8_t rx[4];
  size_t n = 0;
  CHECK(r.drv.transceive(kReqb, 3, rx, sizeof rx, n, 1000) == Status::Io);
  CHECK(r.drv.field_on() == Status::Io);
}
