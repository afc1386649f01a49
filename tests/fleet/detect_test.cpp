// Detections (hostlib/src/fleet/detections.h, DESIGN 13) against a real PostgreSQL 15: each rule
// raises its alert on its case and nothing on the look-alike clean case; a redelivered read
// raises nothing twice; concurrent workers raise one alert; committed alerts reach
// alerts.KIND on JetStream.
#include <libpq-fe.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <thread>

#include "detections.h"
#include "fleet_db.h"
#include "idr/blocklist.h"
#include "idr/testing/fleet_engines.h"
#include "idr/testing/temp_dir.h"
#include "jetstream.h"
#include "list_manifest.h"
#include "planted_cases.h"

namespace {

using idr::fleet::Alert;
using idr::fleet::DetectConfig;
using idr::fleet::Detector;
using idr::fleet::ReadForDetection;
using idr::testing::FleetDb;
using idr::testing::FleetEngines;
using idr::testing::PlantedCard;

// One engine set per test process (PostgreSQL, one NATS node); each section its own database.
FleetEngines& engines() {
  static FleetEngines e([] {
    idr::testing::FleetOptions o;
    o.nats_nodes = 1;
    return o;
  }());
  return e;
}

constexpr int64_t kHour = 3600LL * 1000000;
const int64_t kT0 = 1764806400LL * 1000000;  // 2025-12-04 00:00 UTC

ReadForDetection read_of(const PlantedCard& c, const std::string& reader, uint64_t counter,
                         const std::string& site, int64_t at) {
  ReadForDetection r;
  r.reader_serial = reader;
  r.counter = counter;
  r.id_number = c.id_number;
  r.name = c.name;
  r.birth_date = c.birth_date;
  r.valid_from = c.valid_from;
  r.chip_uid = c.chip_uid;
  r.site = site;
  r.read_at_us = at;
  // Stands for the signed record's hash: different content, different hash.
  const std::string content = reader + "/" + std::to_string(counter) + "/" + c.id_number + "/" +
                              c.name + "/" + c.chip_uid + "/" + site + "/" + std::to_string(at);
  r.record_sha256 = idr::fleet::sha256_hex(content.data(), content.size());
  return r;
}

// detect inside its own transaction, committed: the ingester's way.
std::vector<Alert> detect(Detector& d, PGconn* db, const ReadForDetection& r) {
  PQclear(PQexec(db, "BEGIN"));
  std::string why;
  auto alerts = d.detect(db, r, &why);
  INFO(why);
  REQUIRE(alerts);
  PGresult* c = PQexec(db, "COMMIT");
  REQUIRE(PQresultStatus(c) == PGRES_COMMAND_OK);
  PQclear(c);
  d.committed(*alerts);
  return *alerts;
}

// Builds list file DIR/NAME.idrbl from `csv` (id_number,valid_from lines) and loads it.
void load_list(const idr::testing::TempDir& dir, const std::string& name, const std::string& csv,
               idr::BlocklistHolder& holder) {
  const std::string base = dir.path + "/" + name;
  std::ofstream(base + ".csv") << csv;
  std::string why;
  const bool built = idr::build_blocklist(base + ".csv", base + ".idrbl", &why).ok();
  INFO(name << ": " << why);
  REQUIRE(built);
  const bool loaded = holder.reload(base + ".idrbl", &why).ok();
  INFO(why);
  REQUIRE(loaded);
}

std::vector<std::string> kinds(const std::vector<Alert>& a) {
  std::vector<std::string> k;
  for (const auto& x : a) k.push_back(x.kind);
  return k;
}

const auto s = idr::testing::planted_scenario();
const std::vector<std::string> kNone;

}  // namespace

