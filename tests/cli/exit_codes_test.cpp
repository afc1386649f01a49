// The one exit-code table of every idr command (hostlib/tools/exit_codes.h, `idr --help`):
// 1 usage, 2 reader unreachable, 3 no card; usage errors say what is wrong on stderr; every
// command's --help exits 0 and ends with the table.
#include <catch2/catch.hpp>

#include "cli_support.h"

using namespace idr::cli_test;

namespace {

// A usage error: exit 1, nothing on stdout, stderr names the command and the problem and
// points at its --help.
void check_usage_error(const std::vector<std::string>& args, const std::string& command,
                       const std::string& says) {
  INFO("idr " << [&] {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    return joined;
  }());
  const Run r = run_idr(args);
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("idr" + (command.empty() ? "" : " " + command) + ": ") == 0);
  CHECK(r.err.find(says) != std::string::npos);
  CHECK(r.err.find("--help for usage") != std::string::npos);
}

}  // namespace

TEST_CASE("idr: usage errors exit 1 and say what is wrong", "[exit]") {
  CHECK(run_idr({}).status == 1);
  check_usage_error({"frobnicate"}, "", "unknown command 'frobnicate'");
  check_usage_error({"--frobnicate"}, "", "unknown option '--frobnicate'");
  check_usage_error({"read", "--bogus"}, "read", "--bogus");
  check_usage_error({"read", "stray"}, "read", "stray");
  check_usage_error({"read", "--fields", "text,iris"}, "read", "unknown field 'iris'");
  check_usage_error({"read", "--wait", "soon"}, "read", "--wait");
  check_usage_error({"read", "--wait", "nan"}, "read", "--wait");
  check_usage_error({"read", "--wait"}, "read", "--wait");
  check_usage_error({"watch", "--count", "0"}, "watch", "--count");
  check_usage_error({"watch", "--count", "-1"}, "watch", "--count");
  check_usage_error({"watch", "--count", "0x10"}, "watch", "--count");
  check_usage_error({"read", "--today", "20230230"}, "read", "YYYYMMDD");
  check_usage_error({"read", "--photo", "face.jpg"}, "read", ".png or .bmp");
  check_usage_error({"read", "--legacy", "--trust", "x.pem"}, "read", "--legacy excludes --trust");
  check_usage_error({"read", "--legacy", "--out", "r.cose"}, "read", "--out");
  check_usage_error({"read", "--journal-records"}, "read", "--journal");
  check_usage_error({"sim", "--scenario", kOwnScenarios + "no-such-file.json"}, "sim",
                    "--scenario");
  check_usage_error(
      {"sim", "--scenario", kSamples + "resident-fingerprint.json", "--port", "65536"}, "sim",
      "--port");
  check_usage_error({"sim", "--scenario", kSamples + "resident-fingerprint.json", "idr", "read"},
                    "sim", "idr");  // a command only after --
  check_usage_error({"sim", "--scenario", kSamples + "resident-fingerprint.json", "--"}, "sim",
                    "no command after --");
  check_usage_error({"verify", "a.cose", "--nonce", "12"}, "verify", "32 hex digits");
  // A repeatable option takes one value each time: the next word is not another.
  check_usage_error({"verify", "--trust", "a.pem", "b.pem", "c.cose"}, "verify", "c.cose");
  check_usage_error({"ca", "revoke", "/nonexistent-ca"}, "ca revoke", "CERT or --reader");
  check_usage_error({"ca", "frobnicate"}, "ca", "subcommand");
  check_usage_error({"journal", "verify", "j.db", "--anchor", "x:1"}, "journal verify", "ROW:HASH");
  check_usage_error({"journal", "record", "j.db", "0", "out.cose"}, "journal record", "ROW");
  check_usage_error({"blocklist", "check", "l.idrbl", "11010519491231002X"}, "blocklist check",
                    "VALID_FROM");
  // A reader URI that is not one.
  CHECK(run_idr({"read", "--reader", "carrier-pigeon://coop"}).status == 1);
}

