// CLRC663 model, analog side: a frame reaches the card only with Type B modulation (10 % ASK,
// Tables 8, 30, 31, 136), a reply is decoded only when the receiver matches the card (Tables
// 160, 164, 166, 168, 169). Each misconfiguration leaves the card silent (or its reply
// undecoded) and the model says why; the data sheet's own Type B preset (Table 282) passes.
#include <catch2/catch.hpp>

#include <string>

#include "clrc663_test_support.h"

using namespace idr::sim;
using namespace idr::sim::rc663;
using namespace idr::sim::test;

namespace {

bool any_error_contains(const Rig& r, const std::string& text) {
  for (const auto& e : r.chip.model_errors())
    if (e.find(text) != std::string::npos) return true;
  return false;
}

// REQB with the card answering ATQB; returns whether the reader got RxIRQ within 10 ms.
bool exchange(Rig& r) {
  r.air.answer(with_crc_b(kAtqb));
  r.write(kFifoData, kReqb);
  r.write(kCommand, kCmdTransceive);
  return r.q.run_until(r.q.now() + 10 * kMs, [&] { return (r.read(kIrq0) & kIrq0Rx) != 0; });
}

// The card never heard the frame (FakeAir records only frames a card receives).
void check_card_silent(Rig& r, const std::string& why) {
  CHECK_FALSE(exchange(r));
  CHECK(r.air.sent.empty());
  CHECK(r.read(kFifoLength) == 0);
  INFO("model errors should explain: " << why);
  CHECK(any_error_contains(r, why));
  CHECK(any_error_contains(r, "the card does not receive the frame"));
}

// The card answered, the receiver did not decode it: no RxIRQ, nothing in the FIFO.
void check_reply_not_decoded(Rig& r, const std::string& why) {
  CHECK_FALSE(exchange(r));
  CHECK(r.air.sent.size() == 1);
  CHECK(r.read(kFifoLength) == 0);
  CHECK(r.com_state() == static_cast<uint8_t>(ComState::WaitForData));
  INFO("model errors should explain: " << why);
  CHECK(any_error_contains(r, why));
  CHECK(any_error_contains(r, "reply is not decoded"));
}

// The same two checks on a Rig of its own: a driver's Type B set-up, then `value` written to
// the register `reg`.
void check_card_silent(uint8_t reg, uint8_t value, const std::string& why) {
  Rig r;
  r.setup_type_b();
  r.write(reg, value);
  check_card_silent(r, why);
}
void check_reply_not_decoded(uint8_t reg, uint8_t value, const std::string& why) {
  Rig r;
  r.setup_type_b();
  r.write(reg, value);
  check_reply_not_decoded(r, why);
}
}  // namespace

