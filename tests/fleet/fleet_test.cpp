// The fleet layer end to end (DESIGN 13) on real engines started by the test: simulated gates
// (`idr sim` + `idr watch --publish`) send signed reads through a 3-node NATS JetStream
// cluster to `idr-ingest`, which verifies and stores them in PostgreSQL 15.
#include <libpq-fe.h>
#include <nats/nats.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <codecvt>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include "detections.h"
#include "fleet_support.h"
#include "idr/blocklist.h"
#include "idr/ca.h"
#include "idr/fleet.h"
#include "idr/signed.h"
#include "jetstream.h"
#include "list_authority.h"
#include "list_distribution.h"
#include "planted_cases.h"
#include "test_signer.h"

namespace {

using namespace idr::fleet_test;
using idr::testing::FleetEngines;
using idr::testing::TempDir;

int64_t spooled(const std::string& spool) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(spool.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM spool", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

idr::Bytes from_pg_hex(const std::string& text) {  // bytea output "\x0a1b..."
  REQUIRE(text.rfind("\\x", 0) == 0);
  idr::Bytes b;
  for (size_t i = 2; i + 1 < text.size(); i += 2)
    b.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return b;
}

// Each reader's rows: as many as its gate published (it counts its verified reads), once each;
// `rejected` records kept out of records.
void check_exactly_once(const std::string& pg, int readers, int reads_each, int rejected = 0) {
  CHECK(pg_count(pg, "SELECT count(*) FROM records") == readers * reads_each);
  CHECK(pg_count(pg, "SELECT count(DISTINCT (reader_serial, counter)) FROM records") ==
        readers * reads_each);
  const auto per_reader = pg_rows(pg, "SELECT count(*) FROM records GROUP BY reader_serial");
  CHECK(per_reader.size() == static_cast<size_t>(readers));
  for (const auto& r : per_reader) CHECK(r == std::to_string(reads_each));
  CHECK(pg_count(pg, "SELECT count(*) FROM rejected_records") == rejected);
}

// A planted card (planted_cases.h) as the test signer's resident card and chip UID.
idr::test::ResidentCard resident(const idr::testing::PlantedCard& c) {
  idr::test::ResidentCard r;
  auto u16 = [](const std::string& utf8) {
    return std::wstring_convert<std::codecvt_utf8_utf16<char16_t>, char16_t>{}.from_bytes(utf8);
  };
  r.id_number = u16(c.id_number);
  r.name = u16(c.name);
  r.birth = u16(c.birth_date);
  r.valid_from = u16(c.valid_from);
  return r;
}

std::array<uint8_t, 8> planted_uid(const idr::testing::PlantedCard& c) {
  std::array<uint8_t, 8> uid{};
  for (size_t i = 0; i < uid.size(); ++i)
    uid[i] = static_cast<uint8_t>(std::stoi(c.chip_uid.substr(2 * i, 2), nullptr, 16));
  return uid;
}

}  // namespace

TEST_CASE("a gate's verified reads reach PostgreSQL once each with only the disclosed fields") {
  TempDir dir("idr-fleet-test");
  FleetEngines engines;
  const std::string pg = engines.postgres_conninfo();
  REQUIRE(idr::fleet::ensure_record_stream(servers(engines), 3));
  SimReader sim(write_gate_scenario(dir.path, 1, 2, 2));
  Ingest ingest(engines, {sim.trust});
  Gate gate(sim, engines, "beijing.gate-1", dir.path + "/spool.db", 4);
  CHECK(gate.wait_done() == 0);
  wait_until([&] { return pg_count(pg, "SELECT count(*) FROM records") >= 4; }, "4 rows");
  const std::string figures = ingest.stop();
  CHECK(figures.rfind("stored 4; duplicates 0; rejected 0;", 0) == 0);
  check_exactly_once(pg, 1, 4);
  CHECK(spooled(dir.path + "/spool.db") == 0);
  // The row's fields are the verified disclosures; the address never left the gate.
  const auto rows = pg_rows(pg,
                            "SELECT province, site, id_number, name, birth, signed "
                            "FROM records ORDER BY counter");
  REQUIRE(rows.size() == 4);
  for (const auto& r : rows) {  // one of the gate's two cards, with its name and birth date
    INFO(r.substr(0, 80));
    CHECK((r.rfind("beijing|gate-1|11010119900100100X|王芳|19900307|", 0) == 0 ||
           r.rfind("beijing|gate-1|11010119900101101X|李娜|19900307|", 0) == 0));
  }
  const std::string stored = rows[0].substr(rows[0].rfind('|') + 1);
  auto decoded = idr::decode_signed(from_pg_hex(stored));
  REQUIRE(decoded);
  std::set<std::string> fields;
  for (const auto& d : decoded->disclosures) fields.insert(d.field);
  CHECK(fields == std::set<std::string>{"birth", "id_number", "name", "valid_from", "valid_to"});
  CHECK(decoded->payload.digests.count("address") == 1);  // signed over, value withheld
}

namespace {

// A reader made with the test signer (tests/signed) and its copy: one key, so one serial, in
// two devices, each with its own counter. Its records go through a Publisher (the gate's
// spool and drain) at site hebei.cloned-1.
struct ClonedReader {
  ClonedReader(const FleetEngines& engines, const std::string& dir)
      : pki(idr::test::make_pki("Clone", now() - 86400, now() + 86400 * 30)),
        chain(idr::test::reader_chain(pki, key, now() - 86400, now() + 86400 * 30)) {
    trust = dir + "/clone-root.crt.pem";
    std::ofstream(trust) << idr::ca::to_pem(pki.root.cert_der);
    std::ofstream(dir + "/revoked.txt") << "idr-revocation-list 2\n";
    idr::fleet::PublisherOptions o;
    o.servers = servers(engines);
    o.site = {"hebei", "cloned-1"};
    o.spool = dir + "/clone-spool.db";
    auto p = idr::fleet::Publisher::open(o);
    REQUIRE(p);
    publisher = std::make_unique<idr::fleet::Publisher>(std::move(*p));
  }
  static int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }
  // A read of `card` signed with `counter` (the original's next, or one the copy repeats).
  void read(uint64_t counter, const idr::testing::PlantedCard& card) {
    idr::test::RecordSpec spec;
    spec.counter = counter;
    spec.uid = planted_uid(card);
    spec.fields = idr::test::resident_fields(resident(card));
    REQUIRE(publisher->publish_record(idr::test::make_record(key, chain, spec).file));
  }
  idr::test::Pki pki;
  idr::test::DeviceKey key;
  std::vector<idr::Bytes> chain;
  std::string trust;
  std::unique_ptr<idr::fleet::Publisher> publisher;
};

}  // namespace

