// Read journal (DESIGN 7): rows tied to signed records (reader serial, counter, record
// SHA-256, the record kept on request), an HMAC-SHA-256 chain under the journal key: a
// clean chain verifies; an edited, deleted or inserted row, or a chain rebuilt without the
// key, fails naming the first bad row; old-format journals are refused; ID policy; CLI and
// C API. Records come from the test signer of tests/signed (extension.h format).
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "idr/idr_checks.h"
#include "idr/journal.h"
#include "idr/signed.h"
#include "test_signer.h"

namespace fs = std::filesystem;

namespace {

struct TempDb {
  std::string path =
      (fs::temp_directory_path() / ("idr_journal_" + std::to_string(::getpid()) + "_" +
                                    std::to_string(std::random_device{}()) + ".db"))
          .string();
  ~TempDb() {
    fs::remove(path);
    fs::remove(path + ".rec");
  }
};

const std::vector<uint8_t> kKey(32, 0x5A);
const std::vector<uint8_t> kOtherKey(32, 0xA5);

// The signed record of read `counter` by `key` (a resident card, every field disclosed).
idr::test::Bytes record(const idr::test::DeviceKey& key, uint64_t counter) {
  idr::test::RecordSpec spec;
  spec.counter = counter;
  spec.fields = idr::test::resident_fields({});
  return idr::test::make_record(key, {}, spec).file;
}

const idr::test::DeviceKey& reader_key() {
  static const idr::test::DeviceKey key;
  return key;
}

idr::JournalOptions options(const std::vector<uint8_t>& key = kKey,
                            idr::JournalIdPolicy policy = idr::JournalIdPolicy::Hmac,
                            bool keep = false) {
  idr::JournalOptions o;
  o.id_policy = policy;
  o.key = key;
  o.keep_records = keep;
  return o;
}

// Rows 1..rows, row i journals the record with counter 100 + i.
void fill(const std::string& path, int rows, const idr::JournalOptions& o = options(),
          const std::string& failed_row_verdict = "FAILED: validity.current") {
  auto j = idr::Journal::open(path, o);
  REQUIRE(j);
  for (int i = 1; i <= rows; ++i) {
    idr::JournalEntry e{"2025-06-15T08:00:" + std::to_string(10 + i) + "Z",
                        record(reader_key(), 100 + static_cast<uint64_t>(i)),
                        idr::CardType::Resident, "11010519491231002X",
                        i % 3 ? "SUCCEEDED" : failed_row_verdict};
    auto row = j->append(e);
    REQUIRE(row);
    CHECK(*row == i);
  }
}

void sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

idr::JournalVerifyResult verify(const std::string& path, const std::vector<uint8_t>& key = kKey) {
  auto r = idr::verify_journal(path, key);
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("a clean journal verifies, each row names its record's reader and counter") {
  TempDb db;
  fill(db.path, 10);
  const auto v = verify(db.path);
  CHECK(v.ok);
  CHECK(v.rows == 10);
  auto rows = idr::list_journal(db.path);
  REQUIRE(rows);
  REQUIRE(rows->size() == 10);
  CHECK((*rows)[0].prev_hash == std::string(64, '0'));
  for (size_t i = 1; i < rows->size(); ++i) CHECK((*rows)[i].prev_hash == (*rows)[i - 1].hash);
  for (size_t i = 0; i < rows->size(); ++i) {
    CHECK((*rows)[i].reader_serial == reader_key().serial());
    CHECK((*rows)[i].counter == 101 + i);
    CHECK((*rows)[i].record_sha256.size() == 64);
    CHECK((*rows)[i].record.empty());  // not kept unless asked
  }
  // HMAC policy: the number is not stored, the same number gives the same value.
  CHECK((*rows)[0].id_kind == "hmac-sha256");
  CHECK((*rows)[0].id_value.size() == 64);
  CHECK((*rows)[0].id_value.find("110105") == std::string::npos);
  CHECK((*rows)[0].id_value == (*rows)[1].id_value);
}

TEST_CASE("a row is checked against its record: the right one matches, any other does not") {
  TempDb db;
  fill(db.path, 3);
  auto rows = idr::list_journal(db.path);
  REQUIRE(rows);
  REQUIRE(rows->size() == 3);
  // Records carry random salts: a record with the same serial and counter as row 2 but other
  // bytes is refused on its SHA-256. Only the journalled bytes (kept below) match.
  std::string why;
  CHECK_FALSE(idr::check_journal_record((*rows)[1], record(reader_key(), 102), &why));
  CHECK(why.find("SHA-256") != std::string::npos);

  TempDb kept;
  fill(kept.path, 3, options(kKey, idr::JournalIdPolicy::Hmac, true));
  auto krows = idr::list_journal(kept.path);
  REQUIRE(krows);
  for (const auto& r : *krows) {
    REQUIRE_FALSE(r.record.empty());
    CHECK(idr::check_journal_record(r, r.record, &why));
    auto decoded = idr::decode_signed(r.record);
    REQUIRE(decoded);
    CHECK(decoded->payload.serial == r.reader_serial);
    CHECK(decoded->payload.counter == r.counter);
  }
  CHECK_FALSE(idr::check_journal_record((*krows)[0], (*krows)[1].record, &why));
  CHECK(verify(kept.path).ok);
  // A kept record swapped for another is found by verify.
  sql(kept.path,
      "UPDATE reads SET record = (SELECT record FROM reads WHERE row = 3) WHERE row = 2");
  const auto v = verify(kept.path);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_row == 2);
  CHECK(v.problem.find("record") != std::string::npos);
}

TEST_CASE("append refuses bytes that are not a signed record") {
  TempDb db;
  auto j = idr::Journal::open(db.path, options());
  REQUIRE(j);
  std::string why;
  const auto r = j->append({"2025-06-15T08:00:00Z",
                            {0x82, 0x01, 0x02},
                            idr::CardType::Resident,
                            "11010519491231002X",
                            "SUCCEEDED"},
                           &why);
  CHECK(r.error() == idr::Error::InvalidArgument);
  CHECK(why.find("does not decode") != std::string::npos);
  const auto empty = j->append(
      {"2025-06-15T08:00:00Z", {}, idr::CardType::Resident, "11010519491231002X", "SUCCEEDED"});
  CHECK(empty.error() == idr::Error::InvalidArgument);
  CHECK(verify(db.path).rows == 0);
}

TEST_CASE("an edited row fails verify naming that row") {
  for (const char* edit : {"UPDATE reads SET verdict = 'SUCCEEDED' WHERE row = 6",
                           "UPDATE reads SET time_utc = '2025-06-15T09:00:00Z' WHERE row = 6",
                           "UPDATE reads SET id_value = 'abc' WHERE row = 6",
                           "UPDATE reads SET reader_serial = 'IDR-0000000000000000' WHERE row = 6",
                           "UPDATE reads SET counter = 7 WHERE row = 6",
                           "UPDATE reads SET record_sha256 = replace(record_sha256, substr("
                           "record_sha256, 1, 1), 'x') WHERE row = 6"}) {
    TempDb db;
    fill(db.path, 10);
    sql(db.path, edit);
    const auto v = verify(db.path);
    INFO(edit << " -> " << v.problem);
    CHECK(!v.ok);
    CHECK(v.first_bad_row == 6);
  }
}

TEST_CASE("a chain rewritten without the key is detected") {
  // The forger rewrites every row (row 3's verdict flipped) as a valid chain under a key of
  // their own, and copies the real journal's key check value over, so that only the MACs
  // could give it away.
  TempDb real, forged;
  fill(real.path, 5);
  fill(forged.path, 5, options(kOtherKey), "SUCCEEDED");
  REQUIRE(verify(forged.path, kOtherKey).ok);  // a consistent chain under the forger's key
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(real.path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT value FROM journal_meta WHERE key = 'key_check'", -1, &st,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const std::string check = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  sql(forged.path, "UPDATE journal_meta SET value = '" + check + "' WHERE key = 'key_check'");
  const auto v = verify(forged.path, kKey);
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_row == 1);
  CHECK(v.problem.find("without the key") != std::string::npos);
  // Left with the forger's key check, the real key is refused outright.
  TempDb forged2;
  fill(forged2.path, 2, options(kOtherKey));
  std::string why;
  CHECK(idr::verify_journal(forged2.path, kKey, std::nullopt, &why).error() ==
        idr::Error::InvalidArgument);
  CHECK(why.find("not this journal's key") != std::string::npos);
}

TEST_CASE("the journal key: required, and a wrong one is refused on open and verify") {
  TempDb db;
  fill(db.path, 2);
  std::string why;
  CHECK(idr::Journal::open(db.path, options(kOtherKey), &why).error() ==
        idr::Error::InvalidArgument);
  CHECK(why.find("not this journal's key") != std::string::npos);
  CHECK(idr::Journal::open(db.path, options({}), &why).error() == idr::Error::InvalidArgument);
  CHECK(idr::Journal::open(db.path, options(std::vector<uint8_t>(15, 1)), &why).error() ==
        idr::Error::InvalidArgument);
  CHECK(idr::verify_journal(db.path, {}, std::nullopt, &why).error() ==
        idr::Error::InvalidArgument);
  CHECK(verify(db.path).rows == 2);  // nothing was appended by the refused opens
}

TEST_CASE("an old-format journal is refused with what to do") {
  TempDb db;
  sql(db.path,
      "CREATE TABLE journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO journal_meta VALUES('format', 'idr-journal 1');"
      "CREATE TABLE reads(row INTEGER PRIMARY KEY, time_utc TEXT NOT NULL, reader TEXT NOT NULL,"
      " counter INTEGER NOT NULL, card_type INTEGER NOT NULL, id_kind TEXT NOT NULL,"
      " id_value TEXT NOT NULL, verdict TEXT NOT NULL, prev_hash TEXT NOT NULL,"
      " hash TEXT NOT NULL);");
  std::string why;
  CHECK(idr::Journal::open(db.path, options(), &why).error() == idr::Error::Unsupported);
  CHECK(why.find("'idr-journal 1'") != std::string::npos);
  CHECK(why.find("cannot be migrated") != std::string::npos);
  why.clear();
  CHECK(idr::verify_journal(db.path, kKey, std::nullopt, &why).error() == idr::Error::Unsupported);
  CHECK(why.find("new file") != std::string::npos);
  CHECK(idr::list_journal(db.path).error() == idr::Error::Unsupported);
  // Any other SQLite file is not a journal.
  TempDb other;
  sql(other.path, "CREATE TABLE t(x)");
  CHECK(idr::Journal::open(other.path, options(), &why).error() == idr::Error::Io);
  CHECK(why.find("not an idr journal") != std::string::npos);
}

TEST_CASE("a deleted row fails verify naming the first bad row") {
  TempDb db;
  fill(db.path, 10);
  sql(db.path, "DELETE FROM reads WHERE row = 4");
  auto v = verify(db.path);
  CHECK(!v.ok);
  CHECK(v.first_bad_row == 4);
  CHECK(v.problem.find("missing") != std::string::npos);
  // Deleting and renumbering the rest does not hide it: row 4 no longer chains.
  TempDb db2;
  fill(db2.path, 10);
  sql(db2.path, "DELETE FROM reads WHERE row = 4; UPDATE reads SET row = row - 1 WHERE row > 4");
  v = verify(db2.path);
  CHECK(!v.ok);
  CHECK(v.first_bad_row == 4);
}

TEST_CASE("an inserted row fails verify naming the first bad row") {
  const std::string copy_of_4 =
      "time_utc, reader_serial, counter, record_sha256, card_type, id_kind, id_value, "
      "'SUCCEEDED', record, hash, hash FROM reads WHERE row = ";
  TempDb db;
  fill(db.path, 10);
  // Make room at row 5 (descending, to keep the primary key unique), then insert a row.
  for (int r = 10; r >= 5; --r)
    sql(db.path,
        "UPDATE reads SET row = " + std::to_string(r + 1) + " WHERE row = " + std::to_string(r));
  sql(db.path, "INSERT INTO reads SELECT 5, " + copy_of_4 + "4");
  const auto v = verify(db.path);
  CHECK(!v.ok);
  CHECK(v.first_bad_row == 5);
  // Appending a forged row at the end is caught too.
  TempDb db2;
  fill(db2.path, 3);
  sql(db2.path, "INSERT INTO reads SELECT 4, " + copy_of_4 + "3");
  CHECK(verify(db2.path).first_bad_row == 4);
}

TEST_CASE("an anchor catches a cut-off tail") {
  TempDb db;
  fill(db.path, 5);
  auto head = idr::journal_head(db.path);
  REQUIRE(head);
  CHECK(head->first == 5);
  CHECK(idr::verify_journal(db.path, kKey, *head)->ok);
  sql(db.path, "DELETE FROM reads WHERE row = 5");
  CHECK(verify(db.path).ok);  // the chain alone cannot see a removed tail
  const auto v = idr::verify_journal(db.path, kKey, *head);
  REQUIRE(v);
  CHECK(!v->ok);
  CHECK(v->first_bad_row == 5);
}

TEST_CASE("ID policy: the full number stored only when asked") {
  TempDb db;
  fill(db.path, 1, options(kKey, idr::JournalIdPolicy::Full));
  auto rows = idr::list_journal(db.path);
  REQUIRE(rows);
  CHECK((*rows)[0].id_kind == "full");
  CHECK((*rows)[0].id_value == "11010519491231002X");
  CHECK(verify(db.path).ok);
}

TEST_CASE("journal C API") {
  TempDb db;
  idr_journal* j = nullptr;
  REQUIRE(idr_journal_open(db.path.c_str(), IDR_JOURNAL_ID_HMAC, kKey.data(), kKey.size(), &j) ==
          IDR_OK);
  int64_t row = 0;
  std::vector<idr::test::Bytes> records;
  for (int i = 0; i < 4; ++i) {
    records.push_back(record(reader_key(), 10 + static_cast<uint64_t>(i)));
    REQUIRE(idr_journal_append_record(j, "2025-06-15T08:00:00Z", records.back().data(),
                                      records.back().size(), IDR_CARD_RESIDENT,
                                      "11010519491231002X", "SUCCEEDED", &row) == IDR_OK);
  }
  const uint8_t junk[3] = {1, 2, 3};
  CHECK(idr_journal_append_record(j, "2025-06-15T08:00:00Z", junk, sizeof junk, IDR_CARD_RESIDENT,
                                  "11010519491231002X", "SUCCEEDED",
                                  &row) == IDR_E_INVALID_ARGUMENT);
  CHECK(row == 4);
  idr_journal_close(j);
  int64_t bad = -1;
  char msg[160];
  CHECK(idr_journal_verify_keyed(db.path.c_str(), kKey.data(), kKey.size(), &bad, msg,
                                 sizeof msg) == IDR_OK);
  CHECK(bad == 0);
  CHECK(idr_journal_verify_keyed(db.path.c_str(), kOtherKey.data(), kOtherKey.size(), &bad, msg,
                                 sizeof msg) == IDR_E_INVALID_ARGUMENT);

  // A row edited after the fact: the keyed chain breaks there (`idr journal` itself is
  // tested as a process in tests/cli).
  sql(db.path, "UPDATE reads SET reader_serial = 'x' WHERE row = 2");
  CHECK(idr_journal_verify_keyed(db.path.c_str(), kKey.data(), kKey.size(), &bad, msg,
                                 sizeof msg) == IDR_E_INVALID_ARGUMENT);
  CHECK(bad == 2);
  CHECK(std::string(msg).find("row 2") != std::string::npos);
}