TEST_CASE("detect: the same ID number with another holder", "[fleet][detect]") {
  FleetDb db(engines());
  Detector d({});
  REQUIRE(detect(d, db.get(), read_of(s.clean[0], "R1", 1, "", kT0)).empty());
  SECTION("another name: one alert naming both holders") {
    auto a = detect(d, db.get(), read_of(s.other_holder, "R2", 1, "", kT0 + kHour));
    REQUIRE(kinds(a) == std::vector<std::string>{"id-other-holder"});
    CHECK(a[0].detail.find("张三") != std::string::npos);
    CHECK(a[0].detail.find("张伟") != std::string::npos);
  }
  SECTION("another birth date") {
    PlantedCard c = s.clean[0];
    c.birth_date = "19500101";
    REQUIRE(kinds(detect(d, db.get(), read_of(c, "R2", 1, "", kT0))) ==
            std::vector<std::string>{"id-other-holder"});
  }
  SECTION("the same holder again, elsewhere, on a replacement card: no alert") {
    PlantedCard replacement = s.clean[0];
    replacement.chip_uid = "e0a1b2c3d4e5f699";
    replacement.valid_from = "20200101";
    CHECK(detect(d, db.get(), read_of(s.clean[0], "R2", 7, "", kT0 + kHour)).empty());
    CHECK(detect(d, db.get(), read_of(replacement, "R3", 1, "", kT0 + 2 * kHour)).empty());
  }
  SECTION("the name not disclosed: nothing to compare, no alert") {
    PlantedCard c = s.other_holder;
    c.name.clear();
    CHECK(detect(d, db.get(), read_of(c, "R2", 1, "", kT0)).empty());
  }
}

TEST_CASE("detect: the same chip UID with another ID number", "[fleet][detect]") {
  FleetDb db(engines());
  Detector d({});
  REQUIRE(detect(d, db.get(), read_of(s.clean[1], "R1", 1, "", kT0)).empty());
  SECTION("a chip answering with another number: alert") {
    PlantedCard c = s.clean[2];
    c.chip_uid = s.clean[1].chip_uid;
    auto a = detect(d, db.get(), read_of(c, "R1", 2, "", kT0 + kHour));
    REQUIRE(kinds(a) == std::vector<std::string>{"uid-other-id"});
    CHECK(a[0].detail.find(s.clean[1].id_number) != std::string::npos);
  }
  SECTION("the same chip with its number again: no alert") {
    CHECK(detect(d, db.get(), read_of(s.clean[1], "R2", 1, "", kT0 + kHour)).empty());
  }
}

TEST_CASE("detect: a cloned reader (counter backwards or repeated with other content)",
          "[fleet][detect]") {
  FleetDb db(engines());
  Detector d({});
  for (uint64_t n = 1; n <= 5; ++n)
    REQUIRE(detect(d, db.get(), read_of(s.clean[n % 4], "R9", n * 10, "", kT0 + n)).empty());
  SECTION("a counter repeated with other content") {
    auto a = detect(d, db.get(), read_of(s.clean[0], "R9", 30, "", kT0 + kHour));
    REQUIRE(kinds(a) == std::vector<std::string>{"cloned-reader"});
    CHECK(a[0].detail.find("repeated") != std::string::npos);
  }
  SECTION("a counter below one already seen") {
    auto a = detect(d, db.get(), read_of(s.clean[0], "R9", 25, "", kT0 + kHour));
    REQUIRE(kinds(a) == std::vector<std::string>{"cloned-reader"});
    CHECK(a[0].detail.find("backwards") != std::string::npos);
  }
  SECTION("a lower counter read before the higher ones, arriving late (redelivery): nothing") {
    CHECK(detect(d, db.get(), read_of(s.clean[0], "R9", 25, "", kT0 + 2)).empty());
    CHECK(detect(d, db.get(), read_of(s.clean[0], "R9", 5, "", kT0)).empty());
    CHECK(db.scalar("SELECT count(*) FROM alerts") == "0");
  }
  SECTION("the same record delivered again (ingester restart): nothing, not twice") {
    CHECK(detect(d, db.get(), read_of(s.clean[3], "R9", 30, "", kT0 + 3)).empty());
    auto a = detect(d, db.get(), read_of(s.clean[0], "R9", 25, "", kT0 + kHour));
    REQUIRE(a.size() == 1);
    CHECK(detect(d, db.get(), read_of(s.clean[0], "R9", 25, "", kT0 + kHour)).empty());
    CHECK(db.scalar("SELECT count(*) FROM alerts") == "1");
  }
  SECTION("counters rising, another reader with the same counters: no alert") {
    CHECK(detect(d, db.get(), read_of(s.clean[0], "R9", 51, "", kT0 + 9)).empty());
    CHECK(detect(d, db.get(), read_of(s.clean[0], "R8", 10, "", kT0 + 9)).empty());
  }
}

