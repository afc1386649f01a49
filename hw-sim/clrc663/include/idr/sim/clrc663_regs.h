#pragma once
// CLRC663 register addresses, bit masks and the EEPROM tables the model copies into the
// register set. Source: NXP CLRC663 product data sheet Rev. 5.2 (reference/clrc663-datasheet.txt),
// section 9 (Table 50 register overview, Tables 51..248 bit layouts), Table 43 (register reset
// values), Tables 259..266 (LoadProtocol register initialisation, Appendix 19.1).
#include <array>
#include <cstdint>

namespace idr::sim::rc663 {

// Table 50: register addresses.
enum Reg : uint8_t {
  kCommand = 0x00,
  kHostCtrl = 0x01,
  kFifoControl = 0x02,
  kWaterLevel = 0x03,
  kFifoLength = 0x04,
  kFifoData = 0x05,
  kIrq0 = 0x06,
  kIrq1 = 0x07,
  kIrq0En = 0x08,
  kIrq1En = 0x09,
  kError = 0x0A,
  kStatus = 0x0B,
  kRxBitCtrl = 0x0C,
  kRxColl = 0x0D,
  kTControl = 0x0E,
  kT0Control = 0x0F,  // Tx registers: T0 at 0Fh, T1 at 14h, T2 at 19h, T3 at 1Eh, T4 at 23h
  kT4Control = 0x23,
  kDrvMode = 0x28,
  kTxAmp = 0x29,
  kDrvCon = 0x2A,
  kTxl = 0x2B,
  kTxCrcPreset = 0x2C,
  kRxCrcCon = 0x2D,
  kTxDataNum = 0x2E,
  kTxModWidth = 0x2F,
  kTxSym10BurstLen = 0x30,
  kTxWaitCtrl = 0x31,
  kTxWaitLo = 0x32,
  kFrameCon = 0x33,
  kRxSofD = 0x34,
  kRxCtrl = 0x35,
  kRxWait = 0x36,
  kRxThreshold = 0x37,
  kRcv = 0x38,
  kRxAna = 0x39,
  kLpcdOptions = 0x3A,
  kSerialSpeed = 0x3B,
  kPadEn = 0x44,
  kTxBitMod = 0x48,
  kTxDataCon = 0x4A,
  kTxDataMod = 0x4B,
  kTxSymFreq = 0x4C,
  kTxSym0H = 0x4D,
  kTxSym0L = 0x4E,
  kTxSym1H = 0x4F,
  kTxSym1L = 0x50,
  kTxSym2 = 0x51,
  kTxSym3 = 0x52,
  kTxSym10Len = 0x53,
  kTxSym32Len = 0x54,
  kTxSym10BurstCtrl = 0x55,
  kTxSym10Mod = 0x56,
  kTxSym32Mod = 0x57,
  kRxBitMod = 0x58,
  kRxEofSym = 0x59,
  kRxSyncValH = 0x5A,
  kRxSyncValL = 0x5B,
  kRxSyncMod = 0x5C,
  kRxMod = 0x5D,
  kRxCorr = 0x5E,
  kFabCal = 0x5F,
  kVersion = 0x7F,
};
inline constexpr uint8_t kLastRegister = 0x5F;  // 00h..5Fh plus Version at 7Fh (Table 50)

// Timer register block: TxControl, ReloadHi, ReloadLo, CounterValHi, CounterValLo (Tables 81..130).
[[nodiscard]] constexpr uint8_t timer_base(int t) {
  return static_cast<uint8_t>(0x0F + 5 * t);
}
inline constexpr uint8_t kTimerReloadHi = 1, kTimerReloadLo = 2, kTimerCounterHi = 3,
                         kTimerCounterLo = 4;

// Table 46: command codes.
enum Cmd : uint8_t {
  kCmdIdle = 0x00,
  kCmdLpcd = 0x01,
  kCmdLoadKey = 0x02,
  kCmdMfAuthent = 0x03,
  kCmdAckReq = 0x04,
  kCmdReceive = 0x05,
  kCmdTransmit = 0x06,
  kCmdTransceive = 0x07,
  kCmdWriteE2 = 0x08,
  kCmdWriteE2Page = 0x09,
  kCmdReadE2 = 0x0A,
  kCmdLoadReg = 0x0C,
  kCmdLoadProtocol = 0x0D,
  kCmdLoadKeyE2 = 0x0E,
  kCmdStoreKeyE2 = 0x0F,
  kCmdReadRnr = 0x1C,
  kCmdSoftReset = 0x1F,
};

// Table 51: Command register.
inline constexpr uint8_t kCommandStandby = 0x80, kCommandModemOff = 0x40, kCommandMask = 0x1F;
// Table 53: HostCtrl.
inline constexpr uint8_t kHostCtrlRegEn = 0x80, kHostCtrlSamInterface = 0x0C;
// Table 55: FIFOControl.
inline constexpr uint8_t kFifoSize255 = 0x80, kFifoHiAlert = 0x40, kFifoLoAlert = 0x20,
                         kFifoFlush = 0x10, kFifoWaterLevelExt = 0x04, kFifoLengthExt = 0x03;
// Table 63: IRQ0.
inline constexpr uint8_t kIrqSet = 0x80, kIrq0HiAlert = 0x40, kIrq0LoAlert = 0x20, kIrq0Idle = 0x10,
                         kIrq0Tx = 0x08, kIrq0Rx = 0x04, kIrq0Err = 0x02, kIrq0RxSof = 0x01;
// Table 65: IRQ1 (Timer0IRQ is bit 0 ... Timer4IRQ bit 4).
inline constexpr uint8_t kIrq1Global = 0x40, kIrq1Lpcd = 0x20;
// Table 67 / 69: enable registers; IRQ_Inv and IRQPushPull/IRQPinEn live in bit 7 / bits 7..6.
inline constexpr uint8_t kIrq0EnIrqInv = 0x80, kIrq1EnPushPull = 0x80, kIrq1EnPinEn = 0x40;
// Table 71: Error.
inline constexpr uint8_t kErrEe = 0x80, kErrFifoWr = 0x40, kErrFifoOvl = 0x20, kErrMinFrame = 0x10,
                         kErrNoData = 0x08, kErrCollDet = 0x04, kErrProt = 0x02, kErrInteg = 0x01;
// Table 73/74: Status.ComState.
inline constexpr uint8_t kStatusCrypto1On = 0x20;
enum class ComState : uint8_t {
  Idle = 0b000,
  TxWait = 0b001,
  Transmitting = 0b011,
  RxWait = 0b101,
  WaitForData = 0b110,
  Receiving = 0b111,
};
// Table 75: RxBitCtrl.
inline constexpr uint8_t kRxBitCtrlRxAlign = 0x70, kRxBitCtrlLastBits = 0x07;
// Table 81: TxControl.
inline constexpr uint8_t kTimerStopRx = 0x80, kTimerStartMask = 0x30, kTimerStartAtTxEnd = 0x10,
                         kTimerAutoRestart = 0x08, kTimerClkMask = 0x03;
// Table 121: T4Control.
inline constexpr uint8_t kT4Running = 0x80, kT4StartStopNow = 0x40;
// Table 131: DrvMode.
inline constexpr uint8_t kDrvModeTxEn = 0x08, kDrvModeTxClkMask = 0x07;
// Table 133/134: TxAmp bits 4..0 set_residual_carrier (Table 31 modulation index).
inline constexpr uint8_t kTxAmpResidualMask = 0x1F;
// Table 135/136: TxCon at 2Ah (Tables 278..285 call it DrvCon): TxSel 01b = TxEnvelope, TxInv.
inline constexpr uint8_t kTxConTxSelMask = 0x03, kTxConTxSelEnvelope = 0x01, kTxConTxInv = 0x04;
// Table 139 / 142: TxCrcPreset, RxCrcCon.
inline constexpr uint8_t kCrcEn = 0x01, kCrcInvert = 0x02, kCrcTypeMask = 0x0C,
                         kCrcPresetMask = 0x70, kRxForceCrcWrite = 0x80;
inline constexpr uint8_t kCrcType16 = 0x08;  // TxCRCtype 02h
// Table 145: TxDataNum.
inline constexpr uint8_t kTxDataNumDataEn = 0x08, kTxDataNumLastBits = 0x07;
// Table 151: TxWaitCtrl.
inline constexpr uint8_t kTxWaitStartAtRx = 0x80, kTxWaitEtu = 0x40, kTxWaitHighMask = 0x38,
                         kTxStopBitLength = 0x07;
// Table 155: FrameCon.
inline constexpr uint8_t kFrameTxParity = 0x80, kFrameRxParity = 0x40, kFrameStopSym = 0x0C,
                         kFrameStartSym = 0x03;
// Table 157: RxSofD.
inline constexpr uint8_t kRxSofEn = 0x20, kRxSofDetected = 0x10, kRxSubCEn = 0x04,
                         kRxSubCDetected = 0x02, kRxSubCPresent = 0x01;
// Table 159: RxCtrl.
inline constexpr uint8_t kRxCtrlMultiple = 0x40, kRxCtrlEofTypeB = 0x20, kRxCtrlEmdSup = 0x08,
                         kRxCtrlBaudMask = 0x07;
// Table 161: RxWait.
inline constexpr uint8_t kRxWaitEtu = 0x80, kRxWaitMask = 0x7F;
// Table 163/164: RxThreshold bits 7..4 MinLevel. Table 165/166: Rcv. Table 167/168: RxAna.
inline constexpr uint8_t kRcvAdcModeLpcd = 0x40, kRcvSigInSelMask = 0x30, kRcvSigInSelRx = 0x10;
inline constexpr uint8_t kRxAnaVMidMask = 0xC0, kRxAnaHpcfMask = 0x0C, kRxAnaGainMask = 0x03;
// Table 201/202: TxBitMod.
inline constexpr uint8_t kTxMsbFirst = 0x80, kTxStopBitType = 0x08, kTxStartBitType = 0x02,
                         kTxStartBitEn = 0x01;
// Table 203: TxDataCon.
inline constexpr uint8_t kTxDCodeTypeMask = 0xF0, kTxDbFreqMask = 0x07;
// Table 205: TxDataMod. Tables 263..266: 08h for every Type B rate (direct envelope, DInvert).
inline constexpr uint8_t kTxDMillerEn = 0x40, kTxDataModTypeB = 0x08;
// Table 207/208: TxSymFreq bits 2..0 S10BFreq (bit rate of Symbol0/Symbol1).
inline constexpr uint8_t kTxS10BFreqMask = 0x07;
// Table 231: RxBitMod.
inline constexpr uint8_t kRxStopBitEn = 0x04;
// Table 239 / 241: RxSyncMod.SyncType 2 = type B; RxMod.BPSK.
inline constexpr uint8_t kRxSyncTypeMask = 0x03, kRxSyncTypeB = 0x02, kRxModBpsk = 0x01;

// Table 248: Version register of CLRC66301/CLRC66302 (Version 1h, SubVersion 8h).
inline constexpr uint8_t kVersionValue = 0x18;

// Table 43: register reset values (EEPROM section 1, addresses 40h.. copied to registers 00h..5Fh).
// 49h is RFU ("xx" in the table) and reads 00h here.
inline constexpr std::array<uint8_t, 0x60> kResetValues = {
    // 00h Command..IRQ1
    0x40,
    0x00,
    0x80,
    0x05,
    0x00,
    0x00,
    0x00,
    0x00,
    // 08h IRQ0En..T0Control
    0x10,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    // 10h T0ReloadHi..T1CounterValHi
    0x00,
    0x80,
    0x00,
    0x00,
    0x00,
    0x00,
    0x80,
    0x00,
    // 18h T1CounterValLo..T3ReloadHi
    0x00,
    0x00,
    0x00,
    0x80,
    0x00,
    0x00,
    0x00,
    0x00,
    // 20h T3ReloadLo..T4CounterValLo
    0x80,
    0x00,
    0x00,
    0x00,
    0x00,
    0x80,
    0x00,
    0x00,
    // 28h DrvMode..TxModWidth
    0x86,
    0x15,
    0x11,
    0x06,
    0x18,
    0x18,
    0x08,
    0x27,
    // 30h TxSym10BurstLen..RxThreshold
    0x00,
    0xC0,
    0x12,
    0xCF,
    0x00,
    0x04,
    0x90,
    0x3F,
    // 38h Rcv..LPCD_QMin
    0x12,
    0x0A,
    0x00,
    0x7A,
    0x80,
    0x04,
    0x20,
    0x48,
    // 40h LPCD_QMax..SigOut
    0x12,
    0x88,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    // 48h TxBitMod..TxSym1H
    0x20,
    0x00,
    0x04,
    0x50,
    0x40,
    0x00,
    0x00,
    0x00,
    // 50h TxSym1L..TxSym32Mod
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x50,
    // 58h RxBitMod..FabCal
    0x02,
    0x00,
    0x00,
    0x01,
    0x00,
    0x08,
    0x08,
    0xB2,
};

// Register Set Protocol area (Table 41): 16 Tx registers 48h..57h and 8 Rx registers 58h..5Fh.
inline constexpr uint8_t kProtocolTxFirst = 0x48, kProtocolTxCount = 16;
inline constexpr uint8_t kProtocolRxFirst = 0x58, kProtocolRxCount = 8;
struct ProtocolSet {
  std::array<uint8_t, kProtocolTxCount> tx;
  std::array<uint8_t, kProtocolRxCount> rx;
};
// Tables 259..266 (protocol numbers 00..07), values as listed for CLRC66301/CLRC66302.
inline constexpr uint8_t kProtocolCount = 8;
inline constexpr std::array<ProtocolSet, kProtocolCount> kProtocols = {{
    // 00: ISO/IEC 14443 A 106 (Table 259)
    {{0x20, 0x00, 0x04, 0x50, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x50},
     {0x02, 0x00, 0x00, 0x01, 0x00, 0x08, 0x80, 0xB2}},
    // 01: ISO/IEC 14443 A 212 (Table 260)
    {{0x20, 0x00, 0x05, 0x50, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x50},
     {0x22, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x80, 0xB2}},
    // 02: ISO/IEC 14443 A 424 (Table 261)
    {{0x20, 0x00, 0x06, 0x50, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x50},
     {0x22, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x80, 0xB2}},
    // 03: ISO/IEC 14443 A 848 (Table 262)
    {{0x20, 0x00, 0x07, 0x50, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x50},
     {0x22, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x80, 0xB2}},
    // 04: ISO/IEC 14443 B 106 (Table 263)
    {{0x09, 0x00, 0x04, 0x08, 0x04, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0xAB, 0x00, 0x00, 0x08,
      0x00},
     {0x04, 0x00, 0x00, 0x00, 0x02, 0x1D, 0x80, 0xB2}},
    // 05: ISO/IEC 14443 B 212 (Table 264)
    {{0x09, 0x00, 0x05, 0x08, 0x05, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0xAB, 0x00, 0x00, 0x08,
      0x00},
     {0x04, 0x00, 0x00, 0x00, 0x02, 0x1D, 0x80, 0xB2}},
    // 06: ISO/IEC 14443 B 424 (Table 265)
    {{0x09, 0x00, 0x06, 0x08, 0x06, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0xAB, 0x00, 0x00, 0x08,
      0x00},
     {0x04, 0x00, 0x00, 0x00, 0x02, 0x1D, 0x80, 0xB2}},
    // 07: ISO/IEC 14443 B 848 (Table 266)
    {{0x09, 0x00, 0x07, 0x08, 0x07, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0xAB, 0x00, 0x00, 0x08,
      0x00},
     {0x04, 0x00, 0x00, 0x00, 0x02, 0x1D, 0x80, 0xB2}},
}};

}  // namespace idr::sim::rc663
