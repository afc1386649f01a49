// A running gate follows the lost/stolen list itself (DESIGN 13, List distribution): `idr
// watch --follow` against `idr sim`, with the authority publishing on a real NATS JetStream
// cluster started by the test. A new version listing a card is applied without restarting
// the gate and the next read of that card is decided listed; a forged version is refused,
// reported, and the list in force stays. And the bad options of --follow, refused.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "fleet_support.h"
#include "jetstream.h"
#include "list_authority.h"
#include "list_distribution.h"
#include "planted_cases.h"

namespace {

using namespace idr::fleet_test;
using idr::testing::TempDir;

// One card line of `idr watch --json`.
struct Read {
  std::string id_number;
  bool verified = false, accepted = false, listed = false;  // listed: on the list in force
};

// The gate's card lines so far (stdout lines starting with '{').
std::vector<Read> reads(idr::tool::ChildProcess& gate) {
  std::vector<Read> out;
  for (const std::string& line : gate.watched_lines()) {
    const auto j = nlohmann::json::parse("{" + line, nullptr, false);
    if (j.is_discarded() || !j.contains("id_number")) continue;
    Read r;
    r.id_number = j["id_number"].get<std::string>();
    r.verified = j.value("verified", false);
    r.accepted = j.value("accepted", false);
    r.listed = j.value("lost_stolen_reason", "") == "listed";
    out.push_back(r);
  }
  return out;
}

// The reads of card `id` from the `from`-th line on.
std::vector<Read> reads_of(const std::vector<Read>& all, const std::string& id, size_t from) {
  std::vector<Read> out;
  for (size_t i = from; i < all.size(); ++i)
    if (all[i].id_number == id) out.push_back(all[i]);
  return out;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE(
    "a running idr watch --follow applies a published list at once and refuses a forged one") {
  TempDir dir("idr-gate-lists");
  idr::testing::FleetOptions fo;
  fo.postgres = false;
  idr::testing::FleetEngines engines(fo);
  const auto s = idr::testing::planted_scenario();
  auto line = [](const idr::testing::PlantedCard& c) { return c.id_number + "," + c.valid_from; };
  const idr::testing::PlantedCard& x = s.clean[0];  // listed by version 2
  const idr::testing::PlantedCard& y = s.clean[1];  // listed only by the forgery
  Authority authority;
  std::string why;
  auto link = idr::fleet::JetStream::connect(engines.nats_urls(), 10000, &why);
  INFO(why);
  REQUIRE(link);
  (void)publish(*link, authority, authority.list({line(s.listed)}), true, 3);  // version 1
  const std::string lists = dir.path + "/lists";
  REQUIRE(::mkdir(lists.c_str(), 0700) == 0);

  // x and y presented in turn, 2.5 s apart, for longer than the test runs.
  SimReader sim(write_gate_scenario(dir.path, 9, 2, 120, {x, y}));
  const std::string err = dir.path + "/gate.stderr";
  idr::tool::SpawnOptions o;
  o.capture_stdout = true;
  o.stderr_file = err;
  // --no-checks: the decision is the record's and the list's alone (the planted cards'
  // validity is not today's).
  idr::tool::ChildProcess gate({IDR_TOOL_EXE,  "watch",
                                "--reader",    sim.uri,
                                "--trust",     sim.trust,
                                "--counters",  sim.counters,
                                "--json",      "--no-checks",
                                "--follow",    "lost-stolen",
                                "--authority", authority.public_key(),
                                "--lists-dir", lists,
                                "--gate",      "gate-9",
                                "--servers",   engines.nats_urls()},
                               o);
  gate.forward_stdout(STDERR_FILENO, "{");
  wait_until([&] { return report_of(*link, "gate-9").rfind("version 1\n", 0) == 0; },
             "version 1 taken by the gate at start");
  wait_until(
      [&] {
        const auto r = reads_of(reads(gate), x.id_number, 0);
        return !r.empty() && r.back().accepted;
      },
      "a read of x accepted under version 1");
  for (const Read& r : reads(gate)) {
    INFO(r.id_number);
    CHECK(r.verified);
    CHECK(r.accepted);  // neither card is on version 1
    CHECK_FALSE(r.listed);
  }

  // Version 2 lists x: applied by the running gate, x's next read is decided listed.
  const auto published = std::chrono::steady_clock::now();
  const auto v2 = publish(*link, authority, authority.delta({line(x)}), false, 3);
  wait_until([&] { return report_of(*link, "gate-9").rfind("version 2\n", 0) == 0; },
             "version 2 applied by the running gate");
  const double applied_s = seconds_since(published);
  // The report follows the swap: every read decided from here on uses version 2, except a
  // read of x that was in progress, which keeps the list it took.
  const size_t mark = reads(gate).size();
  wait_until(
      [&] {
        for (const Read& r : reads_of(reads(gate), x.id_number, mark))
          if (r.listed) return true;
        return false;
      },
      "a read of x decided listed");
  const double listed_s = seconds_since(published);
  std::printf("gate: version 2 reported %.2f s after its publication, x read listed after %.2f s\n",
              applied_s, listed_s);
  {
    const auto after = reads_of(reads(gate), x.id_number, mark);
    size_t first_listed = 0;
    while (!after[first_listed].listed) ++first_listed;
    CHECK(first_listed <= 1);  // at most the read in progress at the swap
    for (size_t i = first_listed; i < after.size(); ++i) {
      CHECK(after[i].verified);
      CHECK(after[i].listed);
      CHECK_FALSE(after[i].accepted);
    }
  }
  CHECK(gate.running());  // not restarted

  // An attacker with the cluster but not the authority's key lists y: refused and reported,
  // version 2 stays in force.
  publish_forged(*link, v2, authority.delta({line(y)}));
  wait_until(
      [&] {
        return report_of(*link, "gate-9")
                   .find("error version pointer of lost-stolen: signature does not verify") !=
               std::string::npos;
      },
      "the forged version refused and reported");
  CHECK(report_of(*link, "gate-9").rfind("version 2\n", 0) == 0);
  const size_t mark2 = reads(gate).size();
  wait_until(
      [&] {
        const auto all = reads(gate);
        return !reads_of(all, x.id_number, mark2).empty() &&
               !reads_of(all, y.id_number, mark2).empty();
      },
      "x and y read again after the forgery");
  for (const Read& r : reads_of(reads(gate), y.id_number, mark2)) {
    CHECK(r.accepted);  // the forgery listed y: not taken
    CHECK_FALSE(r.listed);
  }
  for (const Read& r : reads_of(reads(gate), x.id_number, mark2)) {
    CHECK(r.listed);  // version 2 still in force
    CHECK_FALSE(r.accepted);
  }
  CHECK(gate.running());
  auto state = idr::fleet::read_gate_state(lists, "lost-stolen", &why);
  REQUIRE(state);
  CHECK(state->version == 2);
  CHECK(state->list_sha256 == v2.list_sha256);
  gate.finish_forwarding();
  const std::string text = file_text(err);
  INFO(text);
  CHECK(text.find("idr watch: list lost-stolen: version 2 applied (2 entries)") !=
        std::string::npos);
  CHECK(text.find("idr watch: list lost-stolen: version pointer of lost-stolen: signature does "
                  "not verify") != std::string::npos);
}

TEST_CASE("idr watch and idr serve refuse bad --follow options, saying which") {
  TempDir dir("idr-gate-lists");
  Authority authority;
  const std::string err = dir.path + "/stderr";
  const std::string counters = dir.path + "/counters.db";
  std::ofstream(dir.path + "/junk.pem") << "not a key\n";
  // Exit status and stderr of `idr COMMAND` with these options (no reader or cluster is
  // reached: every check comes first).
  auto run = [&](const std::string& command, const std::vector<std::string>& options) {
    std::vector<std::string> argv{IDR_TOOL_EXE,        command,      "--reader",
                                  "tcp://127.0.0.1:1", "--counters", counters};
    argv.insert(argv.end(), options.begin(), options.end());
    idr::tool::SpawnOptions o;
    o.stderr_file = err;
    idr::tool::ChildProcess p(argv, o);
    const int status = p.wait();
    return std::make_pair(status, file_text(err));
  };
  const std::vector<std::string> good{
      "--follow", "lost-stolen", "--authority", authority.public_key(), "--lists-dir", dir.path};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> all = good;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--authority", authority.public_key()}, "--authority requires --follow"},
      {{"--lists-dir", dir.path}, "--lists-dir requires --follow"},
      {{"--gate", "g"}, "--gate requires --follow"},
      {{"--servers", "nats://127.0.0.1:1"}, "--servers requires --follow"},
      {with({"--blocklist", dir.path + "/lost.idrbl"}), "--blocklist excludes --follow"},
      {{"--follow", "Lost_Stolen", "--authority", authority.public_key(), "--lists-dir", dir.path},
       "--follow 'Lost_Stolen': a list name of 1-32 a-z 0-9 -"},
      {{"--follow", "lost-stolen", "--lists-dir", dir.path}, "--follow needs --authority KEY"},
      {{"--follow", "lost-stolen", "--authority", authority.public_key(), "--lists-dir",
        dir.path + "/none"},
       "--lists-dir '" + dir.path + "/none' is not a directory"},
      {with({"--gate", "gate.7"}), "--gate 'gate.7': 1-64 characters A-Z, a-z, 0-9, '_' or '-'"},
      {with({"--servers", "http://127.0.0.1:4222"}), "--servers: "},
  };
  for (const char* command : {"watch", "serve"}) {
    for (const auto& [options, message] : cases) {
      const auto [status, text] = run(command, options);
      INFO(command << " " << options.front() << " " << options.back() << ": " << text);
      CHECK(status == 1);
      CHECK(text.find(message) != std::string::npos);
    }
    // A key that does not load: a file that cannot be used (7), named.
    const auto [status, text] =
        run(command, {"--follow", "lost-stolen", "--authority", dir.path + "/junk.pem",
                      "--lists-dir", dir.path, "--gate", "g", "--servers", "nats://127.0.0.1:1"});
    INFO(text);
    CHECK(status == 7);
    CHECK(text.find("idr " + std::string(command) + ": --authority " + dir.path + "/junk.pem: ") !=
          std::string::npos);
    // No server answers: the start fails, unreachable (2), as idr-ingest's.
    const auto [away, away_text] =
        run(command, with({"--gate", "g", "--servers", "nats://127.0.0.1:1"}));
    INFO(away_text);
    CHECK(away == 2);
    CHECK(away_text.find("idr " + std::string(command) + ": ") != std::string::npos);
  }
}
