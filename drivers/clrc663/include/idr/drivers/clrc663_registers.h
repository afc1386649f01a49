#pragma once
// CLRC663 register addresses, bits and command codes used by the driver.
// Source: CLRC663 product data sheet Rev. 5.2, section 9 (Table 50 register overview and the
// per-register tables cited below) and section 8.10 (Table 46 command set).
#include <cstdint>

namespace idr::drivers::rc663 {

// Table 50: register addresses.
namespace reg {
inline constexpr uint8_t kCommand = 0x00;
inline constexpr uint8_t kHostCtrl = 0x01;
inline constexpr uint8_t kFifoControl = 0x02;
inline constexpr uint8_t kWaterLevel = 0x03;
inline constexpr uint8_t kFifoLength = 0x04;
inline constexpr uint8_t kFifoData = 0x05;
inline constexpr uint8_t kIrq0 = 0x06;
inline constexpr uint8_t kIrq1 = 0x07;
inline constexpr uint8_t kIrq0En = 0x08;
inline constexpr uint8_t kIrq1En = 0x09;
inline constexpr uint8_t kError = 0x0A;
inline constexpr uint8_t kStatus = 0x0B;
inline constexpr uint8_t kTControl = 0x0E;
inline constexpr uint8_t kT0Control = 0x0F;
inline constexpr uint8_t kT0ReloadHi = 0x10;
inline constexpr uint8_t kT0ReloadLo = 0x11;
inline constexpr uint8_t kT1Control = 0x14;
inline constexpr uint8_t kT1ReloadHi = 0x15;
inline constexpr uint8_t kT1ReloadLo = 0x16;
inline constexpr uint8_t kDrvMode = 0x28;
inline constexpr uint8_t kTxWaitCtrl = 0x31;
inline constexpr uint8_t kFrameCon = 0x33;
inline constexpr uint8_t kRxCtrl = 0x35;
inline constexpr uint8_t kTxCrcPreset = 0x2C;
inline constexpr uint8_t kRxCrcCon = 0x2D;
inline constexpr uint8_t kTxDataNum = 0x2E;
inline constexpr uint8_t kVersion = 0x7F;
}  // namespace reg

// Table 46: command codes (Command register bits 4..0).
namespace cmd {
inline constexpr uint8_t kIdle = 0x00;
inline constexpr uint8_t kReceive = 0x05;
inline constexpr uint8_t kTransmit = 0x06;
inline constexpr uint8_t kTransceive = 0x07;
inline constexpr uint8_t kLoadProtocol = 0x0D;
inline constexpr uint8_t kSoftReset = 0x1F;
inline constexpr uint8_t kMask = 0x1F;
}  // namespace cmd

// Table 55/56 FIFOControl: bit 7 FIFOSize (1 = 255 bytes), bit 4 FIFOFlush.
// AN12657 4.1.2 writes B0h: "Flush FIFO, Set FIFO size to 255".
inline constexpr uint8_t kFifoControlFlush255 = 0xB0;
inline constexpr uint16_t kFifoSize = 255;

// Table 63/64 IRQ0 and Table 65/66 IRQ1: bit 7 "Set" selects set (1) or clear (0) of the
// bits written as 1; 7Fh clears all (section 9.5).
inline constexpr uint8_t kIrqClearAll = 0x7F;
namespace irq0 {
inline constexpr uint8_t kIdle = 0x10;
inline constexpr uint8_t kTx = 0x08;
inline constexpr uint8_t kRx = 0x04;
inline constexpr uint8_t kErr = 0x02;
}  // namespace irq0
namespace irq1 {
inline constexpr uint8_t kGlobal = 0x40;
inline constexpr uint8_t kTimer1 = 0x02;
inline constexpr uint8_t kTimer0 = 0x01;
}  // namespace irq1
// Table 69/70 IRQ1En: bit 7 IRQPushPull, bit 6 IRQPinEn (GlobalIRQ to the IRQ pin).
// IRQ0En bit 7 IRQ_Inv stays 0: the pin is active high (Table 68).
namespace irq1en {
inline constexpr uint8_t kPushPull = 0x80;
inline constexpr uint8_t kPinEn = 0x40;
}  // namespace irq1en

// Table 71/72 Error register bits.
namespace err {
inline constexpr uint8_t kEeErr = 0x80;
inline constexpr uint8_t kFifoWrErr = 0x40;
inline constexpr uint8_t kFifoOvl = 0x20;
inline constexpr uint8_t kMinFrameErr = 0x10;
inline constexpr uint8_t kNoDataErr = 0x08;
inline constexpr uint8_t kCollDet = 0x04;
inline constexpr uint8_t kProtErr = 0x02;
inline constexpr uint8_t kIntegErr = 0x01;
}  // namespace err

// Table 79/80 TControl: bits 3..0 select which Running bits (7..4) a write changes.
inline constexpr uint8_t kTControlStopT0T1 = 0x03;
// Table 81/82 (and 91/92 for Timer1) TxControl bits.
namespace tctl {
inline constexpr uint8_t kStopRx = 0x80;        // stop after the first 4 received bits
inline constexpr uint8_t kStartAtTxEnd = 0x10;  // TxStart = 01b
inline constexpr uint8_t kAutoRestart = 0x08;
inline constexpr uint8_t kClk211k = 0x01;           // TxClk = 01b: 211.875 kHz = fc / 64
inline constexpr uint8_t kT1ClkT0Underflow = 0x02;  // T1Clk = 10b: underflow of Timer0
}  // namespace tctl
inline constexpr uint32_t kTimerClockHz = 211875;  // 13.56 MHz / 64

// Table 131/132 DrvMode: bit 3 TxEn enables both transmitter pins (the RF field).
// AN12657 4.1.2 line 6 writes 8Eh (field on), 4.2.2 line 21 writes 86h (field off).
inline constexpr uint8_t kDrvModeTxEn = 0x08;

// Table 139-141 TxCrcPreset and Table 142-144 RxCrcCon: preset code 7 (FFFFh) in bits 6..4,
// CRC16 (2) in bits 3..2, inverted (bit 1), enable (bit 0): CRC_B of ISO/IEC 14443-3 7.2.
inline constexpr uint8_t kCrcBOn = 0x7B;
inline constexpr uint8_t kCrcBOff = 0x7A;

// Table 145/146 TxDataNum: DataEn (bit 3) set, TxLastBits 0: whole bytes are sent.
inline constexpr uint8_t kTxDataNumWholeBytes = 0x08;

// Type B framing registers that LoadProtocol does not touch (it loads 48h..5Fh only,
// Table 41 / 19.1: Tables 263-266 set Symbol0 = SOF (10 zeros, 2 ones) and Symbol1 = EOF).
// FrameCon (Table 155): no parity; StartSym 1h = Symbol0 (SOF); StopSym 1h = Symbol1 (EOF).
// Table 156 lists StopSym 1h..3h as Symbol0..2, but 8.6.5 says only Symbol1..3 can follow
// the data, i.e. StopSym n = Symbol n; with Table 156's reading the Type B protocol area
// (EOF in Symbol1) would need StopSym 2h and nothing could send Symbol3. We follow 8.6.5,
// as the simulator's CLRC663 model does.
inline constexpr uint8_t kFrameConTypeB = 0x05;
// Table 151/152 TxWaitCtrl: reset bits 7..3 (C0h) kept, TxStopBitLength 1h: 1 stop bit, no
// EGT (ISO/IEC 14443-3 7.1.1 character = start, 8 data bits, stop).
inline constexpr uint8_t kTxWaitCtrlTypeB = 0xC1;
// Table 159/160 RxCtrl: RxEOFType = 1 (ISO/IEC 14443 B EOF expected), Baudrate code.
inline constexpr uint8_t kRxCtrlTypeBEof = 0x20;
inline constexpr uint8_t kRxBaud106 = 0x04;
inline constexpr uint8_t kRxBaud212 = 0x05;
inline constexpr uint8_t kRxBaud424 = 0x06;
inline constexpr uint8_t kRxBaud848 = 0x07;

// Table 247/248 Version: high nibble 1 for CLRC66301/02/03 (subversion 8 or A).
inline constexpr uint8_t kVersionMask = 0xF0;
inline constexpr uint8_t kVersionClrc663 = 0x10;

// Tables 47/48: LoadProtocol numbers for ISO/IEC 14443 B (same number for RX and TX).
inline constexpr uint8_t kProtocolTypeB106 = 0x04;
inline constexpr uint8_t kProtocolTypeB212 = 0x05;
inline constexpr uint8_t kProtocolTypeB424 = 0x06;
inline constexpr uint8_t kProtocolTypeB848 = 0x07;

// SPI address byte (section 8.4.2.4, Table 19): address in bits 7..1, bit 0 = 1 for read.
[[nodiscard]] constexpr uint8_t spi_write_address(uint8_t reg) {
  return static_cast<uint8_t>(reg << 1);
}
[[nodiscard]] constexpr uint8_t spi_read_address(uint8_t reg) {
  return static_cast<uint8_t>((reg << 1) | 1u);
}

}  // namespace idr::drivers::rc663
