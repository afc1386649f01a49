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
// Table 67/68 IRQ0En bit 7 IRQ_Inv: "Set to one the signal of the IRQ pin is inverted". The
// data sheet does not state the non-inverted level, so the driver writes IRQ_Inv explicitly
// (0) with every IRQ0En write and the board's IRQ line is configured for an active-high pin
// (the simulator's model takes the same reading, hw-sim/clrc663/README.md).
inline constexpr uint8_t kIrq0EnPinActiveHigh = 0x00;
// Table 69/70 IRQ1En: bit 7 IRQPushPull, bit 6 IRQPinEn (GlobalIRQ to the IRQ pin).
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

// Antenna, receiver and framing registers 28h..39h that LoadProtocol does not touch (it loads
// 48h..5Fh only, Table 41; 19.1: for CLRC66301/02 "the antenna configuration needs to be done
// by firmware"). Values of the data sheet's ISO/IEC 14443-B 106 preset (19.2, Table 282; 19.2:
// "the registers can be initialized by individual register write commands"), written as one
// SPI burst from DrvMode (8.4.2.4 auto-increment), with two deliberate differences:
//  - DrvMode 87h, not 8Fh: TxEn (Table 132) stays off until field_on();
//  - TxWaitCtrl C1h / TxWaitLo 12h, not 01h / 00h: the next frame waits 18 half etu (9 etu,
//    TxWaitStart = end of reception, TxWaitEtu; Tables 152, 154) after the card's EOF, which
//    covers ISO/IEC 14443-3 7.1.7 (PCD SOF >= 10 etu + 32/fs after the PICC EOF start)
//    however fast the firmware is.
// Table 282 in register order: DrvMode 8F (TxClkMode 111b, "setting for 10 % modulation",
// Table 30), TxAmp 0E (set_residual_carrier 14: 11.7 %, Table 31; ISO/IEC 14443-2 Type B
// 8 %..14 %), DrvCon 09 (TxCon, Table 136: CwMax, TxSel 01b TxEnvelope), TxI 0A, TxCrcPreset
// 7B, RxCrcCon 7B (CRC_B, Tables 140/143), TxDataNum 08 (DataEn), TxModWidth 00,
// TxSym10BurstLen 00, TxWaitCtrl, TxWaitLo, FrameCon 05 (see below), RxSofD 00, RxCtrl 34
// (RxEOFType ISO 14443 B, EGT_Check, Baudrate 4h = 106 kBd; Table 160), RxWait 90 (8 etu,
// Table 162), RxThreshold 6F (MinLevel 6, MinLevelP F; Table 164), Rcv 12 (SigInSel 1h
// internal receiver, CollLevel 2; Table 166), RxAna 03 (rcv_gain 3, rcv_hpcf 0; Table 168).
// FrameCon 05h (Table 155): no parity; StartSym 1h = Symbol0 (SOF); StopSym 1h = Symbol1
// (EOF). Table 156 lists StopSym 1h..3h as Symbol0..2, but 8.6.5 says only Symbol1..3 can
// follow the data, i.e. StopSym n = Symbol n; Table 282 itself writes 05h with the Type B
// protocol area (EOF in Symbol1, Table 263), which only the 8.6.5 reading makes an EOF.
inline constexpr uint8_t kAnalogFirst = reg::kDrvMode;
inline constexpr uint8_t kTypeB106Analog[18] = {0x87, 0x0E, 0x09, 0x0A, 0x7B, 0x7B,
                                                0x08, 0x00, 0x00, 0xC1, 0x12, 0x05,
                                                0x00, 0x34, 0x90, 0x6F, 0x12, 0x03};

// Table 247/248 Version: high nibble 1 for CLRC66301/02/03 (subversion 8 or A).
inline constexpr uint8_t kVersionMask = 0xF0;
inline constexpr uint8_t kVersionClrc663 = 0x10;

// Tables 47/48: LoadProtocol number for ISO/IEC 14443 B 106 (same number for RX and TX).
// Only 106 kbit/s: the ID card's ATTRIB asks for 106 both ways (DESIGN 6), so the driver
// offers no other rate.
inline constexpr uint8_t kProtocolTypeB106 = 0x04;

// SPI address byte (section 8.4.2.4, Table 19): address in bits 7..1, bit 0 = 1 for read.
[[nodiscard]] constexpr uint8_t spi_write_address(uint8_t reg) {
  return static_cast<uint8_t>(reg << 1);
}
[[nodiscard]] constexpr uint8_t spi_read_address(uint8_t reg) {
  return static_cast<uint8_t>((reg << 1) | 1u);
}

}  // namespace idr::drivers::rc663
