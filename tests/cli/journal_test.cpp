// `idr watch --journal` against `idr sim` (DESIGN 7): every journal row names the reader
// serial and signed counter of the record it journals and verifies against that record;
// a chain rebuilt without the journal key is detected; unsigned and old-format journals are
// refused.
#include <sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "idr/testing/temp_dir.h"

using namespace idr::cli_test;
using nlohmann::json;

namespace {

const std::string kKey = "00112233445566778899aabbccddeeff";
const std::string kForgerKey = "ffeeddccbbaa99887766554433221100";

// Scoped $IDR_JOURNAL_KEY (the tool and `idr journal verify` read it).
struct JournalKey {
  explicit JournalKey(const std::string& hex) { ::setenv("IDR_JOURNAL_KEY", hex.c_str(), 1); }
  ~JournalKey() { ::unsetenv("IDR_JOURNAL_KEY"); }
};

// `idr watch --count N --json --journal DB [extra]` on a fresh simulated reader: its lines.
std::vector<json> watch_journal(const std::string& db, int count,
                                const std::vector<std::string>& extra = {}) {
  SimulatedReader reader(kSamples + "three-cards-sequential.json");
  std::vector<std::string> args{
      "watch", "--reader", reader.uri, "--json", "--count", std::to_string(count), "--journal", db};
  args.insert(args.end(), extra.begin(), extra.end());
  const Run r = run_idr(args);
  REQUIRE(r.status == 0);
  std::vector<json> out;
  for (const auto& line : lines(r.out)) out.push_back(json::parse(line));
  REQUIRE(out.size() == static_cast<size_t>(count));
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cols;
  size_t start = 0;
  for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
    cols.push_back(line.substr(start, tab - start));
  cols.push_back(line.substr(start));
  return cols;
}

std::string sql_text(const std::string& db, const std::string& query) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, query.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string value;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    value = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
  return value;
}

// A journal row's time, "YYYY-MM-DDTHH:MM:SSZ" (UTC, nothing after it), as Unix seconds; -1
// for any other text.
std::time_t parse_utc(const std::string& text) {
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0' || text.size() != 20) return -1;
  return ::timegm(&tm);
}

