// CLRC663 model: commands (data sheet 8.10), Type B transceive with CRC, timing in virtual
// time, timers started by TX and stopped by RX, and the model's explicit errors.
#include <catch2/catch.hpp>

#include "clrc663_test_support.h"

using namespace idr::sim;
using namespace idr::sim::rc663;
using namespace idr::sim::test;

namespace {
constexpr uint8_t kT0ReloadHi = 0x10;
constexpr uint8_t kTimer0Irq = 0x01;
// One etu at 106 kbit/s: the closing logic-1 bit of Table 263's 11-bit EOF symbol (Sym1Len
// Ah), which the transmission sends after the EOF proper (ISO/IEC 14443-3 7.1.5).
const Time kEtu = fc_cycles(128);
}  // namespace

TEST_CASE("LoadProtocol 04/04 loads the ISO/IEC 14443 B 106 set of Table 263", "[clrc663]") {
  Rig r;
  r.write(kFrameCon, 0x05);  // outside the protocol area: must stay as written
  r.write(kFifoData, {0x04, 0x04});
  r.write(kCommand, kCmdLoadProtocol);
  // The EEPROM copy takes time: Command shows LoadProtocol until it is done (Table 49).
  CHECK((r.read(kCommand) & kCommandMask) == kCmdLoadProtocol);
  CHECK(r.read(kTxBitMod) == 0x20);
  r.wait_command_idle();
  // Table 263 (CLRC66301/02), registers 48h..5Fh in order (Table 41 protocol area).
  const std::vector<uint8_t> expected = {0x09, 0x00, 0x04, 0x08, 0x04, 0x00, 0x03, 0x00,
                                         0x01, 0x00, 0x00, 0xAB, 0x00, 0x00, 0x08, 0x00,
                                         0x04, 0x00, 0x00, 0x00, 0x02, 0x1D, 0x80, 0xB2};
  std::vector<uint8_t> got;
  for (uint8_t reg = 0x48; reg <= 0x5F; ++reg) got.push_back(r.read(reg));
  CHECK(got == expected);
  CHECK(r.read(kFrameCon) == 0x05);
  CHECK(r.read(kFifoLength) == 0);                // both parameters consumed
  CHECK((r.read(kCommand) & kCommandMask) == 0);  // back to Idle
  CHECK((r.read(kIrq0) & kIrq0Idle) != 0);        // terminated by itself (Table 64)
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("LoadProtocol rx and tx numbers are independent (Tables 47, 48, 259, 266)", "[clrc663]") {
  Rig r;
  r.write(kFifoData, {0x00, 0x07});  // RX: 14443 A 106, TX: 14443 B 848
  r.write(kCommand, kCmdLoadProtocol);
  r.wait_command_idle();
  CHECK(r.read(kTxDataCon) == 0x07);  // Table 266 TxDataCon
  CHECK(r.read(kTxSymFreq) == 0x07);
  CHECK(r.read(kRxBitMod) == 0x02);  // Table 259 RxBitMod
  CHECK(r.read(kRxMod) == 0x08);
  CHECK(r.read(kRxCorr) == 0x80);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("LoadProtocol without its two parameters is a model error (8.10.3.13)", "[clrc663]") {
  Rig r;
  r.write(kFifoData, 0x04);
  r.write(kCommand, kCmdLoadProtocol);
  CHECK(r.chip.model_errors().size() == 1);
  CHECK((r.read(kCommand) & kCommandMask) == 0);
}

TEST_CASE("SoftReset restores the Table 43 values and clears the FIFO (8.10.3.17)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.write(kWaterLevel, 0x20);
  r.write(kFifoData, {1, 2, 3});
  r.write(kIrq0En, 0x7F);
  REQUIRE(r.read(kTxCrcPreset) == 0x7B);
  r.write(kCommand, kCmdSoftReset);
  CHECK((r.read(kCommand) & kCommandMask) == kCmdSoftReset);  // still copying (Table 49)
  r.wait_command_idle();
  CHECK(r.read(kWaterLevel) == 0x05);
  CHECK(r.read(kIrq0En) == 0x10);
  CHECK(r.read(kTxCrcPreset) == 0x18);
  CHECK(r.read(kFrameCon) == 0xCF);
  CHECK(r.read(kTxBitMod) == 0x20);  // protocol area back to its reset value
  CHECK(r.read(kFifoLength) == 0);
  CHECK(r.read(kDrvMode) == 0x86);
  REQUIRE_FALSE(r.air.field_changes.empty());
  CHECK(r.air.field_changes.back().second == false);  // TxEn reset: the field drops
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("Transmit appends CRC_B: REQB 05 00 00 goes out as 05 00 00 71 FF (DESIGN 6)",
          "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.write(kFifoData, kReqb);
  const Time t0 = r.q.now();
  r.write(kCommand, kCmdTransmit);
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::Transmitting));
  r.q.advance_by(10 * kMs);
  REQUIRE(r.air.sent.size() == 1);
  const AirFrame& f = r.air.sent[0].frame;
  CHECK(f.bytes == std::vector<uint8_t>{0x05, 0x00, 0x00, 0x71, 0xFF});
  CHECK(f.protocol == AirProtocol::TypeB);
  CHECK(f.bitrate_kbps == 106);
  // The frame ends SOF + 5 characters + EOF after the command (ISO/IEC 14443-3 7.1, air.h).
  CHECK(r.air.sent[0].at == t0 + type_b_frame_time(5));
  CHECK((r.read(kIrq0) & (kIrq0Tx | kIrq0Idle)) == (kIrq0Tx | kIrq0Idle));
  CHECK(r.com_state() == 0);
  CHECK(r.accounts.rf_air == type_b_frame_time(5) + kEtu);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("Transceive round trip: reply in the FIFO at the reply's end, CRC stripped",
          "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.air.answer(with_crc_b(kAtqb));
  r.write(kFifoData, kReqb);
  const Time t0 = r.q.now();
  r.write(kCommand, kCmdTransceive);
  const Time tx_end = t0 + type_b_frame_time(5) + kEtu;
  r.q.advance_to(tx_end);
  REQUIRE(r.air.sent.size() == 1);
  CHECK((r.read(kIrq0) & kIrq0Tx) != 0);
  // RxWait (reset 90h: 16 half bits = 8 etu, Table 162) then "wait for data" (Table 74).
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::RxWait));
  r.q.advance_to(tx_end + fc_cycles(8 * 128));
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::WaitForData));
  REQUIRE(r.air.last_reply);
  const AirReply reply = *r.air.last_reply;
  r.q.advance_to(reply.start);
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::Receiving));
  r.q.advance_to(reply.end - 1);
  CHECK(r.read(kFifoLength) == 0);
  CHECK((r.read(kIrq0) & kIrq0Rx) == 0);
  r.q.advance_to(reply.end);
  CHECK((r.read(kIrq0) & (kIrq0Rx | kIrq0Idle)) == (kIrq0Rx | kIrq0Idle));
  CHECK((r.read(kIrq0) & kIrq0Err) == 0);
  CHECK(r.read(kError) == 0);
  CHECK(r.com_state() == 0);
  REQUIRE(r.read(kFifoLength) == kAtqb.size());  // RxCrcCon.RxForceCRCWrite 0: CRC not stored
  CHECK(r.read_fifo(kAtqb.size()) == kAtqb);
  CHECK(r.accounts.rf_air == type_b_frame_time(5) + kEtu + (reply.end - reply.start));
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("a wrong CRC on RX sets IntegErr and ErrIRQ (Tables 64, 72, 143)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  auto bad = with_crc_b({0x08});
  bad[1] ^= 0x01;
  r.air.answer(bad);
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  r.q.advance_by(10 * kMs);
  CHECK((r.read(kError) & kErrInteg) != 0);
  CHECK((r.read(kIrq0) & (kIrq0Err | kIrq0Rx)) == (kIrq0Err | kIrq0Rx));
  CHECK(r.read(kFifoLength) == 1);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("RxForceCRCWrite keeps the CRC bytes, CRC off keeps everything (Table 143)",
          "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.write(kRxCrcCon, 0x80 | 0x7B);
  r.air.answer(with_crc_b({0x08}));
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  r.q.advance_by(10 * kMs);
  CHECK(r.read_fifo(r.read(kFifoLength)) == with_crc_b({0x08}));
  CHECK(r.read(kError) == 0);

  r.write(kRxCrcCon, 0x7A);  // RxCrcEn clear: no check, no stripping
  r.air.answer({0x01, 0x02, 0x03});
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  r.q.advance_by(10 * kMs);
  CHECK(r.read_fifo(r.read(kFifoLength)) == std::vector<uint8_t>{0x01, 0x02, 0x03});
  CHECK(r.read(kError) == 0);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("a framing error on the air sets ProtErr (Table 72)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.air.answer(with_crc_b(kAtqb), /*framing_error=*/true);
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  r.q.advance_by(10 * kMs);
  CHECK((r.read(kError) & kErrProt) != 0);
  CHECK((r.read(kIrq0) & kIrq0Err) != 0);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("FWT timer: started at end of TX, stopped by the reply (Table 82)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  // T0: StopRx, start at end of TX, 211.875 kHz; reload 1000.
  r.write(kT0Control, kTimerStopRx | kTimerStartAtTxEnd | 0x01);
  r.write(kT0ReloadHi, {0x03, 0xE8});
  r.air.answer(with_crc_b(kAtqb));
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  CHECK((r.read(kTControl) & 0x10) == 0);  // not before the end of TX
  const Time tx_end = r.q.now() + type_b_frame_time(5) + kEtu;
  r.q.advance_to(tx_end);
  CHECK((r.read(kTControl) & 0x10) != 0);
  REQUIRE(r.air.last_reply);
  r.q.advance_to(r.air.last_reply->end);
  CHECK((r.read(kTControl) & 0x10) == 0);  // stopped during reception
  // The counter froze: it neither reached zero nor raised Timer0IRQ.
  CHECK(((r.read(0x12) << 8) | r.read(0x13)) > 0);
  r.q.advance_by(100 * kMs);
  CHECK((r.read(kIrq1) & kTimer0Irq) == 0);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("FWT timer without a reply: Timer0IRQ after reload + 1 ticks, receiver waits",
          "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.write(kT0Control, kTimerStopRx | kTimerStartAtTxEnd | 0x01);
  r.write(kT0ReloadHi, {0x00, 99});
  r.write(kIrq1En, kIrq1EnPinEn | kTimer0Irq);
  r.write(kIrq0En, 0x00);
  r.air.answer_nothing();
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  const Time tx_end = r.q.now() + type_b_frame_time(5) + kEtu;
  const Time timeout = tx_end + fc_cycles(64 * 100);
  r.q.advance_to(timeout - 1);
  CHECK_FALSE(r.chip.irq_pin());
  r.q.advance_to(timeout);
  CHECK(r.chip.irq_pin());
  CHECK((r.read(kIrq1) & kTimer0Irq) != 0);
  // The timer does not end the command: the receiver keeps waiting (8.10.3.8) until Idle.
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::WaitForData));
  CHECK((r.read(kCommand) & kCommandMask) == kCmdTransceive);
  r.write(kCommand, kCmdIdle);
  CHECK(r.com_state() == 0);
  CHECK((r.read(kIrq0) & kIrq0Idle) == 0);  // the host's Idle sets no IdleIRQ (Table 64)
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("TxWait delays the next frame after a reception (Tables 152, 154)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.air.answer(with_crc_b({0x08}));
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  REQUIRE(r.q.run_until(r.q.now() + 10 * kMs, [&] { return (r.read(kIrq0) & kIrq0Rx) != 0; }));
  const Time rx_end = r.q.now();
  r.read_fifo(1);
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransmit);  // at once after the reply
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::TxWait));
  r.q.advance_by(10 * kMs);
  REQUIRE(r.air.sent.size() == 2);
  // TxWaitCtrl C1h: from the end of RX, in half bits; TxWaitLo 12h = 18 half bits = 9 etu.
  CHECK(r.air.sent[1].at == rx_end + fc_cycles(9 * 128) + type_b_frame_time(5));
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("Transceive with an empty FIFO sets NoDataErr (Table 72)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.write(kCommand, kCmdTransceive);
  CHECK((r.read(kError) & kErrNoData) != 0);
  CHECK((r.read(kIrq0) & kIrq0Err) != 0);
  CHECK(r.air.sent.empty());
}

TEST_CASE("FIFO writes while receiving set FIFOWrErr (Table 72)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.air.answer_nothing();
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  r.q.advance_by(1 * kMs);
  r.write(kFifoData, 0x00);
  CHECK((r.read(kError) & kErrFifoWr) != 0);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("unknown and unmodelled commands are model errors (Tables 46, 64)", "[clrc663]") {
  Rig r;
  r.write(kCommand, 0x0B);  // not in Table 46
  CHECK(r.chip.model_errors().size() == 1);
  CHECK((r.read(kCommand) & kCommandMask) == 0);  // Table 64: Command returns to Idle ...
  CHECK((r.read(kIrq0) & kIrq0Idle) != 0);        // ... and IdleIRQ is set
  for (uint8_t cmd : {kCmdMfAuthent, kCmdLoadKey, kCmdReadE2, kCmdWriteE2, kCmdLpcd, kCmdAckReq}) {
    r.write(kCommand, cmd);
  }
  CHECK(r.chip.model_errors().size() == 7);
}

TEST_CASE("a Type B frame without valid SOF/EOF symbols is a model error (Table 156)",
          "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.write(kFrameCon, 0xCF);  // reset value: parity on, Symbol2 as start and stop symbol
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransmit);
  r.q.advance_by(1 * kMs);
  CHECK(r.air.sent.empty());
  CHECK(r.chip.model_errors().size() >= 2);
}

TEST_CASE("TX air time scales with the bit rate from TxDataCon (Tables 8, 204, 264)", "[clrc663]") {
  Rig r;
  r.setup_type_b();
  r.write(kFifoData, {0x05, 0x05});  // ISO/IEC 14443 B 212 kbit/s both ways
  r.write(kCommand, kCmdLoadProtocol);
  r.wait_command_idle();
  r.write(kRxCtrl, 0x05);  // RxCtrl is outside the protocol area: Baudrate 212 (Table 160)
  r.write(kFifoData, kReqb);
  const Time t0 = r.q.now();
  r.write(kCommand, kCmdTransmit);
  r.q.advance_by(10 * kMs);
  REQUIRE(r.air.sent.size() == 1);
  CHECK(r.air.sent[0].frame.bitrate_kbps == 212);
  // etu = 64 / fc at 212 kbit/s: SOF 12 + 5 characters x 10 + EOF 10 etu.
  CHECK(r.air.sent[0].at == t0 + fc_cycles(64 * (12 + 50 + 10)));
  CHECK(r.chip.model_errors().empty());
}