TEST_CASE(
    "acceptance 1: 3 gates with a NATS node and the ingester killed mid-stream store every record "
    "once and raise exactly the planted alerts") {
  TempDir dir("idr-fleet-test");
  FleetEngines engines;
  const std::string pg = engines.postgres_conninfo();
  REQUIRE(idr::fleet::ensure_record_stream(servers(engines), 3));
  constexpr int kGates = 3, kCards = 3, kRounds = 4, kReads = kCards * kRounds;
  // The planted cases (planted_cases.h) among the gates' cards: gate 0 reads the first holder
  // of an ID number first, then another holder of it; gate 1 a listed card and its holder's
  // replacement; clean cards at one gate or two.
  const auto planted = idr::testing::planted_scenario();
  const std::vector<idr::testing::PlantedCard> on_gate[kGates] = {
      {planted.clean[0], planted.other_holder, planted.clean[1]},
      {planted.clean[3], planted.listed, planted.replacement},
      {planted.clean[2], planted.clean[3]}};
  std::vector<std::unique_ptr<SimReader>> sims;
  std::vector<std::string> trust;
  for (int g = 0; g < kGates; ++g) {
    sims.push_back(
        std::make_unique<SimReader>(write_gate_scenario(dir.path, g, kCards, kRounds, on_gate[g])));
    trust.push_back(sims.back()->trust);
  }
  ClonedReader clone(engines, dir.path);
  trust.push_back(clone.trust);
  std::ofstream(dir.path + "/lost.csv") << planted.lost_stolen_csv;
  std::string why;
  REQUIRE(idr::build_blocklist(dir.path + "/lost.csv", dir.path + "/lost.idrbl", &why));
  const std::vector<std::string> detect_options{"--list",
                                                "lost-stolen=" + dir.path + "/lost.idrbl"};
  auto ingest = std::make_unique<Ingest>(engines, trust, 2, detect_options);
  std::vector<std::unique_ptr<Gate>> gates;
  const char* const sites[] = {"beijing.gate-1", "shanghai.counter-2", "xinjiang.exit-3"};
  for (int g = 0; g < kGates; ++g)
    gates.push_back(std::make_unique<Gate>(
        *sims[g], engines, sites[g], dir.path + "/spool" + std::to_string(g) + ".db", kReads));
  // The original cloned reader reads kReads times (a clean card), 4 in each phase below; its
  // copy repeats counter 3 with another card after the ingester's restart.
  uint64_t counter = 0;
  auto original_reads = [&](int n) {
    for (int i = 0; i < n; ++i) clone.read(++counter, planted.clean[2]);
  };
  auto rows = [&] { return pg_count(pg, "SELECT count(*) FROM records"); };
  original_reads(4);
  wait_until([&] { return rows() >= 3; }, "the first rows");
  engines.kill_nats(1);
  const int64_t at_kill = rows();
  original_reads(4);
  wait_until([&] { return rows() >= at_kill + 3; }, "rows with a node down");
  engines.restart_nats(1);
  const int64_t at_restart = rows();
  wait_until([&] { return rows() >= at_restart + 3; }, "rows after the node came back");
  ingest->kill();  // what it committed but did not acknowledge comes again
  const int64_t at_ingest_kill = rows();
  INFO("rows at node kill " << at_kill << ", node restart " << at_restart << ", ingester kill "
                            << at_ingest_kill);
  ingest = std::make_unique<Ingest>(engines, trust, 2, detect_options);
  clone.read(3, planted.clean[1]);  // the copy: counter 3 again, another card
  original_reads(4);
  for (auto& g : gates) CHECK(g->wait_done() == 0);
  wait_until([&] { return rows() >= (kGates + 1) * kReads; }, "every record");
  wait_until([&] { return pg_count(pg, "SELECT count(*) FROM rejected_records") >= 1; },
             "the copy's record");
  const std::string figures = ingest->stop();
  INFO(figures);
  check_exactly_once(pg, kGates + 1, kReads, 1);
  for (int g = 0; g < kGates; ++g)
    CHECK(spooled(dir.path + "/spool" + std::to_string(g) + ".db") == 0);
  CHECK(at_ingest_kill < kGates * kReads);  // the kills happened mid-stream

  // Every planted case raised its alert, once per read of it, and nothing else raised any:
  // the reads of the holder who is not the rules' first holder of the ID number (the first
  // stored, DESIGN 13: reads the killed ingester held come back after newer ones, so that
  // may be either of gate 0's two holders), each read of the listed card, the copy.
  const std::string id = planted.other_holder.id_number;
  const int64_t other_reads = pg_count(
      pg, "SELECT count(*) FROM records WHERE id_number = '" + id +
              "' AND name <> (SELECT name FROM detect_holders WHERE id_number = '" + id + "')");
  const int64_t listed_reads = pg_count(
      pg, "SELECT count(*) FROM records WHERE chip_uid = upper('" + planted.listed.chip_uid + "')");
  const int64_t replacement_reads =
      pg_count(pg, "SELECT count(*) FROM records WHERE chip_uid = upper('" +
                       planted.replacement.chip_uid + "')");
  INFO("reads: other holder " << other_reads << ", listed " << listed_reads << ", replacement "
                              << replacement_reads);
  REQUIRE(other_reads >= 1);  // each case was read (a gate presents each card kRounds times)
  REQUIRE(listed_reads >= 1);
  REQUIRE(replacement_reads >= 1);
  auto expected = idr::testing::planted_alerts(planted, {clone.key.serial()});
  for (int64_t i = 1; i < other_reads; ++i) expected.push_back(expected[0]);
  for (int64_t i = 1; i < listed_reads; ++i) expected.push_back(expected[1]);
  PGconn* db = PQconnectdb(pg.c_str());
  const std::string report = idr::testing::check_planted_alerts(db, expected);
  PQfinish(db);
  CHECK(report == "");
  CHECK(pg_count(pg, "SELECT count(*) FROM alerts WHERE NOT published") == 0);
}

TEST_CASE(
    "acceptance 2: a gate cut off from the cluster keeps reading and its records arrive in order") {
  TempDir dir("idr-fleet-test");
  FleetEngines engines;
  const std::string pg = engines.postgres_conninfo();
  REQUIRE(idr::fleet::ensure_record_stream(servers(engines), 3));
  constexpr int kReads = 10;
  SimReader sim(write_gate_scenario(dir.path, 7, 2, 5));
  Ingest ingest(engines, {sim.trust});
  const std::string spool = dir.path + "/spool.db";
  Gate gate(sim, engines, "guangdong.gate-9", spool, kReads);
  auto rows = [&] { return pg_count(pg, "SELECT count(*) FROM records"); };
  wait_until([&] { return rows() >= 2; }, "the first rows");
  for (int n = 0; n < engines.nats_nodes(); ++n) engines.kill_nats(n);  // the cluster is gone
  wait_until([&] { return spooled(spool) >= 3; }, "reads spooled while cut off");
  const int64_t cut_off_rows = rows();
  for (int n = 0; n < engines.nats_nodes(); ++n) engines.restart_nats(n, false);
  engines.wait_for_jetstream();
  CHECK(gate.wait_done() == 0);
  wait_until([&] { return rows() >= kReads; }, "every record after reconnection");
  INFO("rows when cut off: " << cut_off_rows);
  CHECK(cut_off_rows < kReads);
  check_exactly_once(pg, 1, kReads);
  CHECK(spooled(spool) == 0);
  // In order: the stream holds them in the order the gate read them.
  const auto order = pg_rows(pg, "SELECT counter FROM records ORDER BY stream_seq");
  for (size_t i = 1; i < order.size(); ++i) CHECK(std::stoll(order[i - 1]) < std::stoll(order[i]));
  (void)ingest.stop();
}