TEST_CASE("detect: a card at two places too far apart for the time between", "[fleet][detect]") {
  FleetDb db(engines());
  std::string why;
  REQUIRE(Detector::set_site(db.get(), "beijing-west", 39.8946, 116.3220, &why));
  REQUIRE(Detector::set_site(db.get(), "shanghai-hongqiao", 31.1940, 121.3200, &why));
  REQUIRE(Detector::set_site(db.get(), "beijing-south", 39.8652, 116.3786, &why));
  Detector d({});  // 900 km/h
  REQUIRE(detect(d, db.get(), read_of(s.clean[0], "G1", 1, "beijing-west", kT0)).empty());
  SECTION("Shanghai 30 minutes later (about 1070 km): alert") {
    auto a =
        detect(d, db.get(), read_of(s.clean[0], "G2", 1, "shanghai-hongqiao", kT0 + kHour / 2));
    REQUIRE(kinds(a) == std::vector<std::string>{"impossible-travel"});
    CHECK(a[0].detail.find("beijing-west") != std::string::npos);
  }
  SECTION("Shanghai 5 hours later: no alert; with a 200 km/h limit: alert") {
    CHECK(detect(d, db.get(), read_of(s.clean[0], "G2", 1, "shanghai-hongqiao", kT0 + 5 * kHour))
              .empty());
    DetectConfig slow;
    slow.max_kmh = 200;
    Detector strict(slow);
    CHECK(kinds(detect(strict, db.get(),
                       read_of(s.clean[0], "G1", 2, "beijing-west", kT0 + 10 * kHour))) ==
          std::vector<std::string>{"impossible-travel"});
  }
  SECTION("another station of the same city 20 minutes later, the same site, an unknown site") {
    CHECK(detect(d, db.get(), read_of(s.clean[0], "G3", 1, "beijing-south", kT0 + kHour / 3))
              .empty());
    CHECK(detect(d, db.get(), read_of(s.clean[0], "G3", 2, "beijing-south", kT0 + kHour / 3 + 1))
              .empty());
    CHECK(
        detect(d, db.get(), read_of(s.clean[0], "G4", 1, "nowhere", kT0 + kHour / 3 + 2)).empty());
  }
}

TEST_CASE("detect: a card on the lost/stolen or document-control list", "[fleet][detect]") {
  FleetDb db(engines());
  idr::testing::TempDir dir("idr-detect-lists");
  idr::BlocklistHolder lost, control, never_loaded;
  load_list(dir, "lost", s.lost_stolen_csv, lost);
  load_list(dir, "control",
            "id_number,valid_from\n" + s.clean[3].id_number + "," + s.clean[3].valid_from + "\n",
            control);
  DetectConfig c;
  c.lists = {{"lost-stolen", &lost}, {"document-control", &control}, {"other", &never_loaded}};
  Detector d(c);
  SECTION("listed cards: one alert each, naming the list") {
    CHECK(kinds(detect(d, db.get(), read_of(s.listed, "G1", 1, "", kT0))) ==
          std::vector<std::string>{"listed-lost-stolen"});
    CHECK(kinds(detect(d, db.get(), read_of(s.clean[3], "G1", 2, "", kT0))) ==
          std::vector<std::string>{"listed-document-control"});
  }
  SECTION("the replacement card of a listed holder, and unlisted cards: no alert") {
    CHECK(detect(d, db.get(), read_of(s.replacement, "G1", 1, "", kT0)).empty());
    CHECK(detect(d, db.get(), read_of(s.clean[1], "G1", 2, "", kT0)).empty());
  }
}

