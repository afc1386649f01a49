#pragma once
// The real hw-sim models behind the Simulator's peripheral interfaces: the CLRC663 model
// over an RF field, the SAM model and the flash model.
#include <memory>

#include "idr/sim/clrc663_model.h"
#include "idr/sim/flash_model.h"
#include "idr/sim/peripherals.h"
#include "idr/sim/rf_field.h"
#include "idr/sim/sam_model.h"

namespace idr::sim {

// Owns the models; the peripheral adapters point into it.
struct ModelHardware : Hardware {
  std::unique_ptr<RfField> field;
  std::unique_ptr<Clrc663Model> rc663;
  std::unique_ptr<SamModel> sam;
  std::unique_ptr<FlashModel> flash;
};

// Builds a CLRC663 model on `field` and wraps everything; `hardware_out` (optional) gets
// a pointer to the owned models for accessors (field()).
Peripherals make_model_peripherals(EventQueue& queue, TimeAccounts& accounts,
                                   std::unique_ptr<RfField> field, std::unique_ptr<SamModel> sam,
                                   std::unique_ptr<FlashModel> flash,
                                   ModelHardware** hardware_out = nullptr);

}  // namespace idr::sim