TEST_CASE(
    "a gate started while the cluster is away reads, and its records arrive once it is back") {
  TempDir dir("idr-fleet-test");
  FleetEngines engines;
  const std::string pg = engines.postgres_conninfo();
  REQUIRE(idr::fleet::ensure_record_stream(servers(engines), 3));
  for (int n = 0; n < engines.nats_nodes(); ++n) engines.kill_nats(n);  // away before the start
  // 16 presentations of 2.5 s: the gate is still reading when the cluster is back, and
  // sends its spool then (what it cannot send by its last read stays for its next run).
  constexpr int kReads = 16;
  SimReader sim(write_gate_scenario(dir.path, 8, 2, 8));
  const std::string spool = dir.path + "/spool.db";
  Gate gate(sim, engines, "hainan.gate-2", spool, kReads);
  // Reads are made and spooled with no server answering: the gate's connection to the
  // cluster is made in the background, never in the way of reading (DESIGN 13).
  wait_until([&] { return spooled(spool) >= 2; }, "reads spooled by a gate started cut off");
  for (int n = 0; n < engines.nats_nodes(); ++n) engines.restart_nats(n, false);
  engines.wait_for_jetstream();
  Ingest ingest(engines, {sim.trust});
  CHECK(gate.wait_done() == 0);
  auto rows = [&] { return pg_count(pg, "SELECT count(*) FROM records"); };
  wait_until([&] { return rows() >= kReads; }, "every record after the cluster came back");
  check_exactly_once(pg, 1, kReads);
  CHECK(spooled(spool) == 0);
  const auto order = pg_rows(pg, "SELECT counter FROM records ORDER BY stream_seq");
  for (size_t i = 1; i < order.size(); ++i) CHECK(std::stoll(order[i - 1]) < std::stoll(order[i]));
  (void)ingest.stop();
}

TEST_CASE("the ingester stores a record once and keeps what does not verify out of records") {
  FleetFixture f;
  const std::string& pg = f.pg;
  const FleetEngines& engines = f.engines;
  const int64_t now = f.readers.now;
  const auto other = idr::test::make_pki("Other", now - 86400, now + 86400 * 30);
  idr::test::DeviceKey stranger;
  const auto stranger_chain =
      idr::test::reader_chain(other, stranger, now - 86400, now + 86400 * 30);
  const idr::test::DeviceKey& key = f.readers.one;
  const auto& chain = f.readers.chain_one;
  auto record = [&](const idr::test::DeviceKey& k, const std::vector<idr::Bytes>& c,
                    uint64_t counter, const std::u16string& name) {
    idr::test::RecordSpec spec;
    spec.counter = counter;
    idr::test::ResidentCard card;
    card.name = name;
    spec.fields = idr::test::resident_fields(card);
    return idr::test::make_record(k, c, spec).file;
  };
  Ingest ingest(engines, {f.readers.root});
  const std::string subject = "idr.rec.hebei.gate-3";
  const idr::Bytes first = record(key, chain, 1, u"张三丰");
  publish_raw(engines, subject, first, "a");
  publish_raw(engines, subject, first, "b");  // the same record again, past JetStream's dedup
  publish_raw(engines, subject, record(key, chain, 1, u"李四"), "c");  // counter 1 re-signed
  publish_raw(engines, subject, record(key, chain, 2, u"张三丰"), "d");
  publish_raw(engines, subject, record(stranger, stranger_chain, 1, u"张三丰"), "e");  // untrusted
  publish_raw(engines, subject, idr::test::flip_bit(record(key, chain, 3, u"张三丰"), 200), "f");
  publish_raw(engines, "idr.rec.nosite", record(key, chain, 4, u"张三丰"), "g");
  wait_until(
      [&] {
        return pg_count(pg, "SELECT count(*) FROM records") + pg_count(pg,
                                                                       "SELECT count(*) FROM "
                                                                       "rejected_records") >=
               6;
      },
      "every message taken");
  const std::string figures = ingest.stop();
  CHECK(figures.rfind("stored 2; duplicates 1; rejected 4;", 0) == 0);
  CHECK(pg_rows(pg, "SELECT counter, name FROM records ORDER BY counter") ==
        std::vector<std::string>{"1|张三丰", "2|张三丰"});
  const auto reasons = pg_rows(pg, "SELECT reason FROM rejected_records ORDER BY stream_seq");
  REQUIRE(reasons.size() == 4);
  CHECK(reasons[0].find("repeated with another signed payload") != std::string::npos);
  CHECK(reasons[1].rfind("chain: ", 0) == 0);
  CHECK(reasons[2].find("not verified") == std::string::npos);  // a named check failed
  CHECK(reasons[3] == "subject is not idr.rec.<province>.<site>");
  CHECK(pg_value(pg, "SELECT last_counter FROM reader_counters") == "2");
}

// What is kept in rejected_records is kept once per message bytes: the same bytes published
// again past JetStream's duplicate window (another message id), or delivered again to an
// ingester that had committed them without acknowledging (here: a second durable consumer,
// which is delivered the whole stream again), add no row and raise nothing again.
TEST_CASE("a rejected record delivered again is kept once in rejected_records") {
  FleetFixture f;
  const std::string& pg = f.pg;
  auto record = [&](uint64_t counter, const std::u16string& name) {
    return f.readers.sign_named(1, counter, name);
  };
  const std::string subject = "idr.rec.hebei.gate-3";
  const idr::Bytes bad = idr::test::flip_bit(record(1, u"张三丰"), 200);  // does not verify
  const idr::Bytes clone = record(2, u"李四");  // counter 2 signed again with other content
  Ingest ingest(f.engines, {f.readers.root});
  publish_raw(f.engines, subject, bad, "bad");
  publish_raw(f.engines, subject, bad, "bad-again");
  publish_raw(f.engines, subject, record(2, u"张三丰"), "genuine");
  publish_raw(f.engines, subject, clone, "clone");
  publish_raw(f.engines, subject, clone, "clone-again");
  wait_until([&] { return all_acknowledged(f.engines); }, "every message acknowledged");
  std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 1; duplicates 2; rejected 2; alerts 2;", 0) == 0);
  // The first of each: the record that does not verify, the clone's first delivery.
  auto rejected = [&] {
    return pg_rows(pg, "SELECT stream_seq, reason FROM rejected_records ORDER BY stream_seq");
  };
  const auto first = rejected();
  REQUIRE(first.size() == 2);
  CHECK(first[0].rfind("1|", 0) == 0);
  CHECK(first[1] ==
        "4|counter 2 of " + f.readers.one.serial() + " repeated with another signed payload");
  CHECK(pg_count(
            pg, "SELECT count(*) FROM rejected_records WHERE signed_sha256 = sha256(signed)") == 2);
  // The clone's, once each: cloned-reader, and id-other-holder (another name).
  CHECK(pg_count(pg, "SELECT count(*) FROM alerts") == 2);
  // Delivered again, message by message: every one is recognised.
  Ingest again(f.engines, {f.readers.root}, 2, {"--durable", "again"});
  wait_until([&] { return all_acknowledged(f.engines, "again"); }, "every message again");
  figures = again.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 0; duplicates 5; rejected 0; alerts 0;", 0) == 0);
  CHECK(rejected() == first);
  CHECK(pg_count(pg, "SELECT count(*) FROM records") == 1);
  CHECK(pg_count(pg, "SELECT count(*) FROM alerts") == 2);
}

