#pragma once
// What the cards of a scenario hold, from the scenario library's own personalisation
// (make_card_image), so the e2e tests compare the firmware's bytes with the source of
// truth rather than with copied constants.
#include <string>
#include <vector>

#include "legacy_client.h"

namespace idr::e2e {

struct ExpectedCard {
  Bytes text;                    // 256
  Bytes photo;                   // 1024
  Bytes fingerprint;             // 0, 512 or 1024
  std::vector<Bytes> addresses;  // 70 each
};

// The first card of the scenario file.
ExpectedCard expected_card(const std::string& scenario_file);

}  // namespace idr::e2e
