// The list of behaviours of the CLRC663 model that the data sheet does not state word for
// word: one test case per rule, tagged [model-rule], each naming the line it now rests on (or
// saying that the former rule was removed). hw-sim/clrc663/README.md repeats the list.
#include <catch2/catch.hpp>

#include "clrc663_test_support.h"

using namespace idr::sim;
using namespace idr::sim::rc663;
using namespace idr::sim::test;

namespace {
// n etu at 106 kbit/s (128 / fc each), rounded once like the model's times.
Time etus(uint64_t n) {
  return fc_cycles(128 * n);
}
}  // namespace

TEST_CASE("rule removed: a FIFO flush does not clear FIFOOvl, writing Error does (Tables 49, 72)",
          "[clrc663][model-rule]") {
  // Table 72 gives FIFOOvl no clearing event ("all data written after this flag is set to 1
  // will be ignored"); 8.5.3 says a flush resets the pointers only. Error is "dy" (Table 49:
  // written and read via the host interface), so the host clears it.
  Rig r;
  r.write(kFifoControl, 0x80 | kFifoFlush);
  r.write(kFifoData, std::vector<uint8_t>(256, 0xAA));
  REQUIRE((r.read(kError) & kErrFifoOvl) != 0);
  r.write(kFifoControl, 0x80 | kFifoFlush);
  CHECK((r.read(kError) & kErrFifoOvl) != 0);
  r.write(kFifoData, 0x01);
  CHECK(r.read(kFifoLength) == 0);  // still ignored
  r.write(kError, 0x00);
  CHECK(r.read(kError) == 0);
  r.write(kFifoData, 0x01);
  CHECK(r.read(kFifoLength) == 1);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("rule: EEPROM copies take time, bounded by AN12657 4.2.1 (Table 49, 8.10.3.12/13/17)",
          "[clrc663][model-rule]") {
  // Command keeps the running command until it is done (Table 49 "dy"); AN12657 4.2.1 starts
  // the next command one SPI write after an 18-byte LoadReg, so 18 bytes take at most 1.6 us
  // (2 bytes at 10 Mbit/s). The model: 80 ns per byte (LoadProtocol 24, SoftReset 128).
  Rig r;
  r.write(kFifoData, {0x01, 0x14, 0x28, 0x12});
  r.write(kCommand, kCmdLoadReg);
  CHECK((r.read(kCommand) & kCommandMask) == kCmdLoadReg);
  r.q.advance_by(1600);
  CHECK((r.read(kCommand) & kCommandMask) == 0);
  CHECK(r.read(kTxAmp) == 0x0E);

  r.write(kFifoData, {0x04, 0x04});
  r.write(kCommand, kCmdLoadProtocol);
  CHECK((r.read(kCommand) & kCommandMask) == kCmdLoadProtocol);
  r.q.advance_by(24 * 80);
  CHECK((r.read(kCommand) & kCommandMask) == 0);

  r.write(kCommand, kCmdSoftReset);
  r.q.advance_by(128 * 80 - 1);
  CHECK((r.read(kCommand) & kCommandMask) == kCmdSoftReset);
  r.q.advance_by(1);
  CHECK(r.read(kCommand) == 0x40);  // Table 43 reset value
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("rule: stopping an EEPROM copy before its end is a model error (8.10.1)",
          "[clrc663][model-rule]") {
  // 8.10.1: any command can be stopped by writing another; what a half-done copy leaves in
  // the registers is not specified, so the model does not guess.
  Rig r;
  r.write(kFifoData, {0x04, 0x04});
  r.write(kCommand, kCmdLoadProtocol);
  r.write(kCommand, kCmdIdle);
  CHECK(r.chip.model_errors().size() == 1);
}

TEST_CASE("rule: TxIRQ at the change from data to the EOF pattern (8.1, Table 64)",
          "[clrc663][model-rule]") {
  // 8.1: "If the state changes from sending data to transmitting the end of the frame pattern,
  // the transmitter unit sets the interrupt bit"; Table 64: "immediately after the last bit".
  Rig r;
  r.setup_type_b();
  r.write(kFifoData, kReqb);
  const Time t0 = r.q.now();
  r.write(kCommand, kCmdTransmit);
  const Time data_end = t0 + etus(12 + 50);  // SOF 12 bits + 5 characters
  r.q.advance_to(data_end - 1);
  CHECK((r.read(kIrq0) & kIrq0Tx) == 0);
  r.q.advance_to(data_end);
  CHECK((r.read(kIrq0) & kIrq0Tx) != 0);
  CHECK((r.read(kIrq0) & kIrq0Idle) == 0);  // the EOF is still being sent
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::Transmitting));
}