TEST_CASE("detect: the planted scenario raises exactly its alerts and clean reads none",
          "[fleet][detect]") {
  FleetDb db(engines());
  idr::testing::TempDir dir("idr-detect-planted");
  std::string why;
  idr::BlocklistHolder lost;
  load_list(dir, "lost", s.lost_stolen_csv, lost);
  REQUIRE(Detector::set_site(db.get(), "g1", 39.9, 116.4, &why));
  REQUIRE(Detector::set_site(db.get(), "g2", 39.91, 116.41, &why));
  DetectConfig c;
  c.lists = {{"lost-stolen", &lost}};
  Detector d(c);
  // Three gates (two at g1, one at g2 1.4 km away) read every clean card, rising counters,
  // 20 minutes apart.
  uint64_t counter[3] = {0, 0, 0};
  for (int round = 0; round < 10; ++round)
    for (int gate = 0; gate < 3; ++gate)
      for (const auto& card : s.clean)
        REQUIRE(detect(d, db.get(),
                       read_of(card, "GATE" + std::to_string(gate), ++counter[gate],
                               gate == 2 ? "g2" : "g1", kT0 + round * kHour + gate * kHour / 3))
                    .empty());
  CHECK(db.scalar("SELECT count(*) FROM alerts") == "0");
  CHECK(idr::testing::check_planted_alerts(db.get(), {}).empty());
  // The planted cases, plus the clone of GATE1 replaying counter 5 with another card.
  (void)detect(d, db.get(), read_of(s.other_holder, "GATE0", ++counter[0], "g1", kT0 + 20 * kHour));
  (void)detect(d, db.get(), read_of(s.listed, "GATE1", ++counter[1], "g1", kT0 + 20 * kHour));
  (void)detect(d, db.get(), read_of(s.replacement, "GATE2", ++counter[2], "g2", kT0 + 21 * kHour));
  (void)detect(d, db.get(), read_of(s.clean[2], "GATE1", 5, "g1", kT0 + 22 * kHour));
  const auto planted = idr::testing::planted_alerts(s, {"GATE1"});
  CHECK(idr::testing::check_planted_alerts(db.get(), planted).empty());
  SECTION("the check names a missing and an unexpected alert") {
    auto missing = planted;
    missing.push_back({"uid-other-id", s.clean[0].id_number, ""});
    CHECK(
        idr::testing::check_planted_alerts(db.get(), missing).find("missing alert uid-other-id") !=
        std::string::npos);
    auto fewer = planted;
    fewer.pop_back();
    CHECK(idr::testing::check_planted_alerts(db.get(), fewer)
              .find("unexpected alert cloned-reader") != std::string::npos);
  }
}

