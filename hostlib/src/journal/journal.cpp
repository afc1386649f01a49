// Read journal on SQLite with an HMAC-SHA-256 chain over rows tied to signed records
// (journal.h, DESIGN 7).
#include "idr/journal.h"

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <sqlite3.h>

#include <cstdlib>
#include <cstring>

#include "../core/hex.h"
#include "idr/signed.h"

namespace idr {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE reads("
    " row INTEGER PRIMARY KEY, time_utc TEXT NOT NULL, reader_serial TEXT NOT NULL,"
    " counter INTEGER NOT NULL, record_sha256 TEXT NOT NULL, card_type INTEGER NOT NULL,"
    " id_kind TEXT NOT NULL, id_value TEXT NOT NULL, verdict TEXT NOT NULL, record BLOB,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);";

const std::string kGenesis(64, '0');

std::string sha256_hex(const std::vector<uint8_t>& data) {
  unsigned char digest[32];
  mbedtls_sha256_ret(data.data(), data.size(), digest, 0);
  return detail::to_hex(digest, 32);
}

// HMAC-SHA-256 under `key` over each field, every field length-prefixed (8-byte big-endian
// length) so that no two different field lists encode the same bytes.
std::string keyed_mac(const std::vector<uint8_t>& key, const std::vector<std::string>& fields) {
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
  mbedtls_md_hmac_starts(&ctx, key.data(), key.size());
  for (const std::string& s : fields) {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = static_cast<unsigned char>(static_cast<uint64_t>(s.size()) >> (56 - 8 * i));
    mbedtls_md_hmac_update(&ctx, len, 8);
    mbedtls_md_hmac_update(&ctx, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  }
  unsigned char mac[32];
  mbedtls_md_hmac_finish(&ctx, mac);
  mbedtls_md_free(&ctx);
  return detail::to_hex(mac, 32);
}

// The row MAC: the chain link (previous MAC) and every field except the kept record, which
// its SHA-256 stands for.
std::string row_mac(const std::vector<uint8_t>& key, const JournalRow& r) {
  return keyed_mac(key, {"idr-journal-row-2", r.prev_hash, std::to_string(r.row), r.time_utc,
                         r.reader_serial, std::to_string(r.counter), r.record_sha256,
                         std::to_string(r.card_type), r.id_kind, r.id_value, r.verdict});
}

// Stored at creation: lets open() and verify refuse a wrong key with a clear message.
std::string key_check(const std::vector<uint8_t>& key) {
  return keyed_mac(key, {"idr-journal-key-check-2"});
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

// journal_meta[key], nullopt when the table or the key is absent.
std::optional<std::string> meta(sqlite3* db, const char* key) {
  Stmt st;
  if (sqlite3_prepare_v2(db, "SELECT value FROM journal_meta WHERE key = ?", -1, &st.s, nullptr) !=
      SQLITE_OK)
    return std::nullopt;
  sqlite3_bind_text(st.s, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
  return text_col(st.s, 0);
}

// True for a database without any table (a new file): the only one a journal is created in.
bool no_tables(sqlite3* db) {
  Stmt st;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table'", -1, &st.s,
                         nullptr) != SQLITE_OK)
    return false;
  return sqlite3_step(st.s) == SQLITE_DONE;
}

// Ok for a journal of this format; Unsupported (old format, with what to do) or Io (not a
// journal) otherwise.
Error check_format(sqlite3* db, const std::string& path, std::string* why) {
  const auto format = meta(db, "format");
  if (format && *format == kJournalFormat) return Error::Ok;
  if (format && *format == "idr-journal 1") {
    if (why)
      *why = path +
             " is an 'idr-journal 1' file: its rows name no reader serial, counter or record and "
             "its chain has no key, so it cannot be migrated. Keep it as an archive (verify it "
             "with the idr release that wrote it) and journal to a new file.";
    return Error::Unsupported;
  }
  if (format) {
    if (why) *why = path + ": unknown journal format '" + *format + "'";
    return Error::Unsupported;
  }
  if (why) *why = path + ": not an idr journal";
  return Error::Io;
}

JournalRow read_row(sqlite3_stmt* s) {
  JournalRow r;
  r.row = sqlite3_column_int64(s, 0);
  r.time_utc = text_col(s, 1);
  r.reader_serial = text_col(s, 2);
  r.counter = static_cast<uint64_t>(sqlite3_column_int64(s, 3));
  r.record_sha256 = text_col(s, 4);
  r.card_type = sqlite3_column_int(s, 5);
  r.id_kind = text_col(s, 6);
  r.id_value = text_col(s, 7);
  r.verdict = text_col(s, 8);
  if (const void* blob = sqlite3_column_blob(s, 9)) {
    const auto* p = static_cast<const uint8_t*>(blob);
    r.record.assign(p, p + sqlite3_column_bytes(s, 9));
  }
  r.prev_hash = text_col(s, 10);
  r.hash = text_col(s, 11);
  return r;
}

// Reads rows in row order, calling fn for each; fn returns false to stop. `key_check_out`,
// when given, receives the stored key check value.
template <typename Fn>
Error each_row(const std::string& path, std::string* why, Fn fn,
               std::string* key_check_out = nullptr) {
  Db db;
  if (Error e = open_db(path, SQLITE_OPEN_READONLY, db, why); e != Error::Ok) return e;
  if (Error e = check_format(db.db, path, why); e != Error::Ok) return e;
  if (key_check_out) *key_check_out = meta(db.db, "key_check").value_or("");
  Stmt st;
  if (sqlite3_prepare_v2(db.db,
                         "SELECT row, time_utc, reader_serial, counter, record_sha256, card_type, "
                         "id_kind, id_value, verdict, record, prev_hash, hash "
                         "FROM reads ORDER BY row",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return db_error(db.db, path + " (not an idr journal?)", why);
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW)
    if (!fn(read_row(st.s))) return Error::Ok;
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
  if (options.key.size() < 16) {
    if (why) *why = "the journal needs a key of at least 16 bytes (it keys the chain)";
    return Error::InvalidArgument;
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  sqlite3*& db = impl->db.db;
  if (Error e = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, impl->db, why);
      e != Error::Ok)
    return e;
  // Create or check in one transaction, so two processes creating the file agree.
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return db_error(db, path, why);
  auto done = [&](Error e) {
    if (e == Error::Ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK)
      return e;
    if (e == Error::Ok) e = db_error(db, path + ": commit", why);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  const std::string check = key_check(impl->options.key);
  if (no_tables(db)) {
    char* err = nullptr;
    const std::string create = std::string(kSchema) +
                               "INSERT INTO journal_meta VALUES('format', '" + kJournalFormat +
                               "'), ('key_check', '" + check + "');";
    if (sqlite3_exec(db, create.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      if (why) *why = path + ": " + (err ? err : "schema");
      sqlite3_free(err);
      return done(Error::Io);
    }
  } else if (Error e = check_format(db, path, why); e != Error::Ok) {
    return done(e);
  } else if (meta(db, "key_check") != check) {
    if (why) *why = path + ": the journal key is not this journal's key";
    return done(Error::InvalidArgument);
  }
  if (Error e = done(Error::Ok); e != Error::Ok) return e;
  return Journal(std::move(impl));
}

Result<int64_t> Journal::append(const JournalEntry& e, std::string* why) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  sqlite3* db = impl_->db.db;
  std::string decode_why;
  const Result<SignedRecord> rec = decode_signed(e.record, &decode_why);
  if (!rec || rec->payload.serial.empty()) {
    if (why)
      *why =
          rec ? "the record names no reader serial" : "the record does not decode: " + decode_why;
    return Error::InvalidArgument;
  }
  JournalRow r;
  r.time_utc = e.time_utc;
  r.reader_serial = rec->payload.serial;
  r.counter = rec->payload.counter;
  r.record_sha256 = sha256_hex(e.record);
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
    r.id_value = detail::to_hex(mac, 32);
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
  r.hash = row_mac(impl_->options.key, r);
  Stmt ins;
  sqlite3_prepare_v2(db, "INSERT INTO reads VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1, &ins.s, nullptr);
  sqlite3_bind_int64(ins.s, 1, r.row);
  sqlite3_bind_text(ins.s, 2, r.time_utc.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 3, r.reader_serial.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(ins.s, 4, static_cast<sqlite3_int64>(r.counter));
  sqlite3_bind_text(ins.s, 5, r.record_sha256.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(ins.s, 6, r.card_type);
  sqlite3_bind_text(ins.s, 7, r.id_kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 8, r.id_value.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 9, r.verdict.c_str(), -1, SQLITE_TRANSIENT);
  if (impl_->options.keep_records)
    sqlite3_bind_blob(ins.s, 10, e.record.data(), static_cast<int>(e.record.size()),
                      SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(ins.s, 10);
  sqlite3_bind_text(ins.s, 11, r.prev_hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 12, r.hash.c_str(), -1, SQLITE_TRANSIENT);
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
    const std::string& path, const std::vector<uint8_t>& key,
    const std::optional<std::pair<int64_t, std::string>>& anchor, std::string* why) {
  if (key.size() < 16) {
    if (why) *why = "verifying the journal needs its key (at least 16 bytes)";
    return Error::InvalidArgument;
  }
  const std::string expected_check = key_check(key);
  JournalVerifyResult v;
  std::string prev = kGenesis;
  int64_t expected = 1;
  bool anchor_seen = false;
  std::string stored_check;
  auto bad = [&](int64_t row, std::string problem) {
    v.first_bad_row = row;
    v.problem = std::move(problem);
    return false;
  };
  if (Error e = each_row(
          path, why,
          [&](const JournalRow& r) {
            if (stored_check != expected_check) return false;  // reported below
            ++v.rows;
            const std::string n = std::to_string(r.row);
            if (r.row != expected)
              return bad(expected,
                         "row " + std::to_string(expected) + " is missing (next row is " + n + ")");
            if (r.prev_hash != prev)
              return bad(r.row, "row " + n + " does not chain to the row before it");
            if (row_mac(key, r) != r.hash)
              return bad(r.row, "row " + n +
                                    " was changed or rewritten without the key (its MAC does not "
                                    "match its content)");
            if (!r.record.empty()) {
              std::string record_why;
              if (!check_journal_record(r, r.record, &record_why))
                return bad(r.row, "row " + n + ": its kept record " + record_why);
            }
            if (anchor && anchor->first == r.row) {
              anchor_seen = true;
              if (anchor->second != r.hash)
                return bad(r.row, "row " + n + " differs from the anchor");
            }
            prev = r.hash;
            ++expected;
            return true;
          },
          &stored_check);
      e != Error::Ok)
    return e;
  if (stored_check != expected_check) {
    if (why) *why = path + ": the key is not this journal's key (or its key check was altered)";
    return Error::InvalidArgument;
  }
  if (v.first_bad_row == 0 && anchor && !anchor_seen)
    bad(anchor->first,
        "anchored row " + std::to_string(anchor->first) + " is missing (journal cut short)");
  v.ok = v.first_bad_row == 0;
  return v;
}

Result<void> check_journal_record(const JournalRow& row, const std::vector<uint8_t>& record,
                                  std::string* why) {
  auto differs = [&](const std::string& what) {
    if (why) *why = what;
    return Error::InvalidArgument;
  };
  if (sha256_hex(record) != row.record_sha256)
    return differs("is not the journalled record (its SHA-256 differs from the row's)");
  std::string decode_why;
  const Result<SignedRecord> rec = decode_signed(record, &decode_why);
  if (!rec) return differs("does not decode: " + decode_why);
  if (rec->payload.serial != row.reader_serial)
    return differs("names reader " + rec->payload.serial + ", the row " + row.reader_serial);
  if (rec->payload.counter != row.counter)
    return differs("has counter " + std::to_string(rec->payload.counter) + ", the row " +
                   std::to_string(row.counter));
  return {};
}

Result<std::vector<uint8_t>> journal_key_from_env(std::string* why) {
  const char* text = std::getenv("IDR_JOURNAL_KEY");
  const std::string s = text ? text : "";
  std::vector<uint8_t> key;
  bool hex_ok =
      s.size() % 2 == 0 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
  for (size_t i = 0; hex_ok && i < s.size(); i += 2)
    key.push_back(static_cast<uint8_t>(std::strtoul(s.substr(i, 2).c_str(), nullptr, 16)));
  if (!hex_ok || key.size() < 16) {
    mbedtls_platform_zeroize(key.data(), key.size());
    if (why) *why = "$IDR_JOURNAL_KEY must hold the journal key: hex, at least 16 bytes";
    return Error::InvalidArgument;
  }
  return key;
}

}  // namespace idr
