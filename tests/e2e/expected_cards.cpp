#include "expected_cards.h"

#include <stdexcept>

#include "idr/sim/scenario.h"

namespace idr::e2e {

ExpectedCard expected_card(const std::string& scenario_file) {
  const sim::Scenario s = sim::load_scenario(scenario_file);
  if (s.cards.empty()) throw std::runtime_error(scenario_file + ": no card");
  const sim::CardImage image = sim::make_card_image(s.cards.front().spec);
  ExpectedCard c;
  c.text.assign(image.text.begin(), image.text.end());
  c.photo.assign(image.photo.begin(), image.photo.end());
  c.fingerprint = image.fingerprint;
  for (const auto& a : image.addresses) c.addresses.emplace_back(a.begin(), a.end());
  return c;
}

}  // namespace idr::e2e
