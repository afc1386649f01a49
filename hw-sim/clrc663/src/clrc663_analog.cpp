#include "idr/sim/clrc663_analog.h"

#include <cmath>
#include <cstdio>

#include "idr/sim/clrc663_regs.h"

namespace idr::sim::analog {

using namespace rc663;

namespace {

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

std::string bits3(unsigned v) {
  std::string s;
  for (int i = 2; i >= 0; --i) s += ((v >> i) & 1u) != 0 ? '1' : '0';
  return s + "b";
}

// Table 160 / Table 204 rate codes 4h..7h.
uint8_t rate_code(uint32_t kbps) {
  switch (kbps) {
    case 106:
      return 4;
    case 212:
      return 5;
    case 424:
      return 6;
    default:
      return 7;
  }
}

// Table 169: receiver gain in dB20 for rcv_gain (row) and rcv_hpcf (column).
constexpr double kGainDb[4][4] = {
    {35, 34, 33, 30},  // rcv_gain 0
    {43, 42, 41, 39},  // rcv_gain 1
    {51, 50, 49, 41},  // rcv_gain 2
    {60, 59, 58, 55},  // rcv_gain 3
};
constexpr double kReferenceGainDb = 60;  // RxEnvironment levels are given at rcv_gain 3, hpcf 0

}  // namespace

double modulation_index_percent(uint8_t set_residual_carrier) {
  // Table 31, modulation index column, set_residual_carrier 0..31.
  static constexpr double kIndex[32] = {0.5,  1.0,  2.0,  3.1,  4.7,  5.8,  7.0,  7.5,
                                        8.1,  8.7,  9.3,  9.9,  10.5, 11.1, 11.7, 12.4,
                                        13.0, 13.6, 14.3, 14.9, 16.3, 17.6, 19.0, 21.2,
                                        25.0, 29.0, 33.3, 37.9, 42.9, 48.1, 53.8, 60.0};
  return kIndex[set_residual_carrier & 0x1F];
}

bool tx_clk_mode_drives_carrier(uint8_t drv_mode) {
  const unsigned mode = drv_mode & kDrvModeTxClkMask;
  return mode == 0b101 || mode == 0b110 || mode == 0b111;
}

std::optional<std::string> tx_fault(const Registers& r, uint32_t kbps) {
  const unsigned clk = r[kDrvMode] & kDrvModeTxClkMask;
  if (clk == 0b011) return "DrvMode.TxClkMode 011b is not supported (Table 132)";
  if (!tx_clk_mode_drives_carrier(r[kDrvMode])) {
    return "DrvMode.TxClkMode " + bits3(clk) +
           " puts no 13.56 MHz carrier on TX1/TX2 (Table 30: high impedance or a fixed level)";
  }
  if (clk != 0b111) {
    // Table 30 names 111b (push/pull) "the setting for 10 % modulation"; the open-drain modes
    // drive one MOS side only and are what the Type A presets use for 100 % ASK (Table 278
    // DrvMode 8Eh, Table 7).
    return "DrvMode.TxClkMode " + bits3(clk) +
           " (open drain, Table 30) modulates as 100 % ASK, the Type A setting (Table 278); "
           "Type B needs 10 % ASK (Table 8), which Table 30 gives for 111b";
  }
  const uint8_t tx_con = r[kDrvCon];
  if ((tx_con & kTxConTxSelMask) != kTxConTxSelEnvelope) {
    return fmt(
        "TxCon.TxSel %.0f: the carrier is not modulated by the data envelope (Table 136: 01b "
        "TxEnvelope)",
        tx_con & kTxConTxSelMask);
  }
  if ((tx_con & kTxConTxInv) != 0) {
    return std::string("TxCon.TxInv set: the modulation is inverted (Table 136)");
  }
  const double m = modulation_index_percent(r[kTxAmp] & kTxAmpResidualMask);
  if (m < kTypeBMinIndex || m > kTypeBMaxIndex) {
    return fmt(
        "modulation index %.1f %% (TxAmp.set_residual_carrier %.0f, Table 31) is outside the "
        "ISO/IEC 14443-2 Type B range 8 %% .. 14 %%",
        m, r[kTxAmp] & kTxAmpResidualMask);
  }
  // Tables 263..266 (every Type B rate): TxDataMod 08h = direct envelope (NRZ, Table 8),
  // DInvert set, no pulse, no Miller, whole frame at once (Table 206).
  if (r[kTxDataMod] != kTxDataModTypeB) {
    return fmt(
        "TxDataMod %.0f (decimal) is not the NRZ envelope of Tables 263..266 (08h: direct, "
        "DInvert; Table 206)",
        r[kTxDataMod]);
  }
  // ISO/IEC 14443-3 7.1.1: start bit logic 0, LSB first, stop bit logic 1 (Table 202 bits).
  const uint8_t bm = r[kTxBitMod];
  if ((bm & kTxMsbFirst) != 0 || (bm & kTxStartBitType) != 0 || (bm & kTxStopBitType) == 0) {
    return std::string(
        "TxBitMod does not send ISO/IEC 14443-3 7.1.1 characters (start bit 0, LSB first, stop "
        "bit 1; Table 202)");
  }
  // Table 208: SOF/EOF (Symbol0/1) at the data's bit rate, as Tables 263..266 set it.
  if ((r[kTxSymFreq] & kTxS10BFreqMask) != rate_code(kbps)) {
    return fmt(
        "TxSymFreq.S10BFreq %.0f differs from the data rate code %.0f: SOF/EOF at another etu "
        "(Table 208)",
        r[kTxSymFreq] & kTxS10BFreqMask, rate_code(kbps));
  }
  return std::nullopt;
}

std::optional<std::string> rx_fault(const Registers& r, uint32_t kbps, const RxEnvironment& env) {
  const uint8_t baud = r[kRxCtrl] & kRxCtrlBaudMask;
  if (baud != rate_code(kbps)) {
    return fmt("RxCtrl.Baudrate %.0fh does not match the card's %.0f kbit/s (Table 160 code %.0fh)",
               baud, kbps, rate_code(kbps));
  }
  const uint8_t rcv = r[kRcv];
  if ((rcv & kRcvSigInSelMask) != kRcvSigInSelRx) {
    return fmt(
        "Rcv.SigInSel %.0f: the signal processing does not take the internal analog receiver "
        "(Table 166: 1h)",
        (rcv & kRcvSigInSelMask) >> 4);
  }
  if ((rcv & kRcvAdcModeLpcd) != 0) {
    return std::string("Rcv.Rx_ADCmode set: the ADC is in LPCD mode, not reception (Table 166)");
  }
  const uint8_t ana = r[kRxAna];
  if ((ana & kRxAnaVMidMask) != 0) {
    return std::string("RxAna.VMid_r_sel != 0 (Table 168: needs to be 0)");
  }
  const double gain_db = kGainDb[ana & kRxAnaGainMask][(ana & kRxAnaHpcfMask) >> 2];
  const double scale = std::pow(10.0, (gain_db - kReferenceGainDb) / 20.0);
  const double card = env.card_level * scale;
  const double noise = env.noise_level * scale;
  const double min_level = static_cast<double>(r[kRxThreshold] >> 4);
  if (min_level <= noise) {
    return fmt(
        "RxThreshold.MinLevel %.0f is not above the noise level %.1f (Table 164 note): the "
        "decoder cannot tell the card from noise",
        min_level, noise);
  }
  if (min_level > card) {
    return fmt(
        "RxThreshold.MinLevel %.0f is above the card's signal %.1f at %.0f dB receiver gain "
        "(RxAna, Table 169): no subcarrier detected",
        min_level, card, gain_db);
  }
  return std::nullopt;
}

}  // namespace idr::sim::analog