TEST_CASE("Table 282 (ISO/IEC 14443-B 106 preset) gives 11.7 % ASK and decodes the card",
          "[clrc663][analog]") {
  Rig r;
  r.setup_type_b();
  CHECK(analog::modulation_index_percent(r.read(kTxAmp) & 0x1F) == Approx(11.7));
  REQUIRE(exchange(r));
  CHECK(r.read(kFifoLength) == kAtqb.size());
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("100 % ASK (TxClkMode 110b, the Type A driver mode of Table 278): card silent",
          "[clrc663][analog]") {
  check_card_silent(kDrvMode, 0x8E, "100 % ASK");
}

TEST_CASE("wrong TxClkMode: no carrier (000b), open drain low side (101b), 011b unsupported",
          "[clrc663][analog]") {
  SECTION("000b: high impedance, no carrier (Table 30)") {
    Rig r;
    r.setup_type_b();
    r.write(kDrvMode, 0x88);
    CHECK(r.air.field_changes.back().second == false);
    check_card_silent(r, "no 13.56 MHz carrier");
  }
  SECTION("101b: open drain, Type B needs 111b (Table 30)") {
    check_card_silent(kDrvMode, 0x8D, "TxClkMode 101b");
  }
  SECTION("011b: not supported (Table 132)") {
    check_card_silent(kDrvMode, 0x8B, "011b is not supported");
  }
}

TEST_CASE("modulation index outside ISO/IEC 14443-2's 8 %..14 % (Table 31): card silent",
          "[clrc663][analog]") {
  const auto [tx_amp, index] =
      GENERATE(table<uint8_t, std::string>({{0x15, "17.6 %"},  // the reset value (Table 43)
                                            {0x05, "5.8 %"},   //
                                            {0x13, "14.9 %"}}));
  check_card_silent(kTxAmp, tx_amp, "modulation index " + index);
}

TEST_CASE("modulation index inside 8 %..14 % with any CW amplitude passes (Figure 25 note)",
          "[clrc663][analog]") {
  // set_residual_carrier 8 = 8.1 %, 17 = 13.6 %; set_cw_amplitude (bits 7..6) changes the
  // carrier, not the modulation index.
  const uint8_t tx_amp = GENERATE(uint8_t{0x08}, uint8_t{0x11}, uint8_t{0xCE});
  Rig r;
  r.setup_type_b();
  r.write(kTxAmp, tx_amp);
  CHECK(exchange(r));
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("TxCon (DrvCon) not modulating by the envelope: card silent (Table 136)",
          "[clrc663][analog]") {
  SECTION("TxSel 00b: no modulation") {
    check_card_silent(kDrvCon, 0x08, "TxSel");
  }
  SECTION("TxInv: inverted modulation") {
    check_card_silent(kDrvCon, 0x0D, "TxInv");
  }
}

TEST_CASE("TxDataMod, TxBitMod and TxSymFreq other than Tables 263..266: card silent",
          "[clrc663][analog]") {
  SECTION("TxDataMod without DInvert") {
    check_card_silent(kTxDataMod, 0x00, "TxDataMod");
  }
  SECTION("TxBitMod MSB first") {
    check_card_silent(kTxBitMod, 0x89, "TxBitMod");
  }
  SECTION("SOF/EOF at 212 kbit/s around 106 kbit/s data") {
    check_card_silent(kTxSymFreq, 0x05, "S10BFreq");
  }
}

TEST_CASE("receiver threshold out of range: reply not decoded (Table 164)", "[clrc663][analog]") {
  SECTION("MinLevel above the card's signal") {
    check_reply_not_decoded(kRxThreshold, 0xFF, "above the card's signal");
  }
  SECTION("MinLevel not above the noise") {
    check_reply_not_decoded(kRxThreshold, 0x0F, "noise level");
  }
  SECTION("receiver gain too low for MinLevel 6 (RxAna rcv_gain 0: 35 dB, Table 169)") {
    check_reply_not_decoded(kRxAna, 0x00, "receiver gain");
  }
  SECTION("the card level is a property of the simulated antenna: a weak card is not heard") {
    // Table 282 MinLevel 6 > card 5: the same registers that decode the default card fail.
    analog::Registers regs{};
    regs[kRxCtrl] = 0x34;
    regs[kRcv] = 0x12;
    regs[kRxAna] = 0x03;
    regs[kRxThreshold] = 0x6F;
    CHECK(analog::rx_fault(regs, 106, RxEnvironment{5.0, 2.0}));
    CHECK_FALSE(analog::rx_fault(regs, 106, RxEnvironment{}));
  }
}

TEST_CASE("wrong RxCtrl baud rate: the 106 kbit/s reply is not decoded (Table 160)",
          "[clrc663][analog]") {
  const uint8_t rx_ctrl = GENERATE(uint8_t{0x35}, uint8_t{0x36}, uint8_t{0x37});
  check_reply_not_decoded(kRxCtrl, rx_ctrl, "Baudrate");
}

TEST_CASE("receiver input not from the analog block: reply not decoded (Tables 166, 168)",
          "[clrc663][analog]") {
  SECTION("Rcv.SigInSel idle") {
    check_reply_not_decoded(kRcv, 0x02, "SigInSel");
  }
  SECTION("Rcv.Rx_ADCmode LPCD") {
    check_reply_not_decoded(kRcv, 0x52, "LPCD");
  }
  SECTION("RxAna.VMid_r_sel not 0") {
    check_reply_not_decoded(kRxAna, 0x43, "VMid_r_sel");
  }
}

TEST_CASE("every Type B preset of Tables 282..285 passes the analog checks at its own rate",
          "[clrc663][analog]") {
  const auto [addr_lo, kbps] = GENERATE(
      table<uint16_t, uint32_t>({{0x0114, 106}, {0x0128, 212}, {0x0140, 424}, {0x0154, 848}}));
  Rig r;
  // LoadReg (8.10.3.12) of the 19.2 preset into 28h..39h, as AN12657 4.2.1 line 7-8 does.
  r.write(kFifoData,
          {static_cast<uint8_t>(addr_lo >> 8), static_cast<uint8_t>(addr_lo & 0xFF), 0x28, 0x12});
  r.write(kCommand, kCmdLoadReg);
  r.wait_command_idle();
  const uint8_t protocol = static_cast<uint8_t>(kbps == 106   ? 4
                                                : kbps == 212 ? 5
                                                : kbps == 424 ? 6
                                                              : 7);
  r.write(kFifoData, {protocol, protocol});
  r.write(kCommand, kCmdLoadProtocol);
  r.wait_command_idle();
  analog::Registers regs{};
  for (uint8_t a = 0; a <= kLastRegister; ++a) regs[a] = r.chip.peek(a);
  CHECK_FALSE(analog::tx_fault(regs, kbps));
  CHECK_FALSE(analog::rx_fault(regs, kbps, RxEnvironment{}));
  CHECK(r.chip.model_errors().empty());
}
