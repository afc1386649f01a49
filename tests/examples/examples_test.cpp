// The example programs (examples/) against the simulated reader: each run as a process, its
// output checked (tests/examples/README.md).
#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>

#include "idr/blocklist.h"
#include "idr/ca.h"
#include "idr/reader.h"
#include "idr/session.h"
#include "idr/testing/provision.h"
#include "idr/testing/shell_run.h"
#include "idr/testing/temp_dir.h"
#include "reader_processes.h"

using namespace idr;
using idr::testing::shell_run;
using namespace std::chrono_literals;

namespace {

const std::string kCardReturns =
    std::string(IDR_SOURCE_DIR) + "/tests/signed/scenarios/card-returns.json";
const std::string kThreeCards =
    std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/three-cards-sequential.json";

// The simulated reader, provisioned with a CA in a test directory; the example programs
// reach it at `uri` (the host link serves one client: the test's Reader is closed).
struct ProvisionedReader {
  explicit ProvisionedReader(const std::string& scenario)
      : processes(scenario), dir("idr-examples") {
    uri = "tcp://127.0.0.1:" + std::to_string(processes.host_port);
    auto reader = Reader::open(uri);
    REQUIRE(reader);
    const auto now = static_cast<int64_t>(std::time(nullptr));
    idr::testing::provision_with_test_ca(*reader, dir.path + "/ca", now, "examples test CA");
    root = dir.path + "/ca/root.crt.pem";
    counters = dir.path + "/counters.db";
  }
  e2e::ReaderProcesses processes;
  idr::testing::TempDir dir;
  std::string uri, root, counters;
};

std::string q(const std::string& s) {
  return "'" + s + "'";
}

// A lost/stolen list holding one card (ID number, validity start).
std::string list_with(const std::string& dir, const std::string& id, const std::string& from) {
  const std::string csv = dir + "/lost.csv", list = dir + "/lost.idrbl";
  std::ofstream(csv) << "id_number,valid_from\n" << id << "," << from << "\n";
  REQUIRE(build_blocklist(csv, list));
  return list;
}

}  // namespace

TEST_CASE("example verified_read (C++): accepted, then rejected by a root it does not trust",
          "[examples]") {
  ProvisionedReader r(kCardReturns);
  const auto run =
      shell_run(q(EXAMPLE_VERIFIED_READ) + " " + q(r.uri) + " " + q(r.root) + " " + q(r.counters));
  INFO(run.out);
  CHECK(run.status == 0);
  CHECK(run.out == "accepted 张伟\n");

  // The card's next presentation, verified against another CA's root.
  const auto now = static_cast<int64_t>(std::time(nullptr));
  REQUIRE(ca::CaDirectory::create(r.dir.path + "/other", "another CA", now, 2));
  const auto rejected = shell_run(q(EXAMPLE_VERIFIED_READ) + " " + q(r.uri) + " " +
                                  q(r.dir.path + "/other/root.crt.pem") + " " + q(r.counters));
  INFO(rejected.out);
  CHECK(rejected.status == 3);
  CHECK(rejected.out.rfind("rejected\n", 0) == 0);
  CHECK(rejected.out.find("\n  chain: ") != std::string::npos);
  CHECK(rejected.out.find("张伟") == std::string::npos);  // nothing of an unverified record
}

TEST_CASE("example verified_read (C API): accepted, then rejected as listed lost/stolen",
          "[examples]") {
  ProvisionedReader r(kCardReturns);
  const std::string base =
      q(EXAMPLE_VERIFIED_READ_C) + " " + q(r.uri) + " " + q(r.root) + " " + q(r.counters);
  const auto run = shell_run(base);
  INFO(run.out);
  CHECK(run.status == 0);
  CHECK(run.out == "accepted 张伟\n");

  const std::string list = list_with(r.dir.path, "110101199003071233", "20160310");
  const auto listed = shell_run(base + " " + q(list));
  INFO(listed.out);
  CHECK(listed.status == 3);
  CHECK(listed.out ==
        "rejected\n  lost_stolen: the card (ID number and validity start) is on the lost/stolen "
        "list\n");
}

TEST_CASE("example gate (watch): each presentation decided once, a listed card refused",
          "[examples]") {
  ProvisionedReader r(kThreeCards);
  const std::string list = list_with(r.dir.path, "11010519491231002X", "20100105");
  const auto run = shell_run(q(EXAMPLE_GATE) + " " + q(r.uri) + " " + q(r.root) + " " +
                             q(r.counters) + " " + q(list) + " 3");
  INFO(run.out);
  CHECK(run.status == 0);
  CHECK(run.out ==
        "accepted 110101199003071233 张伟\n"
        "REJECTED 11010519491231002X  lost_stolen: listed\n"
        "accepted 810000198808080013 陈大文\n");
}

TEST_CASE("example verify_offline: a saved record accepted, a changed copy rejected",
          "[examples]") {
  ProvisionedReader r(kCardReturns);
  std::string why;
  {  // read and save a record as a gate would
    auto policy = Policy::load({{r.root}, {}, r.counters, {}}, &why);
    REQUIRE(policy);
    auto session = Session::open(r.uri, std::move(*policy));
    REQUIRE(session);
    const auto d = session->read_verified(kBase, 60s);
    REQUIRE(d);
    REQUIRE(d->accepted());
    std::ofstream(r.dir.path + "/rec.cose", std::ios::binary)
        .write(reinterpret_cast<const char*>(d->record().data()),
               static_cast<std::streamsize>(d->record().size()));
    Bytes changed = d->record();
    changed[changed.size() - 3] ^= 0x01;  // inside the last disclosure's value
    std::ofstream(r.dir.path + "/changed.cose", std::ios::binary)
        .write(reinterpret_cast<const char*>(changed.data()),
               static_cast<std::streamsize>(changed.size()));
  }
  const auto ok =
      shell_run(q(EXAMPLE_VERIFY_OFFLINE) + " " + q(r.dir.path + "/rec.cose") + " " + q(r.root));
  INFO(ok.out);
  CHECK(ok.status == 0);
  CHECK(ok.out.rfind("accepted reader IDR-", 0) == 0);
  CHECK(ok.out.find("counter 1\n  110101199003071233 张伟\n") != std::string::npos);

  const auto bad = shell_run(q(EXAMPLE_VERIFY_OFFLINE) + " " + q(r.dir.path + "/changed.cose") +
                             " " + q(r.root));
  INFO(bad.out);
  CHECK(bad.status == 3);
  CHECK(bad.out.rfind("rejected\n  digest: digest_mismatch: ", 0) == 0);
}