TEST_CASE("idr: a missing required option or argument exits 1 and names it", "[exit]") {
  check_usage_error({"sim"}, "sim", "--scenario is required");
  check_usage_error({"provision"}, "provision", "--ca is required");
  check_usage_error({"disclose", "in.cose", "out.cose"}, "disclose", "--fields is required");
  check_usage_error({"verify"}, "verify", "FILE is required");
  check_usage_error({"ca", "init"}, "ca init", "DIR is required");
  check_usage_error({"ca"}, "ca", "subcommand");
  check_usage_error({"journal"}, "journal", "subcommand");
  check_usage_error({"journal", "list"}, "journal list", "DB is required");
  check_usage_error({"blocklist"}, "blocklist", "subcommand");
  check_usage_error({"blocklist", "build", "list.csv"}, "blocklist build", "OUT is required");
  // idr serve shows verified reads only and writes no card data (DESIGN 12): it has no
  // option for an unverified read or for card data on disk.
  for (const char* option : {"--legacy", "--show-unverified", "--journal-records"})
    check_usage_error({"serve", option}, "serve", option);
  check_usage_error({"serve", "--photo", "p.png"}, "serve", "--photo");
  check_usage_error({"serve", "--journal", "j.db"}, "serve", "--journal");
  check_usage_error({"serve", "--listen", "0.0.0.0:8080"}, "serve", "loopback");
  check_usage_error({"serve", "--keep", "0"}, "serve", "--keep");
}

TEST_CASE("idr: --help of every command exits 0 and ends with the exit codes", "[exit]") {
  const std::vector<std::vector<std::string>> commands{{"read"},
                                                       {"watch"},
                                                       {"serve"},
                                                       {"info"},
                                                       {"sam-id"},
                                                       {"list"},
                                                       {"sim"},
                                                       {"verify"},
                                                       {"disclose"},
                                                       {"provision"},
                                                       {"ca"},
                                                       {"ca", "init"},
                                                       {"ca", "revoke"},
                                                       {"ca", "fingerprint"},
                                                       {"blocklist"},
                                                       {"blocklist", "build"},
                                                       {"blocklist", "apply"},
                                                       {"blocklist", "check"},
                                                       {"blocklist", "info"},
                                                       {"journal"},
                                                       {"journal", "verify"},
                                                       {"journal", "list"},
                                                       {"journal", "head"},
                                                       {"journal", "record"},
                                                       {"lists"},
                                                       {"lists", "keygen"},
                                                       {"lists", "publish"},
                                                       {"lists", "follow"},
                                                       {"lists", "status"},
                                                       {"alerts"}};
  for (auto args : commands) {
    std::string name;
    for (const auto& a : args) name += (name.empty() ? "" : " ") + a;
    INFO(name);
    args.push_back("--help");
    const Run r = run_idr(args);
    CHECK(r.status == 0);
    CHECK(r.out.find("Usage: idr " + name) != std::string::npos);
    CHECK(r.out.find("130  interrupted") != std::string::npos);
    CHECK(r.err.empty());
  }
  // serve's --help lists only options it takes (it refuses the ones for card data on disk).
  const Run serve = run_idr({"serve", "--help"});
  CHECK(serve.out.find("--trust") != std::string::npos);
  for (const char* option : {"--legacy", "--show-unverified", "--photo", "--journal"})
    CHECK(serve.out.find(option) == std::string::npos);
  const Run top = run_idr({"--help"});
  CHECK(top.status == 0);
  CHECK(top.out.find("2    reader unreachable") != std::string::npos);
  for (const char* command :
       {"read", "watch", "serve", "info", "sam-id", "list", "sim", "verify", "disclose", "ca",
        "provision", "blocklist", "journal", "lists", "alerts"})
    CHECK(top.out.find("\n  " + std::string(command) + " ") != std::string::npos);
  CHECK(run_idr({"help"}).status == 0);
  const Run version = run_idr({"--version"});
  CHECK(version.status == 0);
  CHECK(version.out.rfind("idr ", 0) == 0);
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