TEST_CASE("rule: frame length from the loaded symbol lengths (Tables 221/222, ISO 14443-3 7.1.5)",
          "[clrc663][model-rule]") {
  // Table 263 loads Sym0Len 12 bits (SOF: 10 zeros, 2 ones) and Sym1Len 11 bits (EOF: 10
  // zeros, then the 1 of the closing rising edge). The card's EOF ends after the zeros; the
  // transmission (and TxStart 01b timers, IdleIRQ of Transmit) ends after the whole symbol.
  const uint8_t sym10len = GENERATE(uint8_t{0xAB}, uint8_t{0x9B});  // EOF 11 or 10 bits
  const uint64_t eof_bits = sym10len == 0xAB ? 11 : 10;
  Rig r;
  r.setup_type_b();
  if (sym10len == 0x9B) r.write(kTxSym1L, 0x00);  // 10 zeros: EOF without a closing 1
  r.write(kTxSym10Len, sym10len);
  r.write(kT0Control, kTimerStartAtTxEnd | 0x01);
  r.write(kFifoData, kReqb);
  const Time t0 = r.q.now();
  r.write(kCommand, kCmdTransmit);
  r.q.advance_by(10 * kMs);
  REQUIRE(r.air.sent.size() == 1);
  CHECK(r.air.sent[0].at == t0 + etus(12 + 50 + 10));  // ISO EOF end: the card's TR0 start
  CHECK(r.accounts.rf_air == etus(12 + 50 + eof_bits));
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("rule: TxStart 01b starts the timer after the last bit of the stop symbol (Table 82)",
          "[clrc663][model-rule]") {
  // Table 82: "starts automatically at the end of the transmission"; the stop symbol is part
  // of the transmission (8.1 "transmitting the end of the frame pattern").
  Rig r;
  r.setup_type_b();
  r.write(kT0Control, kTimerStartAtTxEnd | 0x01);
  r.write(kFifoData, kReqb);
  const Time t0 = r.q.now();
  r.write(kCommand, kCmdTransmit);
  const Time tx_end = t0 + etus(12 + 50 + 11);
  r.q.advance_to(tx_end - 1);
  CHECK((r.read(kTControl) & 0x10) == 0);
  r.q.advance_to(tx_end);
  CHECK((r.read(kTControl) & 0x10) != 0);
}

TEST_CASE("rule: RxWait ignores input, a SOF inside it is missed, not an error (Table 162)",
          "[clrc663][model-rule]") {
  // Table 162: RxWait "defines the time after sending, where every input is ignored". The
  // receiver needs the SOF (ISO/IEC 14443-3 7.1.4); the card's TR1 subcarrier before it may
  // overlap RxWait.
  SECTION("SOF inside RxWait: not received, the receiver keeps waiting") {
    Rig r;
    r.setup_type_b();
    r.write(kRxWait, 0xFF);  // 127 half etu = 63.5 etu
    r.air.turnaround = 0;    // the card answers after TR0 min (8 etu) + TR1 min (10 etu)
    r.air.answer(with_crc_b({0x01}));
    r.write(kFifoData, kReqb);
    r.write(kCommand, kCmdTransceive);
    r.q.advance_by(5 * kMs);
    CHECK((r.read(kIrq0) & kIrq0Rx) == 0);
    CHECK(r.com_state() == static_cast<uint8_t>(ComState::WaitForData));
    CHECK(r.chip.model_errors().empty());
  }
  SECTION("subcarrier inside RxWait, SOF after it: received") {
    Rig r;
    r.setup_type_b();
    r.write(kRxWait, 0x98);  // 24 half etu = 12 etu from the end of the transmission
    r.air.turnaround = fc_cycles(8 * 128);
    r.air.answer(with_crc_b({0x01}));
    r.write(kFifoData, kReqb);
    r.write(kCommand, kCmdTransceive);
    CHECK(r.q.run_until(r.q.now() + 5 * kMs, [&] { return (r.read(kIrq0) & kIrq0Rx) != 0; }));
    CHECK(r.read(kFifoLength) == 1);
    CHECK(r.chip.model_errors().empty());
  }
}

TEST_CASE("rule: IRQ pin polarity is configured, not assumed from reset (Table 68)",
          "[clrc663][model-rule]") {
  // Table 68 says only that IRQ_Inv inverts the pin. The model reads the non-inverted pin as
  // high when asserted, and the driver writes IRQ_Inv = 0 with every IRQ0En write for a board
  // whose IRQ line is active high: both sides state the polarity.
  Rig r;
  r.write(kIrq1En, kIrq1EnPinEn);
  r.write(kIrq0En, kIrq0Idle);
  CHECK_FALSE(r.chip.irq_pin());
  r.write(kIrq0, kIrqSet | kIrq0Idle);
  CHECK(r.chip.irq_pin());
  r.write(kIrq0En, kIrq0EnIrqInv | kIrq0Idle);
  CHECK_FALSE(r.chip.irq_pin());
}

TEST_CASE("rule: FrameCon.StopSym n sends Symbol n (8.6.5, Table 282 with Table 263)",
          "[clrc663][model-rule]") {
  // Table 156 lists StopSym 1h..3h as Symbol0..2, 8.6.5 says Symbol1..3 follow the data. The
  // data sheet's own Type B preset writes FrameCon 05h (Table 282) with the EOF in Symbol1
  // (Table 263): only the 8.6.5 reading sends an EOF.
  Rig r;
  r.setup_type_b();
  REQUIRE(r.read(kFrameCon) == 0x05);
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransmit);
  r.q.advance_by(1 * kMs);
  CHECK(r.air.sent.size() == 1);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("rule: TxClkMode 101b/110b modulate as 100 % ASK (Tables 7, 30, 278)",
          "[clrc663][model-rule]") {
  // Table 30 states the 10 % setting for 111b only; the Type A presets (100 % ASK, Table 7)
  // use 110b (Table 278 DrvMode 8Eh). The model calls the open-drain modes 100 % ASK.
  analog::Registers regs{};
  regs[kDrvMode] = 0x8E;
  const auto fault = analog::tx_fault(regs, 106);
  REQUIRE(fault);
  CHECK(fault->find("100 % ASK") != std::string::npos);
}

TEST_CASE("rule: the card's level and the noise are simulation parameters (Table 164 note)",
          "[clrc663][model-rule]") {
  // The data sheet gives no absolute scale for RxThreshold.MinLevel; Table 164 only says it
  // "should be higher than the noise level". RxEnvironment sets both (at 60 dB gain, Table
  // 169 scales them), defaults chosen so that every Type B preset (Tables 282..285) decodes.
  const RxEnvironment env;
  CHECK(env.noise_level < 3.0);  // MinLevel 3h of Tables 283..285 is above the noise
  CHECK(env.card_level >= 6.0);  // MinLevel 6h of Table 282 is below the card
}

TEST_CASE("rule: the 19.2 EEPROM presets are present although the chip reads as CLRC66301/02",
          "[clrc663][model-rule]") {
  // 19.1: CLRC66301/02 "is not initialized for any antenna configuration"; 19.2: "all products
  // of the family use the same default settings which are initialized in EEPROM". The model
  // carries the 19.2 content for LoadReg/ReadE2; the driver writes the registers instead.
  Rig r;
  r.write(kFifoData, {0x01, 0x14, 0x12});  // ReadE2 of Table 282
  r.write(kCommand, kCmdReadE2);
  r.wait_command_idle();
  REQUIRE(r.read(kFifoLength) == 18);
  CHECK(r.read_fifo(18) == test::Rig::table_282_eeprom());
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("rule: EEPROM bytes the data sheet does not give are model errors (8.7.2)",
          "[clrc663][model-rule]") {
  Rig r;
  r.write(kFifoData, {0x10, 0x00, 0x04});  // section 2, no preset there
  r.write(kCommand, kCmdReadE2);
  CHECK(r.chip.model_errors().size() == 1);
  r.write(kFifoData, {0x00, 0x40, 0x28, 0x04});  // LoadReg from section 1 (Table 46: sector 2)
  r.write(kCommand, kCmdLoadReg);
  CHECK(r.chip.model_errors().size() == 2);
}

TEST_CASE("rule: a ProtErr frame stores no byte (Table 72 stores all but the last)",
          "[clrc663][model-rule]") {
  // Table 72: "the last received data byte is not written into the FIFO". The air model does
  // not say where the error was, so the model stores none of the frame: fewer bytes than the
  // chip, never more.
  Rig r;
  r.setup_type_b();
  r.air.answer({0x50, 0x01, 0x02}, true);
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  r.q.advance_by(5 * kMs);
  CHECK((r.read(kError) & kErrProt) != 0);
  CHECK(r.read(kFifoLength) == 0);
}

TEST_CASE(
    "rule: Transmit takes the whole FIFO at the frame start, FIFO writes during it are "
    "model errors (8.5.2)",
    "[clrc663][model-rule]") {
  // 8.5.2: the host "has to take care, not to access the FIFO buffer in a way that corrupts
  // the FIFO data" while a command uses it; streaming is not modelled, so it is reported.
  Rig r;
  r.setup_type_b();
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransmit);
  CHECK(r.read(kFifoLength) == 0);
  r.write(kFifoData, 0x00);
  CHECK(r.chip.model_errors().size() == 1);
}

TEST_CASE("rule: starting a timer loads the reload value, also when it runs (8.2.1.3)",
          "[clrc663][model-rule]") {
  // 8.2.1.3: "By setting the registers T(x)ReloadValue the timer starts to decrement as soon
  // as activated": a start begins from the reload value.
  Rig r;
  r.write(0x10, {0x00, 0x64});  // T0 reload 100
  r.write(kT0Control, 0x00);    // 13.56 MHz
  r.write(kTControl, 0x11);     // start T0
  r.q.advance_by(fc_cycles(50));
  r.write(kTControl, 0x11);  // start again
  CHECK(((r.read(0x12) << 8) | r.read(0x13)) == 100);
}
