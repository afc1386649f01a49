// In-process integration: the firmware's drivers on the host board, over the real sim-wire
// codec (InProcessSimLink), against the real CLRC663, RF field, card and SAM models.
#include <catch2/catch.hpp>

#include "idr/board/host_board.h"
#include "idr/drivers/clrc663.h"
#include "idr/drivers/sam_link.h"
#include "idr/sim/model_peripherals.h"
#include "idr/sim/resident_id_card.h"
#include "idr/sim/simulator.h"
#include "idr/testing/no_host.h"

using namespace idr;

namespace {

struct ModelBench {
  sim::SamConfig sam_config = [] {
    sim::SamConfig c;
    for (size_t i = 0; i < c.id.size(); ++i) c.id[i] = static_cast<uint8_t>(0x10 + i);
    return c;
  }();
  sim::Simulator sim{sim::Simulator::Config{}, [this](const sim::Simulator::Context& ctx) {
                       auto field = std::make_unique<sim::RfField>(ctx.queue, ctx.accounts,
                                                                   ctx.timing, ctx.seed);
                       sim::CardImage image;
                       image.uid = {1, 2, 3, 4, 5, 6, 7, 8};
                       field->add_card(std::make_shared<sim::ResidentIdCard>(
                           "card", image, sim::standin::default_keys(), ctx.timing, ctx.seed));
                       return sim::make_model_peripherals(
                           ctx.queue, ctx.accounts, std::move(field),
                           std::make_unique<sim::SamModel>(ctx.queue, ctx.accounts, ctx.timing,
                                                           sam_config, ctx.seed),
                           std::make_unique<sim::FlashModel>(256, 16, ctx.seed));
                     }};
  board::InProcessSimLink link{
      [this](const uint8_t* m, size_t n, uint8_t* o, size_t c) { return sim.handle(m, n, o, c); }};
  testing::NoHost host;
  board::HostBoard hb{link, host};
};

}  // namespace

TEST_CASE("in-process: CLRC663 driver on the host board gets the ATQB of the simulated ID card",
          "[rf]") {
  ModelBench b;
  REQUIRE(b.hb.start() == Status::Ok);
  hal::Board& hw = b.hb.board();
  drivers::Clrc663 rc663(hw.rc663_spi, hw.rc663_irq, hw.clock);
  REQUIRE(rc663.init() == Status::Ok);
  REQUIRE(rc663.field_on() == Status::Ok);
  // REQB 05 00 00 (DESIGN 6); ATQB 50 | PUPI 00 00 00 00 | AppData 00 00 00 00 | ProtInfo.
  const uint8_t reqb[] = {0x05, 0x00, 0x00};
  uint8_t rx[64];
  size_t n = 0;
  Status s = Status::Timeout;
  // The card needs its power-up time after the field comes on; poll like a reader does.
  for (int i = 0; i < 20 && s == Status::Timeout; ++i)
    s = rc663.transceive(reqb, 3, rx, sizeof rx, n, 5000);
  if (s != Status::Ok) {
    for (auto& e : b.sim.model_errors()) WARN("model: " << e);
    WARN("frames received by field: " << b.sim.accounts().rf_air << " rf ns; now " << b.sim.now());
  }
  REQUIRE(s == Status::Ok);
  REQUIRE(n == 12);
  CHECK(rx[0] == 0x50);
  CHECK(rx[1] == 0x00);
  CHECK(rx[10] == 0x80);  // ProtInfo byte 2: max frame 256, not ISO 14443-4
  CHECK(b.sim.model_errors().empty());
  CHECK(b.sim.accounts().spi > 0);
  CHECK(b.sim.accounts().rf_air > 0);
  CHECK(b.sim.accounts().firmware_cpu > 0);
}

TEST_CASE("in-process: SAM link driver on the host board reads the SAM model's id") {
  ModelBench b;
  REQUIRE(b.hb.start() == Status::Ok);
  hal::Board& hw = b.hb.board();
  drivers::SamLink sam(hw.sam_uart, hw.clock);
  uint8_t id[16] = {};
  REQUIRE(sam.get_id(id) == Status::Ok);
  for (size_t i = 0; i < 16; ++i) CHECK(id[i] == b.sam_config.id[i]);
  CHECK(b.sim.accounts().sam_link > 0);
}
