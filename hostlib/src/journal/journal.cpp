// Read journal on SQLite with a SHA-256 hash chain (journal.h).
#include "idr/journal.h"

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <sqlite3.h>

#include <cstring>

namespace idr {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO journal_meta VALUES('format', 'idr-journal 1');"
    "CREATE TABLE IF NOT EXISTS reads("
    " row INTEGER PRIMARY KEY, time_utc TEXT NOT NULL, reader TEXT NOT NULL, counter INTEGER NOT "
    "NULL,"
    " card_type INTEGER NOT NULL, id_kind TEXT NOT NULL, id_value TEXT NOT NULL, verdict TEXT NOT "
    "NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);";

const std::string kGenesis(64, '0');

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kHex[p[i] >> 4], s += kHex[p[i] & 15];
  return s;
}

// The row hash: SHA-256 over the previous hash and each field, every field length-prefixed
// (8-byte big-endian length) so that no two different rows encode the same bytes.
std::string row_hash(const JournalRow& r) {
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  mbedtls_sha256_starts_ret(&ctx, 0);
  auto field = [&](const std::string& s) {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = static_cast<unsigned char>(static_cast<uint64_t>(s.size()) >> (56 - 8 * i));
    mbedtls_sha256_update_ret(&ctx, len, 8);
    mbedtls_sha256_update_ret(&ctx, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  field("idr-journal-row-1");
  field(r.prev_hash);
  field(std::to_string(r.row));
  field(r.time_utc);
  field(r.reader);
  field(std::to_string(r.counter));
  field(std::to_string(r.card_type));
  field(r.id_kind);
  field(r.id_value);
  field(r.verdict);
  unsigned char digest[32];
  mbedtls_sha256_finish_ret(&ctx, digest);
  mbedtls_sha256_free(&ctx);
  return hex(digest, 32);
}

// RAII for sqlite3* and sqlite3_stmt*.
struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Error db_error(sqlite3* db, const std::string& what, std::string* why) {
  if (why) *why = what + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  return Error::Io;
}

std::string text_col(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

Error open_db(const std::string& path, int flags, Db& db, std::string* why) {
  if (sqlite3_open_v2(path.c_str(), &db.db, flags, nullptr) != SQLITE_OK)
    return db_error(db.db, path, why);
  sqlite3_busy_timeout(db.db, 5000);
  return Error::Ok;
}

// Reads rows in row order, calling fn for each; fn returns false to stop.
template <typename Fn>
Error each_row(const std::string& path, std::string* why, Fn fn) {
  Db db;
  if (Error e = open_db(path, SQLITE_OPEN_READONLY, db, why); e != Error::Ok) return e;
  Stmt st;
  if (sqlite3_prepare_v2(db.db,
                         "SELECT row, time_utc, reader, counter, card_type, id_kind, id_value, "
                         "verdict, prev_hash, hash "
                         "FROM reads ORDER BY row",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return db_error(db.db, path + " (not an idr journal?)", why);
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    JournalRow r;
    r.row = sqlite3_column_int64(st.s, 0);
    r.time_utc = text_col(st.s, 1);
    r.reader = text_col(st.s, 2);
    r.counter = static_cast<uint64_t>(sqlite3_column_int64(st.s, 3));
    r.card_type = sqlite3_column_int(st.s, 4);
    r.id_kind = text_col(st.s, 5);
    r.id_value = text_col(st.s, 6);
    r.verdict = text_col(st.s, 7);
    r.prev_hash = text_col(st.s, 8);
    r.hash = text_col(st.s, 9);
    if (!fn(r)) return Error::Ok;
  }
  if (rc != SQLITE_DONE) return db_error(db.db, path, why);
  return Error::Ok;
}

}  // namespace

struct Journal::Impl {
  Db db;
  JournalOptions options;
  std::mutex mutex;
  ~Impl() { mbedtls_platform_zeroize(options.key.data(), options.key.size()); }
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;
Journal::~Journal() = default;

Result<Journal> Journal::open(const std::string& path, JournalOptions options, std::string* why) {
  if (options.id_policy == JournalIdPolicy::Hmac && options.key.size() < 16) {
    if (why) *why = "the HMAC policy needs a journal key of at least 16 bytes";
    return Error::InvalidArgument;
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  if (Error e = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, impl->db, why);
      e != Error::Ok)
    return e;
  char* err = nullptr;
  if (sqlite3_exec(impl->db.db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    if (why) *why = path + ": " + (err ? err : "schema");
    sqlite3_free(err);
    return Error::Io;
  }
  return Journal(std::move(impl));
}

Result<int64_t> Journal::append(const JournalEntry& e, std::string* why) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  sqlite3* db = impl_->db.db;
  JournalRow r;
  r.time_utc = e.time_utc;
  r.reader = e.reader;
  r.counter = e.counter;
  r.card_type = static_cast<int>(e.card_type);
  r.verdict = e.verdict;
  if (impl_->options.id_policy == JournalIdPolicy::Full) {
    r.id_kind = "full";
    r.id_value = e.id_number;
  } else {
    unsigned char mac[32];
    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), impl_->options.key.data(),
                    impl_->options.key.size(),
                    reinterpret_cast<const unsigned char*>(e.id_number.data()), e.id_number.size(),
                    mac);
    r.id_kind = "hmac-sha256";
    r.id_value = hex(mac, 32);
  }
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return db_error(db, "begin", why);
  auto rollback = [&](Error err) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return err;
  };
  {
    Stmt last;
    sqlite3_prepare_v2(db, "SELECT row, hash FROM reads ORDER BY row DESC LIMIT 1", -1, &last.s,
                       nullptr);
    const int rc = sqlite3_step(last.s);
    if (rc == SQLITE_ROW) {
      r.row = sqlite3_column_int64(last.s, 0) + 1;
      r.prev_hash = text_col(last.s, 1);
    } else if (rc == SQLITE_DONE) {
      r.row = 1;
      r.prev_hash = kGenesis;
    } else {
      return rollback(db_error(db, "read last row", why));
    }
  }
  r.hash = row_hash(r);
  Stmt ins;
  sqlite3_prepare_v2(db, "INSERT INTO reads VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &ins.s, nullptr);
  sqlite3_bind_int64(ins.s, 1, r.row);
  sqlite3_bind_text(ins.s, 2, r.time_utc.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 3, r.reader.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(ins.s, 4, static_cast<sqlite3_int64>(r.counter));
  sqlite3_bind_int(ins.s, 5, r.card_type);
  sqlite3_bind_text(ins.s, 6, r.id_kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 7, r.id_value.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 8, r.verdict.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 9, r.prev_hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 10, r.hash.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(ins.s) != SQLITE_DONE) return rollback(db_error(db, "insert", why));
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return rollback(db_error(db, "commit", why));
  return r.row;
}

Result<std::vector<JournalRow>> list_journal(const std::string& path, std::string* why) {
  std::vector<JournalRow> rows;
  if (Error e = each_row(path, why,
                         [&](const JournalRow& r) {
                           rows.push_back(r);
                           return true;
                         });
      e != Error::Ok)
    return e;
  return rows;
}

Result<std::pair<int64_t, std::string>> journal_head(const std::string& path, std::string* why) {
  std::pair<int64_t, std::string> head{0, ""};
  if (Error e = each_row(path, why,
                         [&](const JournalRow& r) {
                           head = {r.row, r.hash};
                           return true;
                         });
      e != Error::Ok)
    return e;
  return head;
}

Result<JournalVerifyResult> verify_journal(
    const std::string& path, const std::optional<std::pair<int64_t, std::string>>& anchor,
    std::string* why) {
  JournalVerifyResult v;
  std::string prev = kGenesis;
  int64_t expected = 1;
  bool anchor_seen = false;
  auto bad = [&](int64_t row, std::string problem) {
    v.first_bad_row = row;
    v.problem = std::move(problem);
    return false;
  };
  if (Error e = each_row(
          path, why,
          [&](const JournalRow& r) {
            ++v.rows;
            if (r.row != expected)
              return bad(expected, "row " + std::to_string(expected) + " is missing (next row is " +
                                       std::to_string(r.row) + ")");
            if (r.prev_hash != prev)
              return bad(r.row,
                         "row " + std::to_string(r.row) + " does not chain to the row before it");
            if (row_hash(r) != r.hash)
              return bad(r.row, "row " + std::to_string(r.row) +
                                    " was changed (its hash does not match its content)");
            if (anchor && anchor->first == r.row) {
              anchor_seen = true;
              if (anchor->second != r.hash)
                return bad(r.row, "row " + std::to_string(r.row) + " differs from the anchor");
            }
            prev = r.hash;
            ++expected;
            return true;
          });
      e != Error::Ok)
    return e;
  if (v.first_bad_row == 0 && anchor && !anchor_seen)
    bad(anchor->first,
        "anchored row " + std::to_string(anchor->first) + " is missing (journal cut short)");
  v.ok = v.first_bad_row == 0;
  return v;
}

}  // namespace idr
