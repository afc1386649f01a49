// CLRC663 model: register map, SPI protocol, FIFO, interrupt registers and the IRQ pin.
#include <catch2/catch.hpp>

#include "clrc663_test_support.h"

using namespace idr::sim;
using namespace idr::sim::rc663;
using idr::sim::test::Rig;

TEST_CASE("reset values follow data sheet Table 43 and Version reads CLRC66302", "[clrc663]") {
  Rig r;
  // Table 43 (EEPROM 40h.. = registers 00h..): Command 40h, FIFOControl 80h, WaterLevel 05h,
  // IRQ0En 10h, DrvMode 86h, TxCRCPreset 18h, TxWaitCtrl C0h, FrameCon CFh, RxCtrl 04h.
  CHECK(r.read(kCommand) == 0x40);
  CHECK(r.read(kWaterLevel) == 0x05);
  CHECK(r.read(kIrq0En) == 0x10);
  CHECK(r.read(kDrvMode) == 0x86);
  CHECK(r.read(kTxCrcPreset) == 0x18);
  CHECK(r.read(kTxWaitCtrl) == 0xC0);
  CHECK(r.read(kFrameCon) == 0xCF);
  CHECK(r.read(kRxCtrl) == 0x04);
  CHECK(r.read(0x11) == 0x80);  // T0ReloadLo
  // FIFOControl 80h = 255-byte mode; an empty FIFO is at or below the water level, so
  // LoAlert (bit 5, Table 56) reads 1.
  CHECK(r.read(kFifoControl) == (0x80 | kFifoLoAlert));
  // Table 248: CLRC66301/02 Version 1h, SubVersion 8h.
  CHECK(r.read(kVersion) == 0x18);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("SPI write bursts auto-increment except on FIFOData (8.4.2.4)", "[clrc663]") {
  Rig r;
  r.write(0x10, {0x12, 0x34});  // T0ReloadHi, then T0ReloadLo at 11h
  CHECK(r.read(0x10) == 0x12);
  CHECK(r.read(0x11) == 0x34);
  r.write(kFifoData, {1, 2, 3});  // all three into the FIFO
  CHECK(r.read(kFifoLength) == 3);
  CHECK(r.read(kIrq0) == 0x00);  // 06h not written by the FIFO burst
  // Table 17: each MOSI byte after the first names the next register; MISO lags by one byte.
  const auto miso = r.chip.spi_transfer(
      {(0x10 << 1) | 1, (0x11 << 1) | 1, (kFifoData << 1) | 1, (kFifoData << 1) | 1, 0x00});
  CHECK(miso == std::vector<uint8_t>{0x00, 0x12, 0x34, 1, 2});
  CHECK(r.read(kFifoLength) == 1);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("read-only registers ignore writes (Tables 59, 73, 247)", "[clrc663]") {
  Rig r;
  r.write(kVersion, 0x00);
  r.write(kFifoLength, 0x10);
  r.write(kStatus, 0x07);
  CHECK(r.read(kVersion) == 0x18);
  CHECK(r.read(kFifoLength) == 0x00);
  CHECK(r.com_state() == 0);
}

TEST_CASE("FIFO length and flush in 255-byte mode (Tables 56, 60)", "[clrc663]") {
  Rig r;
  r.write(kFifoControl, 0x80);  // FIFOSize = 1: 255 bytes
  r.write(kFifoData, std::vector<uint8_t>(200, 0xAA));
  CHECK(r.read(kFifoLength) == 200);
  CHECK((r.read(kFifoControl) & kFifoLengthExt) == 0);  // ext bits only in 512 mode
  r.write(kFifoControl, 0x80 | kFifoFlush);             // 8.5.3 FIFOFlush
  CHECK(r.read(kFifoLength) == 0);
  CHECK((r.read(kFifoControl) & kFifoFlush) == 0);  // "Reading this bit will always return 0"
}

TEST_CASE("FIFO length in 512-byte mode uses FIFOControl bits 1..0 (Table 56)", "[clrc663]") {
  Rig r;
  r.write(kFifoControl, 0x00 | kFifoFlush);  // FIFOSize = 0: 512 bytes
  r.write(kFifoData, std::vector<uint8_t>(300, 0x55));
  const unsigned len = ((r.read(kFifoControl) & kFifoLengthExt) << 8) | r.read(kFifoLength);
  CHECK(len == 300);
  r.write(kFifoData, std::vector<uint8_t>(212, 0x55));  // exactly full
  CHECK(((r.read(kFifoControl) & kFifoLengthExt) << 8 | r.read(kFifoLength)) == 512);
  CHECK((r.read(kError) & kErrFifoOvl) == 0);
  r.write(kFifoControl, kFifoFlush);
  CHECK(r.read(kFifoLength) == 0);
  CHECK((r.read(kFifoControl) & kFifoLengthExt) == 0);
  CHECK(r.chip.model_errors().empty());
}

TEST_CASE("FIFO overflow sets FIFOOvl and ErrIRQ and drops the data (Tables 64, 72)", "[clrc663]") {
  Rig r;
  r.write(kFifoControl, 0x80 | kFifoFlush);
  std::vector<uint8_t> data(255);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  r.write(kFifoData, data);
  CHECK((r.read(kError) & kErrFifoOvl) == 0);
  r.write(kFifoData, {0xEE, 0xEF});
  CHECK((r.read(kError) & kErrFifoOvl) != 0);
  CHECK((r.read(kIrq0) & kIrq0Err) != 0);
  CHECK(r.read(kFifoLength) == 255);
  // "The data that is already in the FIFO remains untouched."
  const auto back = r.read_fifo(255);
  CHECK(back == data);
}

TEST_CASE("WaterLevel drives HiAlert/LoAlert and their IRQs on the rising edge (8.5.4)",
          "[clrc663]") {
  Rig r;
  r.write(kFifoControl, 0x80 | kFifoFlush);  // 255 bytes
  r.write(kWaterLevel, 10);
  r.write(kIrq0, 0x7F);
  r.write(kFifoData, std::vector<uint8_t>(244, 0));
  // HiAlert = (255 - 244) <= 10 is false; LoAlert = 244 <= 10 is false.
  CHECK((r.read(kFifoControl) & (kFifoHiAlert | kFifoLoAlert)) == 0);
  CHECK((r.read(kIrq0) & kIrq0HiAlert) == 0);
  r.write(kFifoData, 0);  // 245: 255 - 245 = 10 <= 10
  CHECK((r.read(kFifoControl) & kFifoHiAlert) != 0);
  CHECK((r.read(kIrq0) & kIrq0HiAlert) != 0);
  r.read_fifo(235);  // 10 left: LoAlert = 10 <= 10
  CHECK((r.read(kFifoControl) & kFifoLoAlert) != 0);
  CHECK((r.read(kIrq0) & kIrq0LoAlert) != 0);
  CHECK((r.read(kFifoControl) & kFifoHiAlert) == 0);
}

TEST_CASE("IRQ0/IRQ1 bit 7 selects set or clear (9.5, Tables 63..66)", "[clrc663]") {
  Rig r;
  r.write(kIrq0, 0x80 | 0x05);  // set RxIRQ and RxSOFIRQ
  CHECK(r.read(kIrq0) == 0x05);
  r.write(kIrq0, 0x04);  // bit 7 = 0: clear RxIRQ only
  CHECK(r.read(kIrq0) == 0x01);
  r.write(kIrq0, 0xFF);  // "writing FFh sets all bits 6..0"
  CHECK(r.read(kIrq0) == 0x7F);
  r.write(kIrq0, 0x7F);  // "writing 7Fh clears all bits 6..0"
  CHECK(r.read(kIrq0) == 0x00);
  r.write(kIrq1, 0x80 | 0x03);  // Timer0IRQ and Timer1IRQ
  CHECK((r.read(kIrq1) & 0x3F) == 0x03);
  r.write(kIrq1, 0x01);
  CHECK((r.read(kIrq1) & 0x3F) == 0x02);
}

TEST_CASE("GlobalIRQ and the IRQ pin honour IRQ0En/IRQ1En (Tables 66, 68, 70)", "[clrc663]") {
  Rig r;
  r.write(kIrq0En, 0x00);
  r.write(kIrq1En, 0x00);
  r.write(kIrq0, 0x80 | kIrq0Rx);
  CHECK((r.read(kIrq1) & kIrq1Global) == 0);  // not enabled
  CHECK_FALSE(r.chip.irq_pin());
  r.write(kIrq0En, kIrq0Rx);
  CHECK((r.read(kIrq1) & kIrq1Global) != 0);
  CHECK_FALSE(r.chip.irq_pin());  // IRQPinEn still clear
  r.write(kIrq1En, kIrq1EnPinEn | kIrq1EnPushPull);
  CHECK(r.chip.irq_pin());
  r.write(kIrq0En, kIrq0EnIrqInv | kIrq0Rx);  // IRQ_Inv: the pin level is inverted
  CHECK_FALSE(r.chip.irq_pin());
  r.write(kIrq0, kIrq0Rx);  // clear the request
  CHECK(r.chip.irq_pin());
  // Timer requests in IRQ1 propagate through IRQ1En.
  r.write(kIrq0En, 0x00);
  r.write(kIrq1, 0x80 | 0x04);  // Timer2IRQ
  CHECK_FALSE(r.chip.irq_pin());
  r.write(kIrq1En, kIrq1EnPinEn | 0x04);
  CHECK(r.chip.irq_pin());
}

TEST_CASE("DrvMode.TxEn switches the RF field (Table 132, AN12657 4.1.2 lines 6/21)", "[clrc663]") {
  Rig r;
  r.write(kCommand, 0x00);  // clears ModemOff (reset value 40h, Table 52)
  r.q.advance_by(5 * kUs);
  r.write(kDrvMode, 0x8E);
  r.q.advance_by(10 * kUs);
  r.write(kDrvMode, 0x86);
  REQUIRE(r.air.field_changes.size() == 2);
  CHECK(r.air.field_changes[0] == std::make_pair(Time{5 * kUs}, true));
  CHECK(r.air.field_changes[1] == std::make_pair(Time{15 * kUs}, false));
}

TEST_CASE("unknown register addresses and empty FIFO reads are model errors", "[clrc663]") {
  Rig r;
  (void)r.read(0x60);
  CHECK(r.chip.model_errors().size() == 1);
  (void)r.read(kFifoData);
  CHECK(r.chip.model_errors().size() == 2);
}
