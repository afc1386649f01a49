// The Simulator built from a scenario: its timing, seed, cards, SAM and flash.
#include "idr/sim/model_peripherals.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"

namespace idr::sim {

Simulator::Simulator(const Scenario& scenario)
    : Simulator(Config{scenario.timing, scenario.seed}, [this, &scenario](const Context& ctx) {
        ModelHardware* hw = nullptr;
        Peripherals p = make_model_peripherals(
            ctx.queue, ctx.accounts, build_field(scenario, ctx.queue, ctx.accounts, ctx.timing),
            build_sam(scenario, ctx.queue, ctx.accounts, ctx.timing), build_flash(scenario), &hw);
        field_ = hw->field.get();
        return p;
      }) {}

}  // namespace idr::sim
