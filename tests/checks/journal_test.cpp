// Read journal: a clean chain verifies; an edited, deleted or inserted row fails and the
// first bad row is named (issue 6 acceptance 3); ID policy; CLI and C API.
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "idr/idr_checks.h"
#include "idr/journal.h"

namespace fs = std::filesystem;

namespace {

struct TempDb {
  std::string path =
      (fs::temp_directory_path() / ("idr_journal_" + std::to_string(::getpid()) + "_" +
                                    std::to_string(std::random_device{}()) + ".db"))
          .string();
  ~TempDb() { fs::remove(path); }
};

const std::vector<uint8_t> kKey(32, 0x5A);

void fill(const std::string& path, int rows,
          idr::JournalIdPolicy policy = idr::JournalIdPolicy::Hmac) {
  auto j = idr::Journal::open(path, {policy, kKey});
  REQUIRE(j);
  for (int i = 1; i <= rows; ++i) {
    idr::JournalEntry e{"2025-06-15T08:00:" + std::to_string(10 + i) + "Z",
                        "tcp://127.0.0.1:5000",
                        0,
                        idr::CardType::Resident,
                        "11010519491231002X",
                        i % 3 ? "SUCCEEDED" : "FAILED: validity.current"};
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

idr::JournalVerifyResult verify(const std::string& path) {
  auto r = idr::verify_journal(path);
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("a clean journal verifies; rows chain to each other") {
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
  // HMAC policy: the number is not stored, the same number gives the same value.
  CHECK((*rows)[0].id_kind == "hmac-sha256");
  CHECK((*rows)[0].id_value.size() == 64);
  CHECK((*rows)[0].id_value.find("110105") == std::string::npos);
  CHECK((*rows)[0].id_value == (*rows)[1].id_value);
}

TEST_CASE("an edited row fails verify naming that row") {
  for (const char* edit : {"UPDATE reads SET verdict = 'SUCCEEDED' WHERE row = 6",
                           "UPDATE reads SET time_utc = '2025-06-15T09:00:00Z' WHERE row = 6",
                           "UPDATE reads SET id_value = 'abc' WHERE row = 6"}) {
    TempDb db;
    fill(db.path, 10);
    sql(db.path, edit);
    const auto v = verify(db.path);
    INFO(edit << " -> " << v.problem);
    CHECK(!v.ok);
    CHECK(v.first_bad_row == 6);
  }
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
  TempDb db;
  fill(db.path, 10);
  // Make room at row 5 (descending, to keep the primary key unique), then insert a row.
  for (int r = 10; r >= 5; --r)
    sql(db.path,
        "UPDATE reads SET row = " + std::to_string(r + 1) + " WHERE row = " + std::to_string(r));
  sql(db.path,
      "INSERT INTO reads SELECT 5, time_utc, reader, counter, card_type, id_kind, id_value, "
      "'SUCCEEDED', hash, hash "
      "FROM reads WHERE row = 4");
  const auto v = verify(db.path);
  CHECK(!v.ok);
  CHECK(v.first_bad_row == 5);
  // Appending a forged row at the end is caught too.
  TempDb db2;
  fill(db2.path, 3);
  sql(db2.path,
      "INSERT INTO reads SELECT 4, time_utc, reader, counter, card_type, id_kind, id_value, "
      "verdict, "
      "hash, hash FROM reads WHERE row = 3");
  CHECK(verify(db2.path).first_bad_row == 4);
}

TEST_CASE("an anchor catches a cut-off tail") {
  TempDb db;
  fill(db.path, 5);
  auto head = idr::journal_head(db.path);
  REQUIRE(head);
  CHECK(head->first == 5);
  CHECK(idr::verify_journal(db.path, *head)->ok);
  sql(db.path, "DELETE FROM reads WHERE row = 5");
  CHECK(verify(db.path).ok);  // the chain alone cannot see a removed tail
  const auto v = idr::verify_journal(db.path, *head);
  REQUIRE(v);
  CHECK(!v->ok);
  CHECK(v->first_bad_row == 5);
}

TEST_CASE("ID policy: full number stored only when asked; HMAC needs a key") {
  TempDb db;
  fill(db.path, 1, idr::JournalIdPolicy::Full);
  auto rows = idr::list_journal(db.path);
  REQUIRE(rows);
  CHECK((*rows)[0].id_kind == "full");
  CHECK((*rows)[0].id_value == "11010519491231002X");
  TempDb db2;
  std::string why;
  CHECK(idr::Journal::open(db2.path, {idr::JournalIdPolicy::Hmac, {}}, &why).error() ==
        idr::Error::InvalidArgument);
}

TEST_CASE("journal CLI and C API") {
  TempDb db;
  idr_journal* j = nullptr;
  REQUIRE(idr_journal_open(db.path.c_str(), IDR_JOURNAL_ID_HMAC, kKey.data(), kKey.size(), &j) ==
          IDR_OK);
  int64_t row = 0;
  for (int i = 0; i < 4; ++i)
    REQUIRE(idr_journal_append(j, "2025-06-15T08:00:00Z", "sim", 0, IDR_CARD_RESIDENT,
                               "11010519491231002X", "SUCCEEDED", &row) == IDR_OK);
  CHECK(row == 4);
  idr_journal_close(j);
  int64_t bad = -1;
  char msg[128];
  CHECK(idr_journal_verify(db.path.c_str(), &bad, msg, sizeof msg) == IDR_OK);
  CHECK(bad == 0);
  auto run = [](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return idr::run_journal_cli(static_cast<int>(argv.size()), argv.data());
  };
  CHECK(run({"journal", "verify", db.path}) == 0);
  CHECK(run({"journal", "list", db.path}) == 0);
  CHECK(run({"journal", "head", db.path}) == 0);
  sql(db.path, "UPDATE reads SET reader = 'x' WHERE row = 2");
  CHECK(run({"journal", "verify", db.path}) == 1);
  CHECK(idr_journal_verify(db.path.c_str(), &bad, msg, sizeof msg) == IDR_E_INVALID_ARGUMENT);
  CHECK(bad == 2);
  CHECK(std::string(msg).find("row 2") != std::string::npos);
  CHECK(run({"journal"}) == 2);
}
