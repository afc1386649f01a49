// The gate's publisher (fleet.h, DESIGN 13): SQLite spool first, then JetStream, oldest first.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "idr/fleet.h"
#include "jetstream.h"

namespace idr::fleet {

namespace {

constexpr int kDrainBatch = 64;
constexpr std::chrono::milliseconds kDrainInterval{250};  // retry while the cluster is away

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Statement {
  sqlite3_stmt* s = nullptr;
  Statement(sqlite3* db, const char* sql) { (void)sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
  ~Statement() { sqlite3_finalize(s); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
};

// A spooled record.
struct Spooled {
  int64_t seq = 0;
  std::string subject, msg_id;
  int64_t published_ns = 0;
  Bytes record;
};

}  // namespace

struct Publisher::Impl {
  PublisherOptions options;
  std::string subject;
  sqlite3* db = nullptr;
  std::mutex db_mutex;     // the spool connection
  std::mutex drain_mutex;  // one drain at a time keeps the order
  std::unique_ptr<JetStream> link;
  std::atomic<uint64_t> sent{0};
  uint64_t spooled = 0;  // under db_mutex

  std::mutex wake_mutex;
  std::condition_variable wake;
  bool stop = false, pending = false;
  std::thread drainer;

  ~Impl() {
    {
      const std::lock_guard<std::mutex> lock(wake_mutex);
      stop = true;
    }
    wake.notify_all();
    if (drainer.joinable()) drainer.join();
    link.reset();
    if (db) sqlite3_close(db);
  }

  bool exec(const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  Result<void> spool(const std::string& serial, uint64_t counter, const Bytes& reduced) {
    {
      const std::lock_guard<std::mutex> lock(db_mutex);
      if (spooled >= options.spool_limit) return Error::Io;
      Statement st(db, "INSERT INTO spool(subject, msg_id, published_ns, record) VALUES(?,?,?,?)");
      if (!st.s) return Error::Io;
      const std::string id = message_id(serial, counter, reduced);
      sqlite3_bind_text(st.s, 1, subject.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st.s, 2, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st.s, 3, now_ns());
      sqlite3_bind_blob(st.s, 4, reduced.data(), static_cast<int>(reduced.size()),
                        SQLITE_TRANSIENT);
      if (sqlite3_step(st.s) != SQLITE_DONE) return Error::Io;
      ++spooled;
    }
    {
      const std::lock_guard<std::mutex> lock(wake_mutex);
      pending = true;
    }
    wake.notify_all();
    return {};
  }

  // The record reduced to the configured fields it discloses.
  Result<Bytes> reduce(const Bytes& file, const SignedRecord& decoded) const {
    const std::vector<std::string>& wanted =
        options.disclose.empty() ? default_disclosure() : options.disclose;
    std::vector<std::string> keep;
    for (const auto& d : decoded.disclosures)
      if (std::find(wanted.begin(), wanted.end(), d.field) != wanted.end()) keep.push_back(d.field);
    return select_disclosures(file, keep);
  }

  std::vector<Spooled> oldest(int n) {
    std::vector<Spooled> out;
    const std::lock_guard<std::mutex> lock(db_mutex);
    Statement st(
        db, "SELECT seq, subject, msg_id, published_ns, record FROM spool ORDER BY seq LIMIT ?");
    if (!st.s) return out;
    sqlite3_bind_int(st.s, 1, n);
    while (sqlite3_step(st.s) == SQLITE_ROW) {
      Spooled r;
      r.seq = sqlite3_column_int64(st.s, 0);
      r.subject = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1));
      r.msg_id = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 2));
      r.published_ns = sqlite3_column_int64(st.s, 3);
      const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st.s, 4));
      r.record.assign(p, p + sqlite3_column_bytes(st.s, 4));
      out.push_back(std::move(r));
    }
    return out;
  }

  bool forget_through(int64_t seq, uint64_t count) {
    const std::lock_guard<std::mutex> lock(db_mutex);
    Statement st(db, "DELETE FROM spool WHERE seq <= ?");
    if (!st.s) return false;
    sqlite3_bind_int64(st.s, 1, seq);
    if (sqlite3_step(st.s) != SQLITE_DONE) return false;
    spooled -= std::min(spooled, count);
    return true;
  }

  // One record to JetStream, acknowledged (a duplicate acknowledgement counts: the id names
  // these exact bytes, so a duplicate is this record already stored).
  bool send(const Spooled& r) {
    if (!link) return false;
    natsMsg* msg = nullptr;
    if (natsMsg_Create(&msg, r.subject.c_str(), nullptr,
                       reinterpret_cast<const char*>(r.record.data()),
                       static_cast<int>(r.record.size())) != NATS_OK)
      return false;
    const std::string ns = std::to_string(r.published_ns);
    natsMsgHeader_Set(msg, kPublishedHeader, ns.c_str());
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = r.msg_id.c_str();
    po.MaxWait = options.ack_wait.count();
    po.ExpectStream = kRecordStream;
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = js_PublishMsg(&ack, link->js(), msg, &po, &jerr);
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(msg);
    return s == NATS_OK;
  }

  uint64_t drain() {
    const std::lock_guard<std::mutex> lock(drain_mutex);
    uint64_t n = 0;
    for (;;) {
      const std::vector<Spooled> batch = oldest(kDrainBatch);
      if (batch.empty()) return n;
      int64_t last = -1;
      uint64_t count = 0;
      bool failed = false;
      for (const auto& r : batch) {
        if (!send(r)) {
          failed = true;
          break;
        }
        last = r.seq;
        ++count;
      }
      if (count > 0) {
        sent += count;
        n += count;
        if (!forget_through(last, count)) return n;  // sent again later: JetStream drops it
      }
      if (failed) return n;
    }
  }

  void drain_loop() {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(wake_mutex);
        wake.wait_for(lock, kDrainInterval, [&] { return stop || pending; });
        if (stop) return;
        pending = false;
      }
      (void)drain();
    }
  }
};

