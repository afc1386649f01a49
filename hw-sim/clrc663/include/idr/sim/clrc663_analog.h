#pragma once
// The CLRC663's analog side as the model checks it: what the transmitter puts on the carrier
// (DrvMode, TxAmp, TxCon/DrvCon, TxDataMod, TxBitMod, TxSymFreq) and what the receiver can
// pick up (RxCtrl, RxThreshold, RxAna, Rcv). Pure functions of the register set: each returns
// why a card would not understand the reader (or the reader the card), or nothing.
// Sources: data sheet Rev. 5.2 Tables 8, 30, 31, 132, 134, 136, 160, 164, 166, 168, 169, 202,
// 206, 208 and the Type B presets of Tables 282..285; ISO/IEC 14443-2 for the Type B limits.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace idr::sim {

// What reaches the receiver from a card, in the units of RxThreshold.MinLevel (Table 164) at
// the highest receiver gain (rcv_gain 3, 60 dB, Table 169). The data sheet gives no absolute
// scale, so these are properties of the simulated antenna and card, not chip figures. The
// defaults are the widest window in which every Type B preset of Tables 282..285 (MinLevel
// 6h at 106, 3h at 212..848, rcv_gain 3) decodes: above the noise, below the card.
struct RxEnvironment {
  double card_level = 12.0;  // a card's load modulation at the receiver input
  double noise_level = 2.0;  // Table 164 note: MinLevel "should be higher than the noise level"
};

namespace analog {

using Registers = std::array<uint8_t, 0x80>;

// Table 31: modulation index in percent for TxAmp.set_residual_carrier 0..31.
[[nodiscard]] double modulation_index_percent(uint8_t set_residual_carrier);

// ISO/IEC 14443-2, Type B PCD to PICC: 10 % ASK (data sheet Table 8), modulation index 8 % to
// 14 %. (Part 2 is not in reference/; the limits are the ones the project's brief quotes.)
inline constexpr double kTypeBMinIndex = 8.0;
inline constexpr double kTypeBMaxIndex = 14.0;

// Whether DrvMode puts a carrier on TX1/TX2 (Table 30: 000b high impedance, 001b/010b a fixed
// level, 101b/110b/111b the 13.56 MHz clock). TxEn is checked by the caller.
[[nodiscard]] bool tx_clk_mode_drives_carrier(uint8_t drv_mode);

// Why a Type B card would not decode a frame sent with these settings at kbps, or nullopt.
[[nodiscard]] std::optional<std::string> tx_fault(const Registers& r, uint32_t kbps);

// Why the receiver would not decode a Type B reply sent at kbps, or nullopt.
[[nodiscard]] std::optional<std::string> rx_fault(const Registers& r, uint32_t kbps,
                                                  const RxEnvironment& env);

}  // namespace analog
}  // namespace idr::sim