// A clone's record first rejected for a reason outside its bytes (here a malformed subject)
// and sent again where it verifies is not kept a second time, but the rules still see it: a
// clone cannot evade the cloned-reader alert by being rejected once first.
TEST_CASE("a clone's bytes rejected once for their subject still raise cloned-reader once") {
  FleetFixture f;
  const std::string& pg = f.pg;
  auto record = [&](uint64_t counter, const std::u16string& name) {
    return f.readers.sign_named(1, counter, name);
  };
  const idr::Bytes clone = record(2, u"李四");  // counter 2 signed again with other content
  Ingest ingest(f.engines, {f.readers.root});
  publish_raw(f.engines, "idr.rec.hebei.gate-3", record(2, u"张三丰"), "genuine");
  publish_raw(f.engines, "idr.rec.a.b.c", clone, "clone-bad-subject");
  publish_raw(f.engines, "idr.rec.hebei.gate-3", clone, "clone");
  publish_raw(f.engines, "idr.rec.hebei.gate-4", clone, "clone-again");
  wait_until([&] { return all_acknowledged(f.engines); }, "every message acknowledged");
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 1; duplicates 2; rejected 1; alerts 2;", 0) == 0);
  CHECK(pg_rows(pg, "SELECT reason FROM rejected_records") ==
        std::vector<std::string>{"subject is not idr.rec.<province>.<site>"});
  CHECK(pg_rows(pg, "SELECT kind, counter FROM alerts ORDER BY kind") ==
        std::vector<std::string>{"cloned-reader|2", "id-other-holder|2"});
}

// A database an older idr-ingest created has rejected_records without signed_sha256 (and may
// keep the same bytes twice): the schema is upgraded at open (the column filled, the first of
// each message kept, then unique), and rejects are kept again.
TEST_CASE("idr-ingest upgrades an older rejected_records and keeps rejects in it") {
  FleetFixture f;
  const std::string& pg = f.pg;
  (void)pg_rows(pg,
                "CREATE TABLE rejected_records(id bigserial PRIMARY KEY, received_at timestamptz "
                "NOT NULL DEFAULT now(), subject text NOT NULL, stream_seq bigint NOT NULL, "
                "reason text NOT NULL, signed bytea NOT NULL); INSERT INTO rejected_records("
                "subject, stream_seq, reason, signed) VALUES ('s', 1, 'first', '\\x01'), "
                "('s', 2, 'again', '\\x01'), ('s', 3, 'other', '\\x02'); SELECT 1");
  idr::test::RecordSpec spec;
  spec.counter = 1;
  spec.fields = idr::test::resident_fields(idr::test::ResidentCard{});
  Ingest ingest(f.engines, {f.readers.root});
  publish_raw(f.engines, "idr.rec.a.b.c", f.readers.sign(1, spec), "bad-subject");
  wait_until([&] { return all_acknowledged(f.engines); }, "the reject acknowledged");
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 0; duplicates 0; rejected 1;", 0) == 0);
  CHECK(
      pg_rows(pg, "SELECT stream_seq, reason FROM rejected_records ORDER BY id") ==
      std::vector<std::string>{"1|first", "3|other", "1|subject is not idr.rec.<province>.<site>"});
  CHECK(pg_count(
            pg, "SELECT count(*) FROM rejected_records WHERE signed_sha256 = sha256(signed)") == 3);
}