Publisher::Publisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Publisher::Publisher(Publisher&&) noexcept = default;
Publisher& Publisher::operator=(Publisher&&) noexcept = default;
Publisher::~Publisher() = default;

Result<Publisher> Publisher::open(const PublisherOptions& options, std::string* why) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto subject = record_subject(options.site);
  if (!subject) {
    if (why) *why = "province and site must be 1..64 characters of A-Z a-z 0-9 _ -";
    return Error::InvalidArgument;
  }
  impl->subject = *subject;
  if (options.servers.empty()) {
    if (why) *why = "no NATS server given";
    return Error::InvalidArgument;
  }
  if (sqlite3_open_v2(options.spool.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    if (why) *why = "cannot open the spool " + options.spool;
    return Error::Io;
  }
  sqlite3_busy_timeout(impl->db, 5000);
  // A record is on disk before publish() returns (synchronous FULL): a gate that loses power
  // sends it after the restart.
  if (!impl->exec("PRAGMA journal_mode=WAL") || !impl->exec("PRAGMA synchronous=FULL") ||
      !impl->exec("CREATE TABLE IF NOT EXISTS spool(seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                  "subject TEXT NOT NULL, msg_id TEXT NOT NULL, published_ns INTEGER NOT NULL, "
                  "record BLOB NOT NULL)")) {
    if (why) *why = "cannot set up the spool " + options.spool + ": " + sqlite3_errmsg(impl->db);
    return Error::Io;
  }
  {
    Statement st(impl->db, "SELECT count(*) FROM spool");
    if (st.s && sqlite3_step(st.s) == SQLITE_ROW)
      impl->spooled = static_cast<uint64_t>(sqlite3_column_int64(st.s, 0));
  }
  NatsConnect how;
  how.keep_trying = true;
  how.api_wait_ms = options.ack_wait.count();
  auto link = JetStream::connect(options.servers, how, why);
  if (!link) return link.error();
  impl->link = std::make_unique<JetStream>(std::move(*link));
  impl->pending = impl->spooled > 0;
  Impl* raw = impl.get();
  impl->drainer = std::thread([raw] { raw->drain_loop(); });
  return Publisher(std::move(impl));
}

Result<void> Publisher::publish(const Decision& decision) {
  if (!decision.verified()) return Error::InvalidArgument;
  auto decoded = decode_signed(decision.record());
  if (!decoded) return decoded.error();
  auto reduced = impl_->reduce(decision.record(), *decoded);
  if (!reduced) return reduced.error();
  return impl_->spool(decision.reader_serial(), decision.counter(), *reduced);
}

Result<void> Publisher::publish_record(const Bytes& record_file) {
  auto decoded = decode_signed(record_file);
  if (!decoded) return decoded.error();
  auto reduced = impl_->reduce(record_file, *decoded);
  if (!reduced) return reduced.error();
  return impl_->spool(decoded->payload.serial, decoded->payload.counter, *reduced);
}

Result<uint64_t> Publisher::drain() {
  return impl_->drain();
}

Result<uint64_t> Publisher::spooled() const {
  const std::lock_guard<std::mutex> lock(impl_->db_mutex);
  return impl_->spooled;
}

uint64_t Publisher::sent() const {
  return impl_->sent.load();
}

}  // namespace idr::fleet
