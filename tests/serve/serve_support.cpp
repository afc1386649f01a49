#include "serve_support.h"

#include <unistd.h>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <fstream>

#include "idr/blocklist.h"

namespace idr::serve_test {

using namespace std::chrono_literals;

ServedReader::ServedReader(const std::vector<std::string>& extra, bool listed)
    : dir("idr-serve-test") {
  sim = std::make_unique<cli_test::SimulatedReader>(kCounterScenario);
  std::vector<std::string> argv{IDR_TOOL_EXE, "serve",       "--reader",      sim->uri,
                                "--listen",   "127.0.0.1:0", "--clear-after", "0"};
  if (listed) {
    const std::string csv = dir.path + "/lost.csv", list = dir.path + "/lost.idrbl";
    std::ofstream(csv) << "id_number,valid_from\n11010519491231002X,20100105\n";
    REQUIRE(build_blocklist(csv, list));
    argv.insert(argv.end(), {"--blocklist", list});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  tool::SpawnOptions options;
  options.capture_stdout = true;
  serve = std::make_unique<tool::ChildProcess>(argv, options);
  const std::string line = serve->wait_for_line("serving: ", cli_test::kBound);
  const auto hash = line.find("/#token=");
  REQUIRE(hash != std::string::npos);
  url = line.substr(0, hash);
  token = line.substr(hash + 8);
  port = std::stoi(url.substr(url.rfind(':') + 1));
}

ServedReader::~ServedReader() {
  serve->signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (serve->running() && std::chrono::steady_clock::now() < deadline) ::usleep(10'000);
  serve->kill();
  // 130: it served until our SIGTERM and stopped cleanly (no hang, no sanitizer report).
  CHECK(serve->exit_status() == 130);
}

ServedReader::Reply ServedReader::get(const std::string& path, bool with_token,
                                      const std::string& given) const {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (with_token) headers.emplace("Authorization", "Bearer " + (given.empty() ? token : given));
  const auto res = client.Get(path.c_str(), headers);
  Reply r;
  if (!res) return r;
  r.status = res->status;
  r.body = res->body;
  r.content_type = res->get_header_value("Content-Type");
  r.cache_control = res->get_header_value("Cache-Control");
  r.csp = res->get_header_value("Content-Security-Policy");
  return r;
}

nlohmann::json ServedReader::wait_for(
    const std::function<bool(const nlohmann::json&)>& done) const {
  const auto deadline = std::chrono::steady_clock::now() + cli_test::kBound;
  nlohmann::json last;
  while (std::chrono::steady_clock::now() < deadline) {
    const Reply r = get("/api/status");
    if (r.status == 200) {
      last = nlohmann::json::parse(r.body);
      if (done(last)) return last;
    }
    ::usleep(100'000);  // polling a state the simulator's timeline reaches, not a timing check
  }
  FAIL("idr serve did not reach the expected state; last status: " << last.dump());
  return last;
}

nlohmann::json find_card(const nlohmann::json& snapshot, const std::string& id_number) {
  for (const auto& p : snapshot.at("presentations"))
    if (p.contains("card") && p["card"].value("id_number", "") == id_number) return p;
  return nullptr;
}

}  // namespace idr::serve_test
