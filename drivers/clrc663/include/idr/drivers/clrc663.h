#pragma once
// Driver for the NXP CLRC663 NFC front end over SPI, written against the data sheet
// (Rev. 5.2) and AN12657 only. ISO/IEC 14443 Type B reader mode.
#include <cstddef>
#include <cstdint>

#include "idr/drivers/clrc663_registers.h"
#include "idr/drivers/type_b_front_end.h"
#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::drivers {

// Timer setup that makes the CLRC663 raise a timer IRQ fwt_us after the end of the
// transmission. The timer interrupts reload + 1 clocks after its start (data sheet 8.2:
// it counts down to 0000h and "generates a timer interrupt request at the next clock").
struct FwtTimerSetup {
  bool cascaded = false;  // Timer0 as prescaler, Timer1 counts Timer0 underflows
  uint16_t t0_reload = 0;
  uint16_t t1_reload = 0;  // only when cascaded
};
[[nodiscard]] FwtTimerSetup fwt_timer_setup(uint32_t fwt_us);

class Clrc663 final : public TypeBFrontEnd {
 public:
  Clrc663(hal::Spi& spi, hal::IrqLine& irq, hal::Clock& clock);

  // TypeBFrontEnd: soft reset, version check, Type B 106 configuration.
  [[nodiscard]] Status init() override;
  [[nodiscard]] Status field_on() override;
  [[nodiscard]] Status field_off() override;
  [[nodiscard]] Status transceive(const uint8_t* tx, size_t tx_len, uint8_t* rx, size_t rx_cap,
                                  size_t& rx_len, uint32_t fwt_us) override;

  // Register access, SPI framing of data sheet 8.4.2.
  [[nodiscard]] Status write_reg(uint8_t reg, uint8_t value);
  // One SPI burst to reg, reg + 1, ... (8.4.2.4 auto-increment); not for FIFOData.
  [[nodiscard]] Status write_regs(uint8_t reg, const uint8_t* values, size_t len);
  [[nodiscard]] Status read_reg(uint8_t reg, uint8_t& value);
  [[nodiscard]] Status write_fifo(const uint8_t* data, size_t len);
  [[nodiscard]] Status read_fifo(uint8_t* data, size_t len);
  [[nodiscard]] Status fifo_length(size_t& len);
  [[nodiscard]] Status flush_fifo();

  [[nodiscard]] Status soft_reset();
  // Ok for a CLRC663 (Version high nibble 1), Unsupported otherwise.
  [[nodiscard]] Status check_version(uint8_t& version);
  [[nodiscard]] Status load_protocol(uint8_t rx_protocol, uint8_t tx_protocol);
  // ISO/IEC 14443 B 106 completely: LoadProtocol 04/04 (Table 263) and registers 28h..39h
  // (Table 282, rc663::kTypeB106Analog).
  [[nodiscard]] Status configure_type_b_106();

  // CRC_B on transmit / check on receive for the following frames (default both on).
  void set_crc(bool tx_crc, bool rx_crc) {
    tx_crc_ = tx_crc;
    rx_crc_ = rx_crc;
  }

 private:
  [[nodiscard]] Status wait_command_idle();
  [[nodiscard]] Status start_transceive(const uint8_t* tx, size_t tx_len, uint32_t fwt_us,
                                        uint8_t& timer_irq_bit);
  [[nodiscard]] Status wait_transceive_end(uint32_t wait_us, uint8_t timer_irq_bit,
                                           uint8_t& irq0_value, uint8_t& irq1_value);
  [[nodiscard]] Status stop_command_and_timers();
  [[nodiscard]] uint32_t irq_wait_budget_us(size_t tx_len, size_t rx_cap, uint32_t fwt_us) const;

  hal::Spi& spi_;
  hal::IrqLine& irq_;
  hal::Clock& clock_;
  bool tx_crc_ = true;
  bool rx_crc_ = true;
  uint8_t spi_tx_[rc663::kFifoSize + 2] = {};
  uint8_t spi_rx_[rc663::kFifoSize + 2] = {};
};

}  // namespace idr::drivers