// A record PostgreSQL refuses for its data (here a CHECK an operator added) fails its whole
// batch's transaction, and would on every retry: the batch is stored again record by record,
// the refused one rejected with PostgreSQL's reason (kept once), the others stored.
TEST_CASE("a record PostgreSQL refuses is rejected alone and the rest of its batch is stored") {
  FleetFixture f;
  const std::string& pg = f.pg;
  auto record = [&](uint64_t counter, const std::u16string& name) {
    return f.readers.sign_named(1, counter, name);
  };
  {
    Ingest schema(f.engines, {f.readers.root});  // creates the tables
    (void)schema.stop();
  }
  (void)pg_rows(pg,
                "ALTER TABLE records ADD CONSTRAINT no_refused_name CHECK (name <> '李四'); "
                "SELECT 1");
  const std::string subject = "idr.rec.hebei.gate-3";
  const idr::Bytes refused = record(2, u"李四");
  publish_raw(f.engines, subject, record(1, u"张三丰"), "m1");
  publish_raw(f.engines, subject, refused, "m2");
  publish_raw(f.engines, subject, record(3, u"张三丰"), "m3");
  // One reader's records go to one worker, taken in one fetch: the three are one batch.
  Ingest ingest(f.engines, {f.readers.root});
  wait_until([&] { return all_acknowledged(f.engines); }, "the batch acknowledged");
  publish_raw(f.engines, subject, refused, "m2-again");  // refused again: kept once
  wait_until([&] { return all_acknowledged(f.engines); }, "the repeat acknowledged");
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 2; duplicates 1; rejected 1;", 0) == 0);
  CHECK(pg_rows(pg, "SELECT counter FROM records ORDER BY counter") ==
        std::vector<std::string>{"1", "3"});
  CHECK(pg_rows(pg, "SELECT stream_seq, reason FROM rejected_records") ==
        std::vector<std::string>{
            "2|PostgreSQL refused the record: 23514 new row for relation "
            "\"records_" +
            pg_value(pg, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')") +
            "\" violates check constraint \"no_refused_name\""});
  CHECK(pg_value(pg, "SELECT last_counter FROM reader_counters") == "3");
}

// The ingester remembers which day partitions of records it made. One dropped behind its back
// (an operator's retention job) makes PostgreSQL refuse the next records with 23514 "no
// partition of relation records found for row", which is not their fault: the partition is
// made again and the records stored, none rejected.
TEST_CASE("a day partition dropped behind the ingester is made again and its records stored") {
  FleetFixture f;
  const std::string& pg = f.pg;
  const std::string subject = "idr.rec.hebei.gate-3";
  Ingest ingest(f.engines, {f.readers.root});
  publish_raw(f.engines, subject, f.readers.sign_named(1, 1, u"张三丰"), "m1");
  wait_until([&] { return all_acknowledged(f.engines); }, "the first record stored");
  // The day's partition, made and remembered by the worker of reader 1, dropped.
  const auto partitions = pg_rows(
      pg, "SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'records'::regclass");
  REQUIRE(partitions.size() == 1);
  (void)pg_rows(pg, "DROP TABLE " + partitions[0] + "; SELECT 1");
  publish_raw(f.engines, subject, f.readers.sign_named(1, 2, u"张三丰"), "m2");
  publish_raw(f.engines, subject, f.readers.sign_named(1, 3, u"张三丰"), "m3");
  wait_until([&] { return all_acknowledged(f.engines); }, "the later records taken");
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 3; duplicates 0; rejected 0;", 0) == 0);
  CHECK(pg_rows(pg, "SELECT reason FROM rejected_records").empty());
  CHECK(pg_rows(pg, "SELECT counter FROM records ORDER BY counter") ==
        std::vector<std::string>{"2", "3"});
}

// The detections refusing a read for its data (here a trigger an operator added on one of the
// rules' tables) fail the batch's transaction: the batch is stored again one record per
// transaction. A record refused alone only for a moment (the trigger's first two calls for
// counter 3) is stored after a retry; one refused every time (counter 2) is rejected with
// PostgreSQL's SQLSTATE and message (pg_refusal); the others are stored.
TEST_CASE(
    "a record the detections refuse for a moment is stored, one refused every time rejected") {
  FleetFixture f;
  const std::string& pg = f.pg;
  {
    Ingest schema(f.engines, {f.readers.root});  // creates the tables
    (void)schema.stop();
  }
  (void)pg_rows(pg,
                "CREATE SEQUENCE refusals; CREATE FUNCTION refuse_read() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN IF NEW.counter = 2 OR (NEW.counter = 3 AND "
                "nextval('refusals') <= 2) THEN RAISE EXCEPTION 'the rules refuse counter %', "
                "NEW.counter USING ERRCODE = '22023'; END IF; RETURN NEW; END $$; "
                "CREATE TRIGGER refuse BEFORE INSERT ON detect_reader_reads FOR EACH ROW "
                "EXECUTE FUNCTION refuse_read(); SELECT 1");
  const std::string subject = "idr.rec.hebei.gate-3";
  for (uint64_t counter = 1; counter <= 3; ++counter)
    publish_raw(f.engines, subject, f.readers.sign_named(1, counter, u"张三丰"),
                "m" + std::to_string(counter));
  Ingest ingest(f.engines, {f.readers.root});
  wait_until([&] { return all_acknowledged(f.engines); }, "the batch acknowledged");
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 2; duplicates 0; rejected 1;", 0) == 0);
  CHECK(pg_rows(pg, "SELECT counter FROM records ORDER BY counter") ==
        std::vector<std::string>{"1", "3"});
  CHECK(pg_rows(pg, "SELECT stream_seq, reason FROM rejected_records") ==
        std::vector<std::string>{
            "2|PostgreSQL refused the record: 22023 the rules refuse counter 2"});
  CHECK(pg_value(pg, "SELECT nextval('refusals')") == "4");  // counter 3 refused twice only
}

// The batch store decides per record what the per-record statements decided: a counter above
// every earlier one of its reader (stored or earlier in the same batch) advances, one below is
// stored flagged, a repeat is recognised within one batch as across batches. One record per
// transaction (batch 1) and whole batches give the same rows.
TEST_CASE("a reader's counters taken out of order are stored once each, flagged in order") {
  const int batch = GENERATE(1, 64);
  INFO("batch " << batch);
  FleetFixture f;
  const std::string& pg = f.pg;
  const FleetEngines& engines = f.engines;
  const idr::test::DeviceKey &one = f.readers.one, &two = f.readers.two;
  auto record = [&](int reader, uint64_t counter, const std::u16string& name,
                    uint64_t time = static_cast<uint64_t>(idr::test::kNow)) {
    return f.readers.sign_named(reader, counter, name, time);
  };
  std::string why;
  REQUIRE(idr::fleet::ensure_record_stream(servers(engines), 3, std::chrono::seconds(30), &why));
  const std::string subject = "idr.rec.hebei.gate-3";
  const idr::Bytes three = record(1, 3, u"张三丰");
  // Published before the ingester starts, each with its own message id (past JetStream's
  // dedup): it takes them in large batches (batch 64) or one by one (batch 1).
  const std::vector<idr::Bytes> order{three,
                                      record(2, 7, u"张三丰"),
                                      record(1, 1, u"张三丰"),
                                      three,
                                      record(1, 5, u"张三丰"),
                                      record(2, 6, u"张三丰"),
                                      record(1, 2, u"张三丰"),
                                      record(1, 5, u"李四"),
                                      record(1, 9, u"张三丰", UINT64_MAX),
                                      record(1, 4, u"张三丰"),
                                      record(2, 8, u"张三丰")};
  for (size_t i = 0; i < order.size(); ++i)
    publish_raw(engines, subject, order[i], "m" + std::to_string(i));
  Ingest ingest(engines, {f.readers.root}, 2, {"--batch", std::to_string(batch)});
  wait_until(
      [&] {
        return pg_count(pg, "SELECT count(*) FROM records") +
                   pg_count(pg, "SELECT count(*) FROM rejected_records") >=
               static_cast<int64_t>(order.size()) - 1;  // the repeat of 3 adds no row
      },
      "every message taken");
  CHECK(ingest.stop().rfind("stored 8; duplicates 1; rejected 2;", 0) == 0);
  CHECK(pg_rows(pg, "SELECT counter, counter_advanced FROM records WHERE reader_serial = '" +
                        one.serial() + "' ORDER BY stream_seq") ==
        std::vector<std::string>{"3|t", "1|f", "5|t", "2|f", "4|f"});
  CHECK(pg_rows(pg, "SELECT counter, counter_advanced FROM records WHERE reader_serial = '" +
                        two.serial() + "' ORDER BY stream_seq") ==
        std::vector<std::string>{"7|t", "6|f", "8|t"});
  CHECK(pg_rows(pg, "SELECT reader_serial = '" + one.serial() +
                        "', last_counter FROM reader_counters ORDER BY 2") ==
        std::vector<std::string>{"t|5", "f|8"});
  // A reader time PostgreSQL cannot hold is rejected; it holds back none of its batch.
  CHECK(pg_rows(pg, "SELECT reason FROM rejected_records ORDER BY stream_seq") ==
        std::vector<std::string>{
            "counter 5 of " + one.serial() + " repeated with another signed payload",
            "reader time out of range"});
  // Each record's id in record_keys is its row's.
  CHECK(pg_count(pg,
                 "SELECT count(*) FROM records r JOIN record_keys k ON k.record_id = r.id "
                 "AND k.reader_serial = r.reader_serial AND k.counter = r.counter") == 8);
}

// Messages held longer than the ack wait (3 s here) while PostgreSQL cannot take them (a lock
// another session holds) are kept in progress: JetStream delivers none of them again, so none
// comes back as a duplicate.
TEST_CASE("records held past the ack wait while the store is blocked are not delivered again") {
  FleetFixture f;
  const std::string& pg = f.pg;
  const FleetEngines& engines = f.engines;
  Ingest ingest(engines, {f.readers.root});
  PGconn* locker = PQconnectdb(pg.c_str());
  REQUIRE(PQstatus(locker) == CONNECTION_OK);
  PQclear(PQexec(locker, "BEGIN"));
  PGresult* locked = PQexec(locker, "LOCK TABLE record_keys IN ACCESS EXCLUSIVE MODE");
  REQUIRE(PQresultStatus(locked) == PGRES_COMMAND_OK);
  PQclear(locked);
  for (uint64_t counter = 1; counter <= 3; ++counter) {
    idr::test::RecordSpec spec;
    spec.counter = counter;
    spec.fields = idr::test::resident_fields(idr::test::ResidentCard{});
    publish_raw(engines, "idr.rec.hebei.gate-3", f.readers.sign(1, spec),
                "held-" + std::to_string(counter));
  }
  wait_until([&] { return pg_count(pg, "SELECT count(*) FROM pg_locks WHERE NOT granted") > 0; },
             "the ingester waiting for the lock");
  // Three ack waits with the records held: JetStream would have delivered them again twice.
  std::this_thread::sleep_for(std::chrono::seconds(9));
  PQclear(PQexec(locker, "COMMIT"));
  PQfinish(locker);
  wait_until([&] { return pg_count(pg, "SELECT count(*) FROM records") >= 3; }, "the records");
  CHECK(ingest.stop().rfind("stored 3; duplicates 0; rejected 0;", 0) == 0);
}

// The consumer's state is disposable (DESIGN 13): where to resume is the claims committed in
// PostgreSQL with the records. A consumer deleted under the running ingester is made again
// above what it delivered; a restarted ingester makes it again from the claims; a second
// ingester on the same durable is refused while the first holds it.
TEST_CASE("the ingester's consumer is made again from PostgreSQL's claims and nothing is lost") {
  FleetFixture f;
  const std::string& pg = f.pg;
  const std::string subject = "idr.rec.hebei.gate-3";
  auto publish = [&](uint64_t from, uint64_t to) {
    for (uint64_t counter = from; counter <= to; ++counter)
      publish_raw(f.engines, subject, f.readers.sign_named(1, counter, u"张三丰"),
                  "c" + std::to_string(counter));
  };
  auto rows = [&] { return pg_count(pg, "SELECT count(*) FROM records"); };
  auto claim = [&] {
    return pg_value(pg, "SELECT max(low_seq) FROM ingest_progress WHERE durable = 'idr-ingest'");
  };
  auto ingest = std::make_unique<Ingest>(f.engines, std::vector<std::string>{f.readers.root});
  publish(1, 3);
  wait_until([&] { return rows() == 3 && all_acknowledged(f.engines); }, "the first records");
  CHECK(claim() == "3");

  // Another ingester on the durable: refused, saying why.
  TempDir dir("idr-fleet-test");
  const std::string err = dir.path + "/stderr";
  idr::tool::SpawnOptions o;
  o.stderr_file = err;
  idr::tool::ChildProcess second(
      {IDR_INGEST_EXE, "--nats", f.engines.nats_urls(), "--pg", pg, "--trust", f.readers.root}, o);
  CHECK(second.wait() == 2);
  std::ifstream in(err);
  const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(said.find("durable idr-ingest is in use by another idr-ingest") != std::string::npos);

  // The consumer deleted under the running ingester: made again, the next records arrive.
  {
    auto link = idr::fleet::JetStream::connect(servers(f.engines), idr::fleet::NatsConnect{});
    REQUIRE(link);
    REQUIRE(js_DeleteConsumer(link->js(), idr::fleet::kRecordStream,
                              ingest_consumer(f.engines).c_str(), nullptr, nullptr) == NATS_OK);
  }
  publish(4, 6);
  wait_until([&] { return rows() == 6 && all_acknowledged(f.engines); }, "records after deletion");
  CHECK(ingest->stop().rfind("stored 6; duplicates 0; rejected 0;", 0) == 0);
  CHECK(claim() == "6");

  // Published while no ingester runs: the next one resumes above the claim.
  publish(7, 8);
  ingest = std::make_unique<Ingest>(f.engines, std::vector<std::string>{f.readers.root});
  wait_until([&] { return rows() == 8 && all_acknowledged(f.engines); }, "records after restart");
  CHECK(ingest->stop().rfind("stored 2; duplicates 0; rejected 0;", 0) == 0);
  CHECK(claim() == "8");
  CHECK(pg_count(pg, "SELECT count(DISTINCT counter) FROM records") == 8);
}

// The consumer lives in memory on one node: killed with that node, it is made again on
// another from what the ingester holds, and the node's return loses nothing and stores
// nothing twice (DESIGN 13; a record delivered again then is recognised).
TEST_CASE("the ingester's consumer lost with its node is made again on another") {
  FleetFixture f;
  const std::string& pg = f.pg;
  auto publish = [&](uint64_t from, uint64_t to) {
    for (uint64_t counter = from; counter <= to; ++counter)
      publish_raw(f.engines, "idr.rec.hebei.gate-3", f.readers.sign_named(1, counter, u"张三丰"),
                  "c" + std::to_string(counter));
  };
  auto rows = [&] { return pg_count(pg, "SELECT count(*) FROM records"); };
  Ingest ingest(f.engines, {f.readers.root});
  publish(1, 3);
  wait_until([&] { return rows() == 3 && all_acknowledged(f.engines); }, "the first records");
  int node = -1;  // the consumer's (its one replica's) node: n1..n3
  {
    auto link = idr::fleet::JetStream::connect(servers(f.engines), idr::fleet::NatsConnect{});
    REQUIRE(link);
    const std::string consumer = ingest_consumer(f.engines);
    jsConsumerInfo* ci = nullptr;
    REQUIRE(js_GetConsumerInfo(&ci, link->js(), idr::fleet::kRecordStream, consumer.c_str(),
                               nullptr, nullptr) == NATS_OK);
    if (ci->Cluster && ci->Cluster->Leader && ci->Cluster->Leader[0] == 'n')
      node = std::atoi(ci->Cluster->Leader + 1) - 1;
    jsConsumerInfo_Destroy(ci);
  }
  REQUIRE(node >= 0);
  REQUIRE(node < f.engines.nats_nodes());
  f.engines.kill_nats(node);
  publish(4, 6);
  wait_until([&] { return rows() == 6; }, "records with the consumer's node down");
  f.engines.restart_nats(node);
  publish(7, 8);
  wait_until([&] { return rows() == 8 && all_acknowledged(f.engines); },
             "records after its return");
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 8; duplicates ", 0) == 0);
  CHECK(figures.find("; rejected 0;") != std::string::npos);
  CHECK(pg_count(pg, "SELECT count(DISTINCT counter) FROM records") == 8);
}

TEST_CASE("idr-ingest raises each detection's alert once with its record and publishes it") {
  FleetFixture f;
  const std::string& pg = f.pg;
  const FleetEngines& engines = f.engines;
  const TempDir& dir = f.dir;
  // Two readers; the planted cards (planted_cases.h) with chip UIDs of their own.
  const idr::test::DeviceKey &k1 = f.readers.one, &k2 = f.readers.two;
  const auto s = idr::testing::planted_scenario();
  auto record = [&](int reader, uint64_t counter, const idr::testing::PlantedCard& card) {
    idr::test::RecordSpec spec;
    spec.counter = counter;
    spec.uid = planted_uid(card);
    spec.fields = idr::test::resident_fields(resident(card));
    return f.readers.sign(reader, spec);
  };
  std::ofstream(dir.path + "/lost.csv") << s.lost_stolen_csv;
  std::string why;
  REQUIRE(idr::build_blocklist(dir.path + "/lost.csv", dir.path + "/lost.idrbl", &why));
  Ingest ingest(engines, {f.readers.root}, 2,
                {"--list", "lost-stolen=" + dir.path + "/lost.idrbl", "--site",
                 "hebei.gate-3=38.04,114.51", "--site", "xinjiang.exit-1=43.83,87.62"});
  // One at a time, each taken before the next: the rules see them in this order (all read at
  // the test signer's one time, so two sites apart is impossible travel).
  int64_t taken = 0;
  auto send = [&](const std::string& site, const idr::Bytes& file, const std::string& id,
                  bool counted = true) {
    publish_raw(engines, "idr.rec." + site, file, id);
    if (!counted) return;
    ++taken;
    wait_until(
        [&] {
          return pg_count(pg, "SELECT count(*) FROM records") +
                     pg_count(pg, "SELECT count(*) FROM rejected_records") >=
                 taken;
        },
        "message " + id + " taken");
  };
  const idr::Bytes first = record(1, 1, s.clean[0]);
  const idr::Bytes listed = record(2, 2, s.listed);
  send("hebei.gate-3", first, "a");                         // clean
  send("hebei.gate-3", first, "a-again", false);            // redelivered: no rule runs
  const idr::Bytes clone = record(1, 1, s.clean[1]);        // counter 1, other content
  send("hebei.gate-3", clone, "b");                         // cloned-reader
  send("hebei.gate-3", record(2, 1, s.other_holder), "c");  // id-other-holder
  send("hebei.gate-3", listed, "d");                        // listed-lost-stolen
  send("hebei.gate-3", record(2, 3, s.replacement), "e");   // replacement: clean
  send("xinjiang.exit-1", record(2, 4, s.clean[0]), "f");   // impossible-travel
  idr::testing::PlantedCard chip = s.clean[2];
  chip.chip_uid = s.clean[3].chip_uid;
  send("xinjiang.exit-1", record(1, 2, s.clean[3]), "g");  // clean
  send("xinjiang.exit-1", record(1, 3, chip), "h");        // uid-other-id
  // Each again (the clone's under a new message id too): nothing raised twice.
  // The clone's record is kept once in rejected_records: its repeat is a duplicate.
  send("hebei.gate-3", listed, "d-again", false);
  send("hebei.gate-3", clone, "b-again", false);
  wait_until([&] { return all_acknowledged(engines); }, "every message acknowledged");
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(figures.rfind("stored 7; duplicates 3; rejected 1; alerts 5;", 0) == 0);
  CHECK(
      pg_rows(pg, "SELECT kind, reader_serial, counter, id_number FROM alerts ORDER BY id") ==
      std::vector<std::string>{"cloned-reader|" + k1.serial() + "|1|" + s.clean[1].id_number,
                               "id-other-holder|" + k2.serial() + "|1|" + s.other_holder.id_number,
                               "listed-lost-stolen|" + k2.serial() + "|2|" + s.listed.id_number,
                               "impossible-travel|" + k2.serial() + "|4|" + s.clean[0].id_number,
                               "uid-other-id|" + k1.serial() + "|3|" + chip.id_number});
  CHECK(pg_value(pg, "SELECT detail FROM alerts WHERE kind = 'impossible-travel'")
            .find("hebei.gate-3 and xinjiang.exit-1") != std::string::npos);
  // Every alert published on alerts.KIND once the ingester stopped.
  CHECK(pg_count(pg, "SELECT count(*) FROM alerts WHERE NOT published") == 0);
  auto link = idr::fleet::JetStream::connect(engines.nats_urls(), 10000, &why);
  INFO(why);
  REQUIRE(link);
  for (const char* kind : {"cloned-reader", "id-other-holder", "listed-lost-stolen",
                           "impossible-travel", "uid-other-id"}) {
    auto msg =
        link->next_on_subject(idr::fleet::kAlertStream, std::string("alerts.") + kind, 1, &why);
    INFO(kind << ": " << why);
    REQUIRE(msg);
    const std::string body(natsMsg_GetData(msg->get()), natsMsg_GetDataLength(msg->get()));
    CHECK(body.find(std::string("\"kind\":\"") + kind + "\"") != std::string::npos);
  }
}

// idr-ingest --follow: the lists the detections check follow the authority's publications
// the way a gate's do (list distribution, DESIGN 13), without a restart.
TEST_CASE(
    "idr-ingest follows a published list: an update reaches the detections, a forged one changes "
    "nothing") {
  FleetFixture f;
  const auto s = idr::testing::planted_scenario();
  auto line = [](const idr::testing::PlantedCard& c) { return c.id_number + "," + c.valid_from; };
  Authority authority;
  std::string why;
  auto link = idr::fleet::JetStream::connect(f.engines.nats_urls(), 10000, &why);
  INFO(why);
  REQUIRE(link);
  (void)publish(*link, authority, authority.list({line(s.listed)}), true, 3);
  const std::string lists = f.dir.path + "/lists";
  REQUIRE(::mkdir(lists.c_str(), 0700) == 0);
  Ingest ingest(f.engines, {f.readers.root}, 2,
                {"--follow", "lost-stolen", "--authority", authority.public_key(), "--lists-dir",
                 lists, "--gate", "ingest-1"});
  CHECK(report_of(*link, "ingest-1").rfind("version 1\n", 0) == 0);  // taken at start
  uint64_t counter = 0;
  auto read = [&](const idr::testing::PlantedCard& card) {
    idr::test::RecordSpec spec;
    spec.counter = ++counter;
    spec.uid = planted_uid(card);
    spec.fields = idr::test::resident_fields(resident(card));
    publish_raw(f.engines, "idr.rec.hebei.gate-3", f.readers.sign(1, spec),
                "read-" + std::to_string(counter));
    wait_until([&] { return all_acknowledged(f.engines); }, "read " + std::to_string(counter));
  };
  read(s.listed);    // 1: on version 1
  read(s.clean[0]);  // 2: not listed yet
  const auto v2 = publish(*link, authority, authority.delta({line(s.clean[0])}), false, 3);
  wait_until([&] { return report_of(*link, "ingest-1").rfind("version 2\n", 0) == 0; },
             "version 2 applied by the ingester");
  read(s.clean[0]);  // 3: listed by version 2
  // An attacker with the cluster but not the authority's key lists another card.
  publish_forged(*link, v2, authority.delta({line(s.clean[1])}));
  wait_until(
      [&] {
        return report_of(*link, "ingest-1")
                   .find("error version pointer of lost-stolen: signature does not verify") !=
               std::string::npos;
      },
      "the forged version refused");
  read(s.clean[1]);  // 4: not listed (the forgery is refused)
  read(s.clean[0]);  // 5: still listed (version 2 stays in force)
  const std::string figures = ingest.stop();
  INFO(figures);
  CHECK(pg_rows(f.pg,
                "SELECT counter, id_number FROM alerts WHERE kind = 'listed-lost-stolen' "
                "ORDER BY counter") == std::vector<std::string>{"1|" + s.listed.id_number,
                                                                "3|" + s.clean[0].id_number,
                                                                "5|" + s.clean[0].id_number});
  auto state = idr::fleet::read_gate_state(lists, "lost-stolen", &why);
  REQUIRE(state);
  CHECK(state->version == 2);
  CHECK(state->list_sha256 == v2.list_sha256);
}

// The version in force in --lists-dir (state and list file agreeing) cannot be loaded at
// start: idr-ingest does not start, rather than report a version its detections do not use.
TEST_CASE("idr-ingest --follow refuses to start when the list in force cannot be loaded") {
  FleetFixture f;
  Authority authority;
  const std::string lists = f.dir.path + "/lists";
  REQUIRE(::mkdir(lists.c_str(), 0700) == 0);
  const std::string garbage = "not a list file, yet the state's SHA-256 names it";
  std::ofstream(lists + "/lost-stolen.idrbl") << garbage;
  std::ofstream(lists + "/lost-stolen.state")
      << "version 3\nlist-sha256 " << idr::fleet::sha256_hex(garbage.data(), garbage.size())
      << "\nmanifest-seq 0\n";
  const std::string err = f.dir.path + "/stderr";
  idr::tool::SpawnOptions o;
  o.capture_stdout = true;
  o.stderr_file = err;
  idr::tool::ChildProcess p(
      {IDR_INGEST_EXE, "--nats", f.engines.nats_urls(), "--pg", f.pg, "--trust", f.readers.root,
       "--follow", "lost-stolen", "--authority", authority.public_key(), "--lists-dir", lists},
      o);
  const std::string out = p.read_all(kBound);
  CHECK(out.find("idr-ingest: ready") == std::string::npos);
  CHECK(p.wait() == 2);
  std::ifstream in(err);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  INFO(text);
  CHECK(text.find("list lost-stolen: version 3 in force in " + lists + " but not loaded: ") !=
        std::string::npos);
}

TEST_CASE(
    "a record forged with the genuine message id first does not get the genuine one dropped") {
  FleetFixture f;
  const std::string& pg = f.pg;
  const FleetEngines& engines = f.engines;
  const TempDir& dir = f.dir;
  const idr::test::DeviceKey& key = f.readers.one;
  idr::test::RecordSpec spec;
  spec.counter = 5;
  spec.fields = idr::test::resident_fields(idr::test::ResidentCard{});
  const idr::Bytes genuine = f.readers.sign(1, spec);
  Ingest ingest(engines, {f.readers.root});
  const std::string subject = "idr.rec.hebei.gate-3";
  // The attacker knows the reader's serial and next counter, not the record's bytes: it
  // sends something else under "SERIAL:5" and under the genuine id's own prefix.
  const idr::Bytes forged = idr::test::flip_bit(genuine, 200);
  const std::string prefix = key.serial() + ":5";
  publish_raw(engines, subject, forged, prefix);
  publish_raw(engines, subject, forged, prefix + ":" + std::string(64, '0'));
  wait_until([&] { return all_acknowledged(engines); }, "the forgeries taken");
  // The same forged bytes under two ids: kept once.
  CHECK(pg_count(pg, "SELECT count(*) FROM rejected_records") == 1);

  idr::fleet::PublisherOptions o;
  o.servers = servers(engines);
  o.site = {"hebei", "gate-3"};
  o.spool = dir.path + "/spool.db";
  auto pub = idr::fleet::Publisher::open(o);
  REQUIRE(pub);
  REQUIRE(pub->publish_record(genuine));
  wait_until([&] { return pub->spooled() && *pub->spooled() == 0; }, "the genuine record sent");
  wait_until([&] { return all_acknowledged(engines); }, "the genuine record taken");
  CHECK(pg_rows(pg, "SELECT reason FROM rejected_records WHERE stream_seq > 2").empty());
  CHECK(pg_rows(pg, "SELECT reader_serial, counter FROM records") ==
        std::vector<std::string>{key.serial() + "|5"});
  CHECK(pg_count(pg, "SELECT count(*) FROM rejected_records") == 1);
  // The ids differ for other bytes only: the same bytes get the same id.
  CHECK(idr::fleet::message_id(key.serial(), 5, genuine) ==
        idr::fleet::message_id(key.serial(), 5, genuine));
  CHECK(idr::fleet::message_id(key.serial(), 5, forged) !=
        idr::fleet::message_id(key.serial(), 5, genuine));
  (void)ingest.stop();
}

TEST_CASE("idr-ingest and idr watch --publish refuse bad options") {
  auto run = [](const std::vector<std::string>& argv) {
    idr::tool::SpawnOptions o;
    o.stderr_file = "/dev/null";
    idr::tool::ChildProcess p(argv, o);
    return p.wait();
  };
  CHECK(run({IDR_INGEST_EXE, "--nats", "http://x", "--pg", "host=/nonexistent", "--trust", "/x"}) ==
        64);
  CHECK(run({IDR_INGEST_EXE, "--nats", "nats://127.0.0.1:1", "--pg", "x", "--trust", "/x",
             "--workers", "0"}) == 64);
  CHECK(run({IDR_TOOL_EXE, "watch", "--publish", "nats://127.0.0.1:1", "--spool", "/tmp/x.db"}) ==
        1);  // no --site
  CHECK(run({IDR_TOOL_EXE, "watch", "--publish", "nats://127.0.0.1:1", "--site", "a b.c", "--spool",
             "/tmp/x.db"}) == 1);
}

TEST_CASE("idr-ingest refuses bad detection options, saying which and why") {
  TempDir dir("idr-fleet-test");
  const std::string err = dir.path + "/stderr";
  const FleetPki readers(dir.path);
  // Exit status and stderr of idr-ingest with these options after valid ones (no engine is
  // reached: every check comes before connecting).
  auto run = [&](const std::vector<std::string>& options) {
    std::vector<std::string> argv{IDR_INGEST_EXE,      "--nats",  "nats://127.0.0.1:1", "--pg",
                                  "host=/nonexistent", "--trust", readers.root};
    argv.insert(argv.end(), options.begin(), options.end());
    idr::tool::SpawnOptions o;
    o.stderr_file = err;
    idr::tool::ChildProcess p(argv, o);
    const int status = p.wait();
    std::ifstream in(err);
    return std::make_pair(status, std::string(std::istreambuf_iterator<char>(in), {}));
  };
  const auto s = idr::testing::planted_scenario();
  std::ofstream(dir.path + "/lost.csv") << s.lost_stolen_csv;
  std::ofstream(dir.path + "/not-a-list.idrbl") << "id_number,valid_from\n";
  std::string why;
  REQUIRE(idr::build_blocklist(dir.path + "/lost.csv", dir.path + "/lost.idrbl", &why));
  const std::string lost = "lost-stolen=" + dir.path + "/lost.idrbl";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--list", "lost-stolen"}, "--list lost-stolen: expected NAME=FILE"},
      {{"--list", "=" + dir.path + "/lost.idrbl"}, "expected NAME=FILE"},
      {{"--list", "Lost_Stolen=" + dir.path + "/lost.idrbl"}, "list name 'Lost_Stolen'"},
      {{"--list", lost, "--list", lost}, "list lost-stolen given twice"},
      {{"--list", "lost-stolen=" + dir.path + "/none.idrbl"}, "list lost-stolen ("},
      {{"--list", "lost-stolen=" + dir.path + "/not-a-list.idrbl"}, "list lost-stolen ("},
      {{"--site", "beijing.gate-1"}, "--site beijing.gate-1: expected PROVINCE.SITE=LAT,LON"},
      {{"--site", "beijing.gate-1=39.9"}, "expected PROVINCE.SITE=LAT,LON"},
      {{"--site", "beijing.gate-1=39.9,116x"}, "expected PROVINCE.SITE=LAT,LON"},
      {{"--site", "beijing.gate-1=nan,116"}, "expected PROVINCE.SITE=LAT,LON"},
      {{"--site", "gate-1=39.9,116.4"}, "site 'gate-1': PROVINCE.SITE"},
      {{"--site", "beijing.gate 1=39.9,116.4"}, "site 'beijing.gate 1': PROVINCE.SITE"},
      {{"--site", "beijing.gate-1=91,116.4"}, "site beijing.gate-1: latitude -90..90"},
      {{"--site", "beijing.gate-1=39.9,-181"}, "longitude -180..180"},
      {{"--site", "a.b=1,2", "--site", "a.b=3,4"}, "site a.b given twice"},
      {{"--follow", "lost-stolen"}, "following lists needs the authority's public key"},
      // The list-following options alone would be ignored: refused (CLI11's needs).
      {{"--authority", readers.root}, "--authority requires --follow"},
      {{"--lists-dir", dir.path}, "--lists-dir requires --follow"},
      {{"--gate", "ingest-1"}, "--gate requires --follow"},
      {{"--follow", "Lost", "--authority", readers.root, "--lists-dir", dir.path},
       "followed list 'Lost': 1..32 of a-z 0-9 -"},
      {{"--list", lost, "--follow", "lost-stolen", "--authority", readers.root, "--lists-dir",
        dir.path},
       "list lost-stolen given twice"},
      {{"--follow", "lost-stolen", "--authority", readers.root, "--lists-dir", dir.path + "/none"},
       "lists directory '" + dir.path + "/none' is not a directory"},
      {{"--follow", "lost-stolen", "--authority", readers.root, "--lists-dir", dir.path, "--gate",
        "gate 7"},
       "gate name 'gate 7'"},
  };
  for (const auto& [options, message] : cases) {
    const auto [status, text] = run(options);
    INFO(options.back() << " -> " << text);
    CHECK(status == 64);
    CHECK(text.find(message) != std::string::npos);
  }
  for (const char* kmh : {"0", "-5", "fast"}) {
    const auto [status, text] = run({"--max-kmh", kmh});
    INFO(kmh << " -> " << text);
    CHECK(status == 64);
    CHECK(text.find("--max-kmh") != std::string::npos);
  }
  // The same options, well formed, get past every check to the engines (absent here).
  const auto [status, text] =
      run({"--list", lost, "--site", "beijing.gate-1=39.9,116.4", "--max-kmh", "300", "--follow",
           "document-control", "--authority", readers.root, "--lists-dir", dir.path});
  INFO(text);
  CHECK(status == 2);
  CHECK(text.find("PostgreSQL") != std::string::npos);
}