TEST_CASE("detect: a batch judges its reads in order, each as alone", "[fleet][detect]") {
  FleetDb db(engines());
  idr::testing::TempDir dir("idr-detect-batch");
  std::string why;
  idr::BlocklistHolder lost;
  load_list(dir, "lost", s.lost_stolen_csv, lost);
  DetectConfig c;
  c.lists = {{"lost-stolen", &lost}, {"also-lost", &lost}};  // one card on two lists
  Detector d(c);
  // A holder's name with array and quoting syntax travels as data (binary arrays).
  PlantedCard odd = s.clean[1];
  odd.name = "A\"B\\C,{D} 'E'";
  std::vector<ReadForDetection> reads = {
      read_of(s.clean[0], "B1", 1, "", kT0),          // first holder
      read_of(odd, "B1", 2, "", kT0 + 1),             // clean, odd name kept
      read_of(s.other_holder, "B2", 1, "", kT0 + 2),  // the read before is the holder
      read_of(s.listed, "B2", 2, "", kT0 + 3),        // two lists: two alerts
      read_of(s.clean[2], "B1", 2, "", kT0 + 4),      // counter 2 again: a clone
      read_of(s.clean[0], "B1", 1, "", kT0)};         // read 1 again: a redelivery
  PQclear(PQexec(db.get(), "BEGIN"));
  auto alerts = d.detect_batch(db.get(), reads, &why);
  INFO(why);
  REQUIRE(alerts);
  PQclear(PQexec(db.get(), "COMMIT"));
  REQUIRE(kinds(*alerts) == std::vector<std::string>{"id-other-holder", "listed-lost-stolen",
                                                     "listed-also-lost", "cloned-reader"});
  // Each alert carries its own read's time (read-to-alert).
  CHECK((*alerts)[0].read_at_us == kT0 + 2);
  CHECK((*alerts)[1].read_at_us == kT0 + 3);
  CHECK((*alerts)[3].read_at_us == kT0 + 4);
  CHECK(db.scalar("SELECT name FROM detect_holders WHERE id_number = '" + odd.id_number + "'") ==
        odd.name);
  // The same batch again (all redelivered): nothing new.
  PQclear(PQexec(db.get(), "BEGIN"));
  auto again = d.detect_batch(db.get(), reads, &why);
  REQUIRE(again);
  PQclear(PQexec(db.get(), "COMMIT"));
  CHECK(again->empty());
  CHECK(db.scalar("SELECT count(*) FROM alerts") == "4");
  SECTION("an empty batch: no alert, no error") {
    auto none = d.detect_batch(db.get(), {}, &why);
    REQUIRE(none);
    CHECK(none->empty());
  }
  SECTION("a counter PostgreSQL cannot hold: a clear error") {
    auto big = read_of(s.clean[3], "B3", 1, "", kT0);
    big.counter = UINT64_MAX;
    auto refused = d.detect_batch(db.get(), {big}, &why);
    REQUIRE_FALSE(refused);
    CHECK(why.find("counter out of range") != std::string::npos);
  }
  SECTION("a read PostgreSQL refuses for its data: InvalidArgument, SQLSTATE and message") {
    db.exec(
        "CREATE FUNCTION refuse_read() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
        "EXCEPTION 'refused read %', NEW.counter USING ERRCODE = '22023'; END $$; CREATE TRIGGER "
        "refuse BEFORE INSERT ON detect_reader_reads FOR EACH ROW EXECUTE FUNCTION refuse_read()");
    PQclear(PQexec(db.get(), "BEGIN"));
    auto refused = d.detect_batch(db.get(), {read_of(s.clean[3], "B3", 7, "", kT0)}, &why);
    PQclear(PQexec(db.get(), "ROLLBACK"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == idr::Error::InvalidArgument);
    CHECK(why == "22023 refused read 7");
  }
}

TEST_CASE("detect: concurrent workers raise one alert for one conflict", "[fleet][detect]") {
  FleetDb db(engines());
  Detector d({});
  // Two workers store the first two reads of one ID number with two holders at the same
  // time, many times over: exactly one alert per pair, whichever commits first.
  PGconn* a = db.connect();
  PGconn* b = db.connect();
  for (int i = 0; i < 20; ++i) {
    PlantedCard x = s.clean[0], y = s.other_holder;
    x.id_number = y.id_number = std::to_string(110105194912310000LL + i);
    x.chip_uid += std::to_string(i);
    y.chip_uid += std::to_string(i);
    std::thread t1([&] { (void)detect(d, a, read_of(x, "W1", i + 1, "", kT0)); });
    std::thread t2([&] { (void)detect(d, b, read_of(y, "W2", i + 1, "", kT0)); });
    t1.join();
    t2.join();
  }
  PQfinish(a);
  PQfinish(b);
  CHECK(db.scalar("SELECT count(*) FROM alerts WHERE kind = 'id-other-holder'") == "20");
  CHECK(db.scalar("SELECT count(*) FROM alerts") == "20");
}

TEST_CASE(
    "detect: committed alerts are published on alerts.KIND once and read-to-alert is measured",
    "[fleet][detect]") {
  FleetDb db(engines());
  Detector d({});
  REQUIRE(detect(d, db.get(), read_of(s.clean[0], "R1", 1, "", kT0)).empty());
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto raised = detect(d, db.get(), read_of(s.other_holder, "R1", 2, "", now));
  REQUIRE(raised.size() == 1);
  const auto latency = d.read_to_alert_us();
  REQUIRE(latency.size() == 1);
  CHECK(latency[0] >= 0);
  CHECK(db.scalar("SELECT count(*) FROM alerts WHERE raised_at >= read_at") == "1");

  std::string why;
  auto link = idr::fleet::JetStream::connect(engines().nats_urls(), 10000, &why);
  INFO(why);
  REQUIRE(link);
  // Marking them published fails (a trigger refuses the UPDATE): an error, nothing marked,
  // never "published" with the alerts left to be sent again as if new.
  db.exec(
      "CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;"
      "CREATE TRIGGER refuse BEFORE UPDATE ON alerts FOR EACH ROW EXECUTE FUNCTION "
      "refuse_update();");
  auto refused = idr::fleet::publish_pending_alerts(db.get(), *link, 1, &why);
  REQUIRE(!refused);
  CHECK(why.find("marking alerts published") != std::string::npos);
  CHECK(why.find("refused by the test") != std::string::npos);
  db.exec("DROP TRIGGER refuse ON alerts");
  CHECK(db.scalar("SELECT count(*) FROM alerts WHERE NOT published") == "1");
  auto n = idr::fleet::publish_pending_alerts(db.get(), *link, 1, &why);
  REQUIRE(n);
  CHECK(*n == 1);
  auto again = idr::fleet::publish_pending_alerts(db.get(), *link, 1, &why);
  REQUIRE(again);
  CHECK(*again == 0);
  auto msg = link->next_on_subject(idr::fleet::kAlertStream, "alerts.id-other-holder", 1, &why);
  INFO(why);
  REQUIRE(msg);
  const std::string body(natsMsg_GetData(msg->get()), natsMsg_GetDataLength(msg->get()));
  CHECK(body.find("\"kind\":\"id-other-holder\"") != std::string::npos);
  CHECK(body.find("\"id_number\":\"" + s.other_holder.id_number + "\"") != std::string::npos);
  CHECK(db.scalar("SELECT count(*) FROM alerts WHERE NOT published") == "0");
}