void sql(const std::string& db, const std::string& statement) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  const int rc = sqlite3_exec(h, statement.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE(
    "idr watch --journal: each row names its verified record's reader and counter and "
    "verifies against that record",
    "[journal]") {
  idr::testing::TempDir dir("idr-cli-journal");
  const std::string db = dir.path + "/journal.db";
  JournalKey key(kKey);
  SimulatedReader reader(kSamples + "three-cards-sequential.json");
  const std::time_t before = std::time(nullptr);
  const Run w = run_idr({"watch", "--reader", reader.uri, "--json", "--count", "3", "--journal", db,
                         "--journal-records"});
  const std::time_t after = std::time(nullptr);
  REQUIRE(w.status == 0);
  const auto cards = lines(w.out);
  REQUIRE(cards.size() == 3);
  const Run list = run_idr({"journal", "list", db});
  REQUIRE(list.status == 0);
  const auto rows = lines(list.out);
  REQUIRE(rows.size() == 4);  // header + 3
  CHECK(split_tabs(rows[0]).at(2) == "reader_serial");
  for (size_t i = 0; i < 3; ++i) {
    const json card = json::parse(cards[i]);
    INFO("card " << i << ": " << cards[i] << "\nrow: " << rows[i + 1]);
    REQUIRE(card.at("verified") == true);
    const std::string n = std::to_string(i + 1);
    CHECK(card.at("journal_row") == i + 1);
    const auto cols = split_tabs(rows[i + 1]);
    REQUIRE(cols.size() == 11);
    CHECK(cols[0] == n);
    // The row's time: UTC, ISO 8601 to the second, within the watch.
    const std::time_t at = parse_utc(cols[1]);
    CHECK(at != -1);
    CHECK((before <= at && at <= after));
    const std::string serial = card.at("reader");
    CHECK(serial.rfind("IDR-", 0) == 0);
    CHECK(cols[2] == serial);
    CHECK(cols[3] == std::to_string(card.at("counter").get<uint64_t>()));
    CHECK(cols[9] == "yes");
    // The kept record is the signed record of this read: the reader's signature verifies
    // and names the same serial and counter; the journal checks the row against it.
    const std::string rec = dir.path + "/row" + n + ".rec";
    REQUIRE(run_idr({"journal", "record", db, n, rec}).status == 0);
    const Run v = run_idr({"verify", rec, "--trust", reader.trust});
    CHECK(v.status == 0);
    CHECK(v.out.find("reader " + serial + " counter " + cols[3] + "\n") != std::string::npos);
    const Run jv = run_idr({"journal", "verify", db, "--record", n + ":" + rec});
    CHECK(jv.status == 0);
    CHECK(jv.out.find("row " + n + " is the record") != std::string::npos);
  }
  // Counters come from the reader and rise with each read.
  CHECK(split_tabs(rows[1])[3] != split_tabs(rows[2])[3]);
  // A row checked against another read's record fails.
  CHECK(run_idr({"journal", "verify", db, "--record", "1:" + dir.path + "/row2.rec"}).status == 6);
  CHECK(run_idr({"journal", "verify", db}).status == 0);
}

TEST_CASE("idr journal verify: a chain rewritten without the key is detected", "[journal]") {
  idr::testing::TempDir dir("idr-cli-journal");
  const std::string real = dir.path + "/real.db", forged = dir.path + "/forged.db";
  {
    JournalKey key(kKey);
    (void)watch_journal(real, 2);
  }
  {
    // The forger journals reads of their own under their own key: a consistent chain.
    JournalKey key(kForgerKey);
    (void)watch_journal(forged, 2);
    CHECK(run_idr({"journal", "verify", forged}).status == 0);
  }
  // ... passes it off as the real journal, key check value included.
  sql(forged, "UPDATE journal_meta SET value = '" +
                  sql_text(real, "SELECT value FROM journal_meta WHERE key = 'key_check'") +
                  "' WHERE key = 'key_check'");
  JournalKey key(kKey);
  CHECK(run_idr({"journal", "verify", real}).status == 0);
  const Run r = run_idr({"journal", "verify", forged});
  CHECK(r.status == 6);
  CHECK(r.out.find("FAILED at row 1") != std::string::npos);
  CHECK(r.out.find("without the key") != std::string::npos);
  // Editing one row of the real journal is found at that row.
  sql(real, "UPDATE reads SET verdict = 'FAILED: id_number.region' WHERE row = 2");
  CHECK(run_idr({"journal", "verify", real}).out.find("FAILED at row 2") != std::string::npos);
}

TEST_CASE("idr read/watch --journal: unsigned reads and old-format journals are refused",
          "[journal]") {
  idr::testing::TempDir dir("idr-cli-journal");
  JournalKey key(kKey);
  SimulatedReader reader(kSamples + "three-cards-sequential.json");
  const std::string db = dir.path + "/j.db";
  CHECK(run_idr({"read", "--reader", reader.uri, "--legacy", "--journal", db}).status == 1);
  CHECK(run_idr({"watch", "--reader", reader.uri, "--legacy", "--count", "1", "--journal", db})
            .status == 1);
  CHECK(run_idr({"read", "--reader", reader.uri, "--journal-records"}).status == 1);
  const std::string old = dir.path + "/old.db";
  sql(old,
      "CREATE TABLE journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO journal_meta VALUES('format', 'idr-journal 1');"
      "CREATE TABLE reads(row INTEGER PRIMARY KEY, time_utc TEXT NOT NULL, reader TEXT NOT NULL,"
      " counter INTEGER NOT NULL, card_type INTEGER NOT NULL, id_kind TEXT NOT NULL,"
      " id_value TEXT NOT NULL, verdict TEXT NOT NULL, prev_hash TEXT NOT NULL,"
      " hash TEXT NOT NULL);");
  CHECK(run_idr({"read", "--reader", reader.uri, "--journal", old}).status == 7);
  CHECK(sql_text(old, "SELECT count(*) FROM reads") == "0");
  CHECK(run_idr({"journal", "verify", old}).status == 7);
}

TEST_CASE("idr journal: exit codes (7 no key or not its key, 6 not verified, 1 usage)",
          "[journal]") {
  idr::testing::TempDir dir("idr-cli-journal");
  const std::string db = dir.path + "/journal.db";
  {
    JournalKey key(kKey);
    (void)watch_journal(db, 2);  // records not kept
  }
  const std::string other = dir.path + "/other.cose";
  std::ofstream(other, std::ios::binary) << "not a record";
  Run r = run_idr({"journal", "verify", db});  // no $IDR_JOURNAL_KEY
  CHECK(r.status == 7);
  CHECK(r.err.find("idr journal verify: ") != std::string::npos);  // command and subcommand
  CHECK(r.err.find("IDR_JOURNAL_KEY") != std::string::npos);
  {
    JournalKey key(kForgerKey);
    CHECK(run_idr({"journal", "verify", db}).status == 7);  // not the journal's key
  }
  JournalKey key(kKey);
  CHECK(run_idr({"journal", "verify", db}).status == 0);
  r = run_idr({"journal", "verify", db, "--record", "9:" + other});
  CHECK(r.status == 6);
  CHECK(r.out.find("FAILED: no row 9") != std::string::npos);
  CHECK(run_idr({"journal", "verify", db, "--record", "1:" + other}).status == 6);
  CHECK(run_idr({"journal", "verify", db, "--record", "x:" + other}).status == 1);
  CHECK(run_idr({"journal", "verify", db, "--record", "1:" + dir.path + "/none"}).status == 7);
  r = run_idr({"journal", "head", db});
  CHECK(r.status == 0);
  CHECK(r.out.rfind("2:", 0) == 0);
  r = run_idr({"journal", "record", db, "1", dir.path + "/row1.cose"});
  CHECK(r.status == 7);  // written without --journal-records
  CHECK(r.err.find("idr journal record: row 1 keeps no record") != std::string::npos);
  CHECK(run_idr({"journal", "record", db, "9", dir.path + "/row9.cose"}).status == 7);
  CHECK(run_idr({"journal", "list", dir.path + "/missing.db"}).status == 7);
}
