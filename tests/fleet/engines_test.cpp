// The fleet engines started by the tests themselves (tests/support fleet_engines.h): a 3-node
// JetStream cluster that keeps serving with one node killed and takes it back, PostgreSQL 15
// running as postgres on a unix socket, and nothing left behind when the owner dies.
#include <libpq-fe.h>
#include <nats/nats.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli_support.h"
#include "idr/testing/fleet_engines.h"
#include "process.h"

namespace {

using namespace std::chrono_literals;
using idr::testing::FleetEngines;

// A JetStream connection to every node of the cluster (fails over when one dies).
struct Js {
  explicit Js(const FleetEngines& engines) {
    REQUIRE(natsOptions_Create(&opts) == NATS_OK);
    std::vector<std::string> urls;
    std::vector<const char*> servers;
    for (int i = 0; i < engines.nats_nodes(); ++i) urls.push_back(engines.nats_url(i));
    for (const auto& u : urls) servers.push_back(u.c_str());
    REQUIRE(natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size())) ==
            NATS_OK);
    REQUIRE(natsOptions_SetMaxReconnect(opts, -1) == NATS_OK);
    REQUIRE(natsOptions_SetReconnectWait(opts, 100) == NATS_OK);
    REQUIRE(natsConnection_Connect(&nc, opts) == NATS_OK);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    REQUIRE(natsConnection_JetStream(&js, nc, &jo) == NATS_OK);
  }
  ~Js() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
  }
  // Publishes until the cluster takes it (a leader election may be under way): bounded.
  void publish(const std::string& subject, const std::string& data) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
      jsPubAck* ack = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      const natsStatus s = js_Publish(&ack, js, subject.c_str(), data.data(),
                                      static_cast<int>(data.size()), nullptr, &jerr);
      jsPubAck_Destroy(ack);
      if (s == NATS_OK) return;
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(100ms);
    }
  }
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
};

uint64_t stream_messages(jsCtx* js, const char* stream) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  REQUIRE(js_GetStreamInfo(&si, js, stream, nullptr, &jerr) == NATS_OK);
  const uint64_t n = si->State.Msgs;
  jsStreamInfo_Destroy(si);
  return n;
}

std::string query_one(const std::string& conninfo, const char* sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, sql);
  INFO(PQerrorMessage(c));
  REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
  std::string v = PQgetvalue(r, 0, 0);
  PQclear(r);
  PQfinish(c);
  return v;
}

}  // namespace

TEST_CASE("a 3-node JetStream cluster keeps a replicated stream through a node's death") {
  FleetEngines engines;
  REQUIRE(engines.nats_nodes() == 3);
  Js c(engines);
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = "T";
  const char* subjects[] = {"t.>"};
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.Replicas = 3;
  sc.Storage = js_FileStorage;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  REQUIRE(js_AddStream(&si, c.js, &sc, nullptr, &jerr) == NATS_OK);
  jsStreamInfo_Destroy(si);
  for (int i = 0; i < 10; ++i) c.publish("t.a", "before " + std::to_string(i));

  engines.kill_nats(1);
  CHECK_FALSE(engines.nats_running(1));
  for (int i = 0; i < 10; ++i) c.publish("t.a", "during " + std::to_string(i));
  engines.restart_nats(1);
  CHECK(engines.nats_running(1));
  for (int i = 0; i < 10; ++i) c.publish("t.a", "after " + std::to_string(i));
  CHECK(stream_messages(c.js, "T") == 30);
}

TEST_CASE("PostgreSQL 15 runs as postgres on a unix socket only") {
  FleetEngines engines({0, true});
  const std::string conninfo = engines.postgres_conninfo();
  CHECK(query_one(conninfo, "SHOW server_version").rfind("15.", 0) == 0);
  CHECK(query_one(conninfo, "SHOW listen_addresses").empty());
  CHECK(query_one(conninfo, "SELECT usename FROM pg_user WHERE usesuper LIMIT 1") == "idr");
  // The server process belongs to the postgres user, not root.
  std::ifstream pidfile(engines.dir() + "/pg-data/postmaster.pid");
  pid_t pid = 0;
  REQUIRE(pidfile >> pid);
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line, uid;
  while (std::getline(status, line))
    if (line.rfind("Uid:", 0) == 0) uid = line;
  CHECK(uid.find("\t101\t") != std::string::npos);
}

TEST_CASE("the engines die with their owner even when it is killed") {
  idr::tool::SpawnOptions o;
  o.capture_stdout = true;
  idr::tool::ChildProcess owner({IDR_FLEET_ENGINES_EXE}, o);
  const std::string dir = [&] {
    owner.wait_for_line("nats: ", 120s);
    owner.wait_for_line("postgres: ", 120s);
    return owner.wait_for_line("dir: ", 120s);
  }();
  owner.wait_for_line("ready", 10s);
  const std::vector<pid_t> children = idr::cli_test::children_of(owner.pid());
  CHECK(children.size() == 4);  // three nats-server, runuser (postgres under it)
  std::ifstream pidfile(dir + "/pg-data/postmaster.pid");
  pid_t postmaster = 0;
  REQUIRE(pidfile >> postmaster);

  owner.kill();  // SIGKILL: no destructor runs
  std::vector<pid_t> all = children;
  all.push_back(postmaster);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (pid_t p : all) {
    while (!idr::cli_test::gone(p) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    CHECK(idr::cli_test::gone(p));
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);  // the one thing a killed owner cannot remove
}

TEST_CASE("a clean stop leaves nothing") {
  idr::tool::SpawnOptions o;
  o.capture_stdout = true;
  idr::tool::ChildProcess owner({IDR_FLEET_ENGINES_EXE, "--nats-nodes", "1"}, o);
  const std::string dir = [&] {
    owner.wait_for_line("nats: ", 120s);
    owner.wait_for_line("postgres: ", 120s);
    return owner.wait_for_line("dir: ", 120s);
  }();
  owner.wait_for_line("ready", 10s);
  const std::vector<pid_t> children = idr::cli_test::children_of(owner.pid());
  owner.signal(SIGTERM);
  CHECK(owner.wait() == 0);
  for (pid_t p : children) CHECK(idr::cli_test::gone(p));
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("idr-fleet-engines refuses bad arguments") {
  idr::tool::ChildProcess p({IDR_FLEET_ENGINES_EXE, "--nats-nodes", "0"}, {});
  CHECK(p.wait() == 64);
  idr::tool::ChildProcess q({IDR_FLEET_ENGINES_EXE, "--bogus"}, {});
  CHECK(q.wait() == 64);
}
