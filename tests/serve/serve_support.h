#pragma once
// `idr serve` run as a process against `idr sim` for the serve tests (tests/serve/README.md):
// the simulator with a scenario (tests/cli's SimulatedReader), a lost/stolen list, and
// `idr serve` on a free loopback port; everything killed and reaped when the object goes.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "idr/testing/temp_dir.h"

namespace idr::serve_test {

inline const std::string kCounterScenario =
    std::string(IDR_SOURCE_DIR) + "/tests/serve/scenarios/counter.json";

struct ServedReader {
  // `extra`: more `idr serve` options (e.g. another --trust). With `listed`, the scenario's
  // listed card (孙丽) is on a lost/stolen list given as --blocklist.
  explicit ServedReader(const std::vector<std::string>& extra = {}, bool listed = true);
  ~ServedReader();

  // GET path (with the token unless `with_token` is false); the status and body.
  struct Reply {
    int status = -1;
    std::string body;
    std::string content_type, cache_control, csp;
  };
  Reply get(const std::string& path, bool with_token = true, const std::string& token = "") const;
  // /api/status until `done(snapshot)` (bounded: fails the test after kBound).
  nlohmann::json wait_for(const std::function<bool(const nlohmann::json&)>& done) const;

  idr::testing::TempDir dir;
  std::unique_ptr<cli_test::SimulatedReader> sim;
  std::unique_ptr<tool::ChildProcess> serve;
  std::string url;    // http://127.0.0.1:PORT
  std::string token;  // from the "serving: " line
  int port = 0;
};

// The presentation with this card's ID number (null when none).
nlohmann::json find_card(const nlohmann::json& snapshot, const std::string& id_number);

}  // namespace idr::serve_test
