// Models built from a scenario.
#include <utility>

#include "idr/sim/resident_id_card.h"
#include "idr/sim/scenario.h"

namespace idr::sim {

namespace {
// Independent seeds per model and per card, all fixed by the scenario seed.
uint64_t sub_seed(uint64_t seed, uint64_t salt) {
  return seed * 0x9E3779B97F4A7C15ull + salt;
}
}  // namespace

std::unique_ptr<RfField> build_field(const Scenario& s, EventQueue& queue, TimeAccounts& accounts,
                                     const TimingParams& timing) {
  auto field = std::make_unique<RfField>(queue, accounts, timing, sub_seed(s.seed, 1));
  field->set_field_faults(s.field_faults);
  for (const FrameFault& f : s.frame_faults) field->add_frame_fault(f);
  for (size_t i = 0; i < s.cards.size(); ++i) {
    const ScenarioCard& c = s.cards[i];
    standin::Keys keys = s.keys;
    if (c.issuer_key) keys.issuer = *c.issuer_key;  // a card the issuer did not seal
    auto card = std::make_shared<ResidentIdCard>(c.spec.label, make_card_image(c.spec), keys,
                                                 timing, sub_seed(s.seed, 100 + i));
    field->add_card(std::move(card), c.timeline, c.faults);
  }
  return field;
}

std::unique_ptr<SamModel> build_sam(const Scenario& s, EventQueue& queue, TimeAccounts& accounts,
                                    const TimingParams& timing) {
  auto sam = std::make_unique<SamModel>(queue, accounts, timing, SamConfig{s.sam_id, s.keys},
                                        sub_seed(s.seed, 2));
  for (const SamFault& f : s.sam_faults) sam->add_fault(f);
  return sam;
}

std::unique_ptr<FlashModel> build_flash(const Scenario& s) {
  return std::make_unique<FlashModel>(s.flash_page_size, s.flash_page_count, sub_seed(s.seed, 3));
}

ScenarioRig::ScenarioRig(const Scenario& s) : scenario(s) {
  field = build_field(scenario, queue, accounts, scenario.timing);
  sam = build_sam(scenario, queue, accounts, scenario.timing);
  flash = build_flash(scenario);
  for (const auto& c : scenario.cards) images.push_back(make_card_image(c.spec));
}

}  // namespace idr::sim
