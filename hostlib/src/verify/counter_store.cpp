// CounterStore: the last accepted counter per reader serial in SQLite. advance() is one
// conditional upsert, so the check-and-record cannot be split by a second verifier.
#include <sqlite3.h>

#include <limits>
#include <mutex>

#include "idr/verify.h"

namespace idr {

struct CounterStore::Impl {
  sqlite3* db = nullptr;
  std::mutex mutex;
  ~Impl() {
    if (db != nullptr) sqlite3_close(db);
  }
};

namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  [[nodiscard]] sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace

CounterStore::CounterStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CounterStore::CounterStore(CounterStore&&) noexcept = default;
CounterStore& CounterStore::operator=(CounterStore&&) noexcept = default;
CounterStore::~CounterStore() = default;

Result<CounterStore> CounterStore::open(const std::string& path, std::string* why) {
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    if (why != nullptr) *why = path + ": " + (impl->db ? sqlite3_errmsg(impl->db) : "cannot open");
    return Error::Io;
  }
  sqlite3_busy_timeout(impl->db, 5000);
  char* err = nullptr;
  if (sqlite3_exec(impl->db,
                   "CREATE TABLE IF NOT EXISTS reader_counters ("
                   " serial TEXT PRIMARY KEY, last INTEGER NOT NULL CHECK (last >= 0))",
                   nullptr, nullptr, &err) != SQLITE_OK) {
    if (why != nullptr) *why = path + ": " + (err ? err : "cannot create the table");
    sqlite3_free(err);
    return Error::Io;
  }
  return CounterStore(std::move(impl));
}

Result<std::optional<uint64_t>> CounterStore::last(const std::string& serial) const {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Statement st(impl_->db, "SELECT last FROM reader_counters WHERE serial = ?1");
  if (st.get() == nullptr) return Error::Io;
  sqlite3_bind_text(st.get(), 1, serial.data(), static_cast<int>(serial.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st.get());
  if (rc == SQLITE_DONE) return std::optional<uint64_t>{};
  if (rc != SQLITE_ROW) return Error::Io;
  return std::optional<uint64_t>{static_cast<uint64_t>(sqlite3_column_int64(st.get(), 0))};
}

Result<bool> CounterStore::advance(const std::string& serial, uint64_t counter) {
  if (!impl_) return Error::InvalidArgument;
  // SQLite integers are signed 64-bit; a reader would need 2^63 reads to get there.
  if (counter > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Statement st(impl_->db,
               "INSERT INTO reader_counters (serial, last) VALUES (?1, ?2) "
               "ON CONFLICT (serial) DO UPDATE SET last = excluded.last "
               "WHERE excluded.last > reader_counters.last");
  if (st.get() == nullptr) return Error::Io;
  sqlite3_bind_text(st.get(), 1, serial.data(), static_cast<int>(serial.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.get(), 2, static_cast<int64_t>(counter));
  if (sqlite3_step(st.get()) != SQLITE_DONE) return Error::Io;
  return sqlite3_changes(impl_->db) == 1;
}

}  // namespace idr
