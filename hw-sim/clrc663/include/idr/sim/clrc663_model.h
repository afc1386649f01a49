#pragma once
// Register-level model of the NXP CLRC663 NFC front end (DESIGN 3), driven over its SPI
// protocol. Everything is checked against the CLRC663 data sheet Rev. 5.2 and AN12657; see
// hw-sim/clrc663/README.md for what is modelled and what is reported as a model error.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "idr/sim/air.h"
#include "idr/sim/clock.h"
#include "idr/sim/clrc663_analog.h"
#include "idr/sim/clrc663_eeprom.h"
#include "idr/sim/clrc663_fifo.h"
#include "idr/sim/clrc663_regs.h"
#include "idr/sim/clrc663_timers.h"

namespace idr::sim {

class Clrc663Model {
 public:
  Clrc663Model(EventQueue& q, Air& air, TimeAccounts& accounts, RxEnvironment rx_env = {});
  ~Clrc663Model();
  Clrc663Model(const Clrc663Model&) = delete;
  Clrc663Model& operator=(const Clrc663Model&) = delete;

  // One SPI transaction with NSS low for the whole vector (data sheet 8.4.2, Tables 17..19):
  // byte 0 is (address << 1) | R/W (1 = read). Write: the following bytes go to address,
  // address + 1, ... (no increment on FIFOData). Read: each following MOSI byte is the next
  // address byte, the last one is a dummy; MISO byte i carries the register named by MOSI
  // byte i - 1. Returns MISO (same length). SPI time is charged by the caller.
  std::vector<uint8_t> spi_transfer(const std::vector<uint8_t>& mosi);

  // IRQ pin level: GlobalIRQ gated by IRQ1En.IRQPinEn, inverted by IRQ0En.IRQ_Inv (Tables 68,
  // 70). IRQPushPull only changes the driver type; an open-drain pin is read as if pulled up.
  // The data sheet does not say which level the non-inverted pin asserts; the model takes
  // high (true) and the driver writes IRQ_Inv = 0 explicitly with every IRQ0En write, so both
  // sides configure the polarity instead of trusting a reset value.
  [[nodiscard]] bool irq_pin() const;

  // Behaviour the model does not implement (tests assert this stays empty).
  [[nodiscard]] const std::vector<std::string>& model_errors() const { return errors_; }

  void hard_reset();  // power-on state (Table 43 reset values)
  [[nodiscard]] uint8_t peek(
      uint8_t reg) const;  // register value as a read would give, no side effects

 private:
  enum class Active : uint8_t { None, Transmit, Transceive, Receive, EepromCopy };

  void error(const std::string& msg);
  [[nodiscard]] uint8_t read_reg(uint8_t reg);
  void write_reg(uint8_t reg, uint8_t value);

  // FIFO and IRQ plumbing.
  void fifo_write(uint8_t b);
  [[nodiscard]] uint8_t fifo_read();
  void fifo_changed();  // water-level alerts and their edge-triggered IRQs (8.5.4)
  [[nodiscard]] unsigned water_level() const;
  void set_irq0(uint8_t bits) { regs_[rc663::kIrq0] |= bits; }
  void set_error(uint8_t bits);
  [[nodiscard]] bool global_irq() const;
  void update_field();

  // Commands (8.10).
  void write_command(uint8_t value);
  void start_command(uint8_t cmd);
  void cancel_command();
  void finish_command(bool idle_irq);
  void set_com_state(rc663::ComState s);
  void try_load_protocol();
  void load_reg();
  void read_e2();
  void soft_reset();
  void finish_after_copy(size_t bytes, std::function<void()> apply);
  void start_transmit(bool then_receive);
  void tx_data_end();
  void tx_eof_end(AirFrame frame);
  void tx_end(Time air_time, uint32_t kbps);
  void arm_receiver(Time rx_wait_end);
  void rx_start();
  void rx_end();

  // Register interpretation.
  [[nodiscard]] std::optional<uint32_t> tx_kbps();
  struct TxSymbols {
    unsigned sof_bits = 0;   // loaded length of the start symbol (Tables 221/222 TxSym10Len)
    unsigned eof_bits = 0;   // loaded length of the stop symbol
    unsigned eof_zeros = 0;  // its logic-0 part: the ISO/IEC 14443-3 7.1.5 EOF proper
  };
  [[nodiscard]] bool check_type_b_tx(TxSymbols& symbols);
  [[nodiscard]] bool check_type_b_rx();
  [[nodiscard]] Time etu_ns(uint32_t kbps, uint64_t half_bits) const;
  [[nodiscard]] Time tx_wait_time(uint32_t kbps) const;
  [[nodiscard]] Time rx_wait_time(uint32_t kbps) const;
  void cancel_events();

  EventQueue& q_;
  Air& air_;
  TimeAccounts& accounts_;
  Clrc663Timers::Registers regs_{};
  Clrc663Fifo fifo_;
  Clrc663Eeprom eeprom_;
  RxEnvironment rx_env_;
  Clrc663Timers timers_;
  std::vector<std::string> errors_;

  Active active_ = Active::None;
  rc663::ComState com_state_ = rc663::ComState::Idle;
  bool field_on_ = false;
  bool hi_alert_ = false;
  bool lo_alert_ = false;
  uint32_t last_kbps_ = 106;
  std::optional<Time> last_tx_end_;
  std::optional<Time> last_rx_end_;
  std::optional<AirReply> reply_;        // what the field answered to the last frame
  std::optional<std::string> tx_fault_;  // why the card cannot decode the frame being sent
  Time tx_data_end_ = 0, tx_eof_end_ = 0, tx_end_ = 0;  // of the frame being sent
  Time rx_wait_end_ = 0;
  EventQueue::Id tx_event_ = 0, rx_start_event_ = 0, rx_bits_event_ = 0, rx_end_event_ = 0,
                 rx_wait_event_ = 0, copy_event_ = 0;
};

}  // namespace idr::sim
