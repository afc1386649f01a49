#include "idr/sim/model_peripherals.h"

#include <stdexcept>

namespace idr::sim {

namespace {

class Rc663Adapter final : public SpiPeripheral {
 public:
  explicit Rc663Adapter(Clrc663Model& m) : m_(m) {}
  std::vector<uint8_t> spi_transfer(const std::vector<uint8_t>& mosi) override {
    return m_.spi_transfer(mosi);
  }
  bool irq_pin() const override { return m_.irq_pin(); }
  std::vector<std::string> model_errors() const override { return m_.model_errors(); }

 private:
  Clrc663Model& m_;
};

class SamAdapter final : public UartPeripheral {
 public:
  explicit SamAdapter(SamModel& m) : m_(m) {}
  void board_write(const std::vector<uint8_t>& bytes) override { m_.board_write(bytes); }
  std::vector<uint8_t> board_read(size_t max) override { return m_.board_read(max); }
  size_t board_available() const override { return m_.board_available(); }
  void set_board_baud(uint32_t baud) override { m_.set_board_baud(baud); }
  void board_flush() override { m_.board_flush(); }

 private:
  SamModel& m_;
};

class FlashAdapter final : public FlashPeripheral {
 public:
  explicit FlashAdapter(FlashModel& m) : m_(m) {}
  uint32_t page_size() const override { return m_.page_size(); }
  uint32_t page_count() const override { return m_.page_count(); }
  Status read(uint32_t addr, uint8_t* out, size_t len) override { return m_.read(addr, out, len); }
  Status program(uint32_t addr, const uint8_t* data, size_t len) override {
    return m_.program(addr, data, len);
  }
  Status erase_page(uint32_t page) override { return m_.erase_page(page); }

 private:
  FlashModel& m_;
};

}  // namespace

Peripherals make_model_peripherals(EventQueue& queue, TimeAccounts& accounts,
                                   std::unique_ptr<RfField> field, std::unique_ptr<SamModel> sam,
                                   std::unique_ptr<FlashModel> flash,
                                   ModelHardware** hardware_out) {
  if (!field || !sam || !flash)
    throw std::invalid_argument("make_model_peripherals: a model is missing");
  auto hw = std::make_unique<ModelHardware>();
  hw->field = std::move(field);
  hw->sam = std::move(sam);
  hw->flash = std::move(flash);
  hw->rc663 = std::make_unique<Clrc663Model>(queue, *hw->field, accounts);
  Peripherals p;
  p.rc663 = std::make_unique<Rc663Adapter>(*hw->rc663);
  p.sam = std::make_unique<SamAdapter>(*hw->sam);
  p.flash = std::make_unique<FlashAdapter>(*hw->flash);
  if (hardware_out) *hardware_out = hw.get();
  p.owner = std::move(hw);
  return p;
}

}  // namespace idr::sim
