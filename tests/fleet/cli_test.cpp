// `idr lists` and `idr alerts` (hostlib/tools cmd_lists.cpp, cmd_alerts.cpp; DESIGN 13) as a
// user runs them, against a real JetStream node: the authority's keygen and publish, a
// gate's follow --once and the status report, a refused pointer, and alerts tailed as JSON.
#include <libpq-fe.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli_support.h"
#include "detections.h"
#include "fleet_db.h"
#include "idr/blocklist.h"
#include "idr/testing/fleet_engines.h"
#include "idr/testing/temp_dir.h"
#include "jetstream.h"
#include "list_distribution.h"
#include "list_manifest.h"

using namespace idr::cli_test;

namespace {

idr::testing::FleetEngines& engines() {
  static idr::testing::FleetEngines e([] {
    idr::testing::FleetOptions o;
    o.nats_nodes = 1;
    return o;
  }());
  return e;
}

}  // namespace

TEST_CASE("idr lists: keygen then publish then follow --once then status", "[fleet][lists]") {
  idr::testing::TempDir dir("idr-lists-cli");
  const std::string servers = engines().nats_urls();
  {  // each section from an empty cluster: no list stream, no buckets
    std::string why;
    auto link = idr::fleet::JetStream::connect(servers, 10000, &why);
    REQUIRE(link);
    jsErrCode jerr = static_cast<jsErrCode>(0);
    (void)js_DeleteStream(link->js(), idr::fleet::kListStream, nullptr, &jerr);
    (void)js_DeleteKeyValue(link->js(), idr::fleet::kListBucket);
    (void)js_DeleteKeyValue(link->js(), idr::fleet::kGateBucket);
  }
  const std::string key = dir.path + "/authority.key", pub = dir.path + "/authority.pub";
  Run r = run_idr({"lists", "keygen", key, pub});
  REQUIRE(r.status == 0);
  CHECK(run_idr({"lists", "keygen", key, pub}).status == 7);  // never overwrites a key

  std::ofstream(dir.path + "/lost.csv") << "11010519491231002X,20100101\n";
  REQUIRE(
      run_idr({"blocklist", "build", dir.path + "/lost.csv", dir.path + "/lost.idrbl"}).status ==
      0);
  std::filesystem::create_directories(dir.path + "/master");
  std::filesystem::create_directories(dir.path + "/gate");
  r = run_idr({"lists", "publish", "--servers", servers, "--key", key, "--master",
               dir.path + "/master", "--full", dir.path + "/lost.idrbl"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("version 1\nkind full\n") != std::string::npos);

  std::string why;
  REQUIRE(idr::write_blocklist_delta(dir.path + "/delta", {{"440524188001010014", "20150301"}}, {},
                                     &why));
  r = run_idr({"lists", "publish", "--servers", servers, "--key", key, "--master",
               dir.path + "/master", "--delta", dir.path + "/delta"});
  REQUIRE(r.status == 0);
  CHECK(r.out.find("version 2\nkind delta\nbase 1\nentries 2\n") != std::string::npos);

  r = run_idr({"lists", "follow", "--servers", servers, "--authority", pub, "--dir",
               dir.path + "/gate", "--gate", "g1", "--once"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("applied version 1 (full, 1 entries)") != std::string::npos);
  CHECK(r.out.find("applied version 2 (delta, 2 entries)") != std::string::npos);
  r = run_idr({"blocklist", "check", dir.path + "/gate/lost-stolen.idrbl", "440524188001010014",
               "20150301"});
  CHECK(r.status == 6);  // listed

  r = run_idr({"lists", "status", "--servers", servers, "--authority", pub});
  REQUIRE(r.status == 0);
  CHECK(r.out.find("version 2\n") != std::string::npos);
  CHECK(r.out.find("gate g1: version 2 list-sha256 ") != std::string::npos);

  SECTION("another authority's public key: the pointer is refused, exit 6") {
    const std::string other = dir.path + "/other";
    REQUIRE(run_idr({"lists", "keygen", other + ".key", other + ".pub"}).status == 0);
    r = run_idr({"lists", "follow", "--servers", servers, "--authority", other + ".pub", "--dir",
                 dir.path + "/gate", "--gate", "g1", "--once"});
    CHECK(r.status == 6);
    CHECK(r.err.find("signature does not verify with the authority key; version 2 kept") !=
          std::string::npos);
  }
  SECTION("usage errors") {
    r = run_idr({"lists", "publish", "--key", key, "--master", dir.path});
    CHECK(r.status == 1);
    CHECK(r.err.find("give --full or --delta") != std::string::npos);
    CHECK(run_idr({"lists", "follow", "--authority", pub, "--dir", dir.path}).status == 1);
    CHECK(run_idr({"lists", "follow", "--servers", servers, "--authority", pub, "--dir",
                   dir.path + "/gate", "--gate", "g1", "--once", "--max-age-days", "0"})
              .status == 1);
    for (const char* bad : {"g.1", "g 1", "g>", "*"}) {
      r = run_idr({"lists", "follow", "--servers", servers, "--authority", pub, "--dir",
                   dir.path + "/gate", "--gate", bad, "--once"});
      CHECK(r.status == 1);
      CHECK(r.err.find("--gate must be 1-64 characters") != std::string::npos);
    }
  }
}

TEST_CASE("idr alerts: prints each alert as one JSON line", "[fleet][detect]") {
  idr::testing::FleetDb db(engines());
  idr::fleet::Detector d({});
  idr::fleet::ReadForDetection read;
  read.reader_serial = "R1";
  read.counter = 1;
  read.record_sha256 = std::string(64, 'a');
  read.id_number = "11010519491231002X";
  read.name = "张三";
  auto run = [&](const idr::fleet::ReadForDetection& x) {
    PQclear(PQexec(db.get(), "BEGIN"));
    REQUIRE(d.detect(db.get(), x));
    PQclear(PQexec(db.get(), "COMMIT"));
  };
  run(read);
  read.counter = 2;
  read.record_sha256 = std::string(64, 'b');
  read.name = "张伟";
  run(read);
  std::string why;
  auto link = idr::fleet::JetStream::connect(engines().nats_urls(), 10000, &why);
  REQUIRE(link);
  REQUIRE(idr::fleet::publish_pending_alerts(db.get(), *link, 1, &why).value() == 1);

  Run r = run_idr({"alerts", "--servers", engines().nats_urls(), "--from-start", "--count", "1"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto out = lines(r.out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].find("\"kind\":\"id-other-holder\"") != std::string::npos);
  CHECK(out[0].find("\"reader_serial\":\"R1\"") != std::string::npos);
  // Only new alerts without --from-start: none come, --wait ends it.
  r = run_idr({"alerts", "--servers", engines().nats_urls(), "--wait", "1"});
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  r = run_idr({"alerts", "--servers", engines().nats_urls(), "--kind", "a.b"});
  CHECK(r.status == 1);
}
