// `idr serve` as a process against the simulator (tests/serve/README.md): the API refuses
// requests without the token, serves an accepted decision with its photo, a rejected one,
// a record that did not verify without any of its fields, and streams each new
// presentation as a Server-Sent Event.
#include <httplib.h>
#include <catch2/catch.hpp>

#include "idr/ca.h"
#include "serve_support.h"

using namespace idr::serve_test;
using nlohmann::json;

namespace {

const std::string kZhangWei = "110101199003071233";
const std::string kExpired = "310101198506120028";
const std::string kListed = "11010519491231002X";

json verdict(const json& presentation, const std::string& name) {
  for (const auto& v : presentation.at("verdicts"))
    if (v.at("name") == name) return v;
  return nullptr;
}

}  // namespace

TEST_CASE("serve: the API refuses a request without the token or with another", "[serve]") {
  ServedReader s;
  for (const std::string path : {"/api/status", "/api/events", "/api/photo/1"}) {
    INFO(path);
    CHECK(s.get(path, false).status == 401);
    CHECK(s.get(path, true, std::string(s.token.size(), '0')).status == 403);
    CHECK(s.get(path, true, s.token.substr(1)).status == 403);  // a prefix is not the token
  }
  // The token in the query (the page's EventSource and <img>) works alike.
  httplib::Client client("127.0.0.1", s.port);
  CHECK(client.Get(("/api/status?token=" + s.token).c_str())->status == 200);
  CHECK(client.Get("/api/status?token=00")->status == 403);
  // Another Host (a DNS-rebound name) is refused even with the token.
  auto rebound = client.Get(("/api/status?token=" + s.token).c_str(),
                            {{"Host", "attacker.example:" + std::to_string(s.port)}});
  CHECK(rebound->status == 403);
  // The page itself carries no card data and needs no token; its policy forbids inline code.
  const auto page = s.get("/", false);
  CHECK(page.status == 200);
  CHECK(page.csp.find("default-src 'self'") != std::string::npos);
  CHECK(page.csp.find("unsafe-inline") == std::string::npos);
  CHECK(s.get("/app.js", false).content_type.rfind("text/javascript", 0) == 0);
  CHECK(s.get("/nothing-here", false).status == 404);
}

TEST_CASE("serve: an accepted card with its photo, then an expired and a listed card rejected",
          "[serve]") {
  ServedReader s;
  const json accepted = find_card(
      s.wait_for([](const json& j) { return !find_card(j, kZhangWei).is_null(); }), kZhangWei);
  CHECK(accepted.at("accepted") == true);
  CHECK(accepted.at("verified") == true);
  CHECK(accepted.at("card").at("name") == "张伟");
  CHECK(accepted.at("reasons").empty());
  CHECK(accepted.at("reader").at("serial").get<std::string>().rfind("IDR-", 0) == 0);
  CHECK_FALSE(accepted.at("card").contains("text_raw_hex"));  // no raw bytes in the browser
  CHECK(verdict(accepted, "lost_stolen").at("status") == "SUCCEEDED");
  const auto status = s.get("/api/status");
  CHECK(status.cache_control == "no-store");
  CHECK(status.content_type == "application/json");

  const auto photo = s.get(accepted.at("photo").get<std::string>());
  CHECK(photo.status == 200);
  CHECK(photo.content_type == "image/png");
  CHECK(photo.cache_control == "no-store");
  REQUIRE(photo.body.size() > 8);
  CHECK(photo.body.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);

  const json snap = s.wait_for([](const json& j) { return !find_card(j, kListed).is_null(); });
  const json expired = find_card(snap, kExpired);
  REQUIRE_FALSE(expired.is_null());
  CHECK(expired.at("accepted") == false);
  CHECK(expired.at("verified") == true);  // a genuine card, out of date
  CHECK(verdict(expired, "validity.current").at("reason") == "expired");
  CHECK(expired.at("reasons") == json::array({"validity.current"}));

  const json listed = find_card(snap, kListed);
  CHECK(listed.at("accepted") == false);
  CHECK(verdict(listed, "lost_stolen").at("status") == "FAILED");
  CHECK(listed.at("reasons") == json::array({"lost_stolen"}));
}

TEST_CASE("serve: a record that did not verify is shown without any of its fields", "[serve]") {
  // Trusting another CA's root: the reader's chain does not verify.
  idr::testing::TempDir other("idr-serve-other-ca");
  REQUIRE(idr::ca::CaDirectory::create(other.path + "/ca", "another CA",
                                       static_cast<int64_t>(std::time(nullptr)), 2));
  ServedReader s({"--trust", other.path + "/ca/root.crt.pem"});
  const json snap = s.wait_for([](const json& j) { return !j.at("presentations").empty(); });
  const json p = snap.at("presentations").at(0);
  CHECK(p.at("verified") == false);
  CHECK(p.at("accepted") == false);
  CHECK(verdict(p, "chain").at("status") == "FAILED");
  CHECK_FALSE(p.contains("card"));
  CHECK_FALSE(p.contains("photo"));
  CHECK_FALSE(p.contains("reader"));  // the serial and counter it names are not verified
  // Nothing of the card anywhere in the answer, and no photo behind the id.
  const auto raw = s.get("/api/status").body;
  CHECK(raw.find("张伟") == std::string::npos);
  CHECK(raw.find(kZhangWei) == std::string::npos);
  CHECK(s.get("/api/photo/" + std::to_string(p.at("id").get<int>())).status == 404);
}

TEST_CASE("serve: the event stream sends a snapshot at once and again on a new presentation",
          "[serve]") {
  ServedReader s;
  httplib::Client client("127.0.0.1", s.port);
  client.set_read_timeout(60, 0);
  std::string buffer;
  std::vector<json> events;
  const auto res =
      client.Get(("/api/events?token=" + s.token).c_str(), [&](const char* data, size_t n) {
        buffer.append(data, n);
        for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
          const std::string event = buffer.substr(0, end);
          buffer.erase(0, end + 2);
          const auto data_at = event.find("data: ");
          if (event.rfind("event: snapshot\n", 0) == 0 && data_at != std::string::npos)
            events.push_back(json::parse(event.substr(data_at + 6)));
        }
        // Until the expired card (the second presentation) arrived on the stream.
        return events.empty() || find_card(events.back(), kExpired).is_null();
      });
  // Ended by the receiver (it had what it waited for): httplib reports Canceled.
  CHECK(res.error() == httplib::Error::Canceled);
  REQUIRE(events.size() >= 2);
  CHECK(find_card(events.back(), kExpired).at("accepted") == false);
  for (size_t i = 1; i < events.size(); ++i)
    CHECK(events[i].at("seq").get<uint64_t>() > events[i - 1].at("seq").get<uint64_t>());
}
