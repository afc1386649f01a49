// Exit codes documented in `idr --help`: 1 usage, 2 reader unreachable, 3 no card.
#include <catch2/catch.hpp>

#include "cli_support.h"

using namespace idr::cli_test;

TEST_CASE("idr: usage errors exit 1", "[exit]") {
  CHECK(run_idr({}).status == 1);
  CHECK(run_idr({"frobnicate"}).status == 1);
  CHECK(run_idr({"read", "--bogus"}).status == 1);
  CHECK(run_idr({"read", "--fields", "text,iris"}).status == 1);
  CHECK(run_idr({"read", "--wait", "soon"}).status == 1);
  CHECK(run_idr({"read", "--wait"}).status == 1);
  CHECK(run_idr({"watch", "--count", "0"}).status == 1);
  CHECK(run_idr({"read", "--reader", "carrier-pigeon://coop"}).status == 1);
  CHECK(run_idr({"sim"}).status == 1);  // --scenario is required
  CHECK(run_idr({"sim", "--scenario", kOwnScenarios + "no-such-file.json"}).status == 1);
}

TEST_CASE("idr: --help of every command exits 0 and documents the exit codes", "[exit]") {
  for (const char* cmd : {"read", "watch", "info", "sam-id", "sim"}) {
    INFO(cmd);
    const Run r = run_idr({cmd, "--help"});
    CHECK(r.status == 0);
    CHECK(r.out.find("usage: idr " + std::string(cmd)) != std::string::npos);
    CHECK(r.out.find("130  interrupted") != std::string::npos);
  }
  const Run top = run_idr({"--help"});
  CHECK(top.status == 0);
  CHECK(top.out.find("2    reader unreachable") != std::string::npos);
}

TEST_CASE("idr: an unreachable reader exits 2", "[exit]") {
  // Port 1 on loopback: nothing listens there (a privileged port no test uses).
  for (const char* cmd : {"read", "watch", "info", "sam-id"}) {
    INFO(cmd);
    CHECK(run_idr({cmd, "--reader", "tcp://127.0.0.1:1"}).status == 2);
  }
}

TEST_CASE("idr read: no card within --wait exits 3", "[exit]") {
  const Run r = run_idr({"sim", "--scenario", kOwnScenarios + "empty-field.json", "--port", "0",
                         "--", "idr", "read", "--wait", "0.5"});
  CHECK(r.status == 3);
  CHECK(r.out.empty());
}

TEST_CASE("idr journal and idr blocklist reach the library's own command parsers", "[exit]") {
  // Their usage exit code is 2 (idr/journal.h, idr/blocklist.h); an unknown idr command is 1.
  CHECK(run_idr({"journal"}).status == 2);
  CHECK(run_idr({"blocklist"}).status == 2);
}
