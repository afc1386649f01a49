// idr-ingest's core (ingester.h, DESIGN 13).
#include "ingester.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "../nats_link.h"
#include "detect.h"
#include "idr/fleet.h"
#include "idr/session.h"
#include "idr/verify.h"

namespace idr::fleet {

namespace {

using namespace std::chrono_literals;

constexpr size_t kMaxLatencies = 5'000'000;  // samples kept for the percentiles

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_day(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

std::string hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

// "idr.rec.<province>.<site>" -> the two tokens; false when not that shape.
bool split_subject(const std::string& subject, std::string& province, std::string& site) {
  const std::string prefix = kRecordSubjectPrefix;
  if (subject.rfind(prefix, 0) != 0) return false;
  const std::string rest = subject.substr(prefix.size());
  const auto dot = rest.find('.');
  if (dot == std::string::npos) return false;
  province = rest.substr(0, dot);
  site = rest.substr(dot + 1);
  return valid_token(province) && valid_token(site);
}

struct PgResult {
  PGresult* r;
  explicit PgResult(PGresult* res) : r(res) {}
  ~PgResult() { PQclear(r); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  [[nodiscard]] ExecStatusType status() const { return PQresultStatus(r); }
};

bool exec_ok(PGconn* c, const char* sql, std::string* why) {
  PgResult r(PQexec(c, sql));
  if (r.status() == PGRES_COMMAND_OK || r.status() == PGRES_TUPLES_OK) return true;
  if (why) *why = PQerrorMessage(c);
  return false;
}

// A record taken from the stream, and what verifying it found.
struct Item {
  natsMsg* msg = nullptr;
  uint64_t stream_seq = 0;
  int64_t published_ns = 0;
  Bytes file;
  // After verification:
  bool verified = false;
  std::string reason;  // why not
  StoredRecord row;
  Bytes signature;
};

// The prepared statements of one worker's connection.
const char* const kStatements[][2] = {
    {"key",
     "INSERT INTO record_keys(reader_serial, counter, signature, record_id, day) "
     "VALUES($1, $2, $3, nextval('records_id_seq'), $4) ON CONFLICT DO NOTHING RETURNING "
     "record_id"},
    {"key_get",
     "SELECT signature, record_id FROM record_keys WHERE reader_serial = $1 AND counter = $2"},
    {"counter",
     "INSERT INTO reader_counters(reader_serial, last_counter) VALUES($1, $2) "
     "ON CONFLICT (reader_serial) DO UPDATE SET last_counter = EXCLUDED.last_counter, "
     "updated_at = now() WHERE reader_counters.last_counter < EXCLUDED.last_counter RETURNING 1"},
    {"record",
     "INSERT INTO records(id, day, reader_serial, counter, chip_uid, id_number, name, birth, "
     "province, site, read_time, published_at, counter_advanced, stream_seq, signed) "
     "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
     "CASE WHEN $11::bigint = 0 THEN NULL ELSE to_timestamp($11::bigint) END, "
     "CASE WHEN $12::bigint = 0 THEN NULL ELSE to_timestamp($12::bigint / 1e9) END, $13, $14, "
     "$15)"},
    {"reject",
     "INSERT INTO rejected_records(subject, stream_seq, reason, signed) VALUES($1, $2, $3, $4)"},
};

}  // namespace

std::string create_schema(PGconn* conn) {
  std::string why;
  const char* sql =
      "SET client_min_messages = warning;"  // no "already exists, skipping" notices
      "SELECT pg_advisory_xact_lock(7412);"
      "CREATE TABLE IF NOT EXISTS reader_counters(reader_serial text PRIMARY KEY, "
      "  last_counter bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());"
      "CREATE SEQUENCE IF NOT EXISTS records_id_seq;"
      "CREATE TABLE IF NOT EXISTS record_keys(reader_serial text NOT NULL, counter bigint NOT NULL,"
      "  signature bytea NOT NULL, record_id bigint NOT NULL, day date NOT NULL,"
      "  PRIMARY KEY(reader_serial, counter));"
      "CREATE TABLE IF NOT EXISTS records(id bigint NOT NULL, day date NOT NULL,"
      "  reader_serial text NOT NULL, counter bigint NOT NULL, chip_uid text NOT NULL,"
      "  id_number text NOT NULL, name text NOT NULL, birth text NOT NULL,"
      "  province text NOT NULL, site text NOT NULL, read_time timestamptz,"
      "  published_at timestamptz, ingested_at timestamptz NOT NULL DEFAULT clock_timestamp(),"
      "  counter_advanced boolean NOT NULL, stream_seq bigint NOT NULL, signed bytea NOT NULL,"
      "  PRIMARY KEY(day, id)) PARTITION BY RANGE (day);"
      "CREATE INDEX IF NOT EXISTS records_id_number ON records(id_number);"
      "CREATE INDEX IF NOT EXISTS records_chip_uid ON records(chip_uid);"
      "CREATE TABLE IF NOT EXISTS rejected_records(id bigserial PRIMARY KEY,"
      "  received_at timestamptz NOT NULL DEFAULT now(), subject text NOT NULL,"
      "  stream_seq bigint NOT NULL, reason text NOT NULL, signed bytea NOT NULL);"
      "";
  if (!exec_ok(conn, sql, &why)) return why.empty() ? "schema failed" : why;
  return {};
}

struct Ingester::Impl {
  IngestOptions options;
  Policy policy;
  std::unique_ptr<NatsLink> link;
  natsSubscription* sub = nullptr;

  struct Worker {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Item> queue;
    PGconn* conn = nullptr;
    std::set<std::string> days;  // partitions known to exist
    std::thread thread;
  };
  std::vector<std::unique_ptr<Worker>> workers;

  std::atomic<bool> stop{false};
  std::atomic<bool> workers_stop{false};
  std::mutex flow_mutex;
  std::condition_variable flow;
  size_t in_flight = 0;  // under flow_mutex
  size_t max_in_flight = 0;

  mutable std::mutex stats_mutex;
  IngestStats counts;
  std::vector<double> latencies_ms;
  std::string fatal;  // under stats_mutex: a worker's unrecoverable error

  ~Impl() {
    natsSubscription_Destroy(sub);
    link.reset();
    for (auto& w : workers)
      if (w->conn) PQfinish(w->conn);
  }

  Result<PGconn*> connect_pg(std::string* why) const {
    PGconn* c = PQconnectdb(options.conninfo.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      if (why) *why = std::string("PostgreSQL: ") + PQerrorMessage(c);
      PQfinish(c);
      return Error::TransportOpen;
    }
    return c;
  }

  bool prepare(PGconn* c, std::string* why) const {
    for (const auto& st : kStatements) {
      PgResult r(PQprepare(c, st[0], st[1], 0, nullptr));
      if (r.status() != PGRES_COMMAND_OK) {
        if (why) *why = PQerrorMessage(c);
        return false;
      }
    }
    return true;
  }

  bool ensure_partition(Worker& w, const std::string& day, std::string* why) {
    if (w.days.count(day)) return true;
    const std::string name = "records_" + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2);
    // One implicit transaction (a multi-statement query): its advisory lock is released at
    // its end even when CREATE fails (a session-level lock stayed held after a failure, and
    // every other worker waited for it forever).
    const std::string sql =
        "SET client_min_messages = warning; SELECT pg_advisory_xact_lock(7413);"
        "CREATE TABLE IF NOT EXISTS " +
        name + " PARTITION OF records FOR VALUES FROM ('" + day + "') TO ('" + day +
        "'::date + 1);";
    if (!exec_ok(w.conn, sql.c_str(), why)) return false;
    w.days.insert(day);
    return true;
  }

  // Verifies a worker's batch with the batch API on this worker's thread (the workers are
  // the parallelism); the counter is left to the transaction, the nonce was the gate's.
  void verify(std::vector<Item>& batch) const {
    VerifyOptions o;
    o.trust = &policy.trust;
    o.now = static_cast<int64_t>(std::time(nullptr));
    o.require_nonce = false;
    o.require_counter = false;
    std::vector<Bytes> files;
    files.reserve(batch.size());
    for (const auto& it : batch) files.push_back(it.file);
    const std::vector<VerifiedRecord> results = verify_records(files, o, 1);
    for (size_t i = 0; i < batch.size(); ++i) fill(batch[i], results.at(i));
  }

  static void fill(Item& it, const VerifiedRecord& v) {
    std::string province, site;
    const char* subject = natsMsg_GetSubject(it.msg);
    if (!split_subject(subject ? subject : "", province, site)) {
      it.reason = "subject is not idr.rec.<province>.<site>";
      return;
    }
    if (!v.verified()) {
      const RecordCheckResult* f = v.verdict().first_failure();
      it.reason = f ? std::string(to_string(f->check)) + ": " + f->message : "not verified";
      return;
    }
    const SignedPayload& p = v.record()->payload;
    if (p.counter > static_cast<uint64_t>(INT64_MAX)) {
      it.reason = "counter out of range";
      return;
    }
    it.verified = true;
    it.row.reader_serial = p.serial;
    it.row.counter = p.counter;
    it.row.chip_uid = hex(p.uid.data(), p.uid.size());
    it.row.id_number = v.card()->id_number;
    it.row.name = v.card()->name;
    it.row.birth = v.card()->birth;
    it.row.province = province;
    it.row.site = site;
    it.row.read_time = static_cast<int64_t>(std::min<uint64_t>(p.time, INT64_MAX));
    it.row.stream_seq = it.stream_seq;
    const auto& sig = v.record()->signature;
    it.signature.assign(sig.begin(), sig.end());
  }

  // The evidence of a record that is not stored in records, with why.
  bool reject(PGconn* c, const Item& it, const std::string& reason, std::string* why) {
    const std::string seq = std::to_string(it.stream_seq);
    const char* subject = natsMsg_GetSubject(it.msg);
    const char* values[] = {subject ? subject : "", seq.c_str(), reason.c_str(),
                            reinterpret_cast<const char*>(it.file.data())};
    const int lengths[] = {0, 0, 0, static_cast<int>(it.file.size())};
    const int formats[] = {0, 0, 0, 1};
    PgResult r(PQexecPrepared(c, "reject", 4, values, lengths, formats, 0));
    if (r.status() == PGRES_COMMAND_OK) return true;
    *why = PQerrorMessage(c);
    return false;
  }

  // One item in the open transaction. False (with `why`) rolls the batch back.
  bool store(Worker& w, Item& it, const std::string& day, uint64_t& stored, uint64_t& dups,
             uint64_t& rejected, std::string* why) {
    PGconn* c = w.conn;
    const std::string seq = std::to_string(it.stream_seq);
    if (!it.verified) {
      if (!reject(c, it, it.reason, why)) return false;
      ++rejected;
      return true;
    }
    StoredRecord& row = it.row;
    row.day = day;
    const std::string counter = std::to_string(row.counter);
    IngestTransaction txn;
    txn.conn = c;
    {
      const char* values[] = {row.reader_serial.c_str(), counter.c_str(),
                              reinterpret_cast<const char*>(it.signature.data()), day.c_str()};
      const int lengths[] = {0, 0, static_cast<int>(it.signature.size()), 0};
      const int formats[] = {0, 0, 1, 0};
      PgResult r(PQexecPrepared(c, "key", 4, values, lengths, formats, 0));
      if (r.status() != PGRES_TUPLES_OK) return *why = PQerrorMessage(c), false;
      if (PQntuples(r.r) == 1) {
        row.record_id = std::stoll(PQgetvalue(r.r, 0, 0));
      } else {
        const char* kv[] = {row.reader_serial.c_str(), counter.c_str()};
        PgResult g(PQexecPrepared(c, "key_get", 2, kv, nullptr, nullptr, 1));
        if (g.status() != PGRES_TUPLES_OK || PQntuples(g.r) != 1)
          return *why = PQerrorMessage(c), false;
        const bool same = static_cast<size_t>(PQgetlength(g.r, 0, 0)) == it.signature.size() &&
                          std::equal(it.signature.begin(), it.signature.end(),
                                     reinterpret_cast<const uint8_t*>(PQgetvalue(g.r, 0, 0)));
        if (same) {  // the same signed record again: already stored
          ++dups;
          return true;
        }
        // Same reader and counter, another signature: store the evidence, tell the detections.
        uint64_t stored_id = 0;
        const char* p = PQgetvalue(g.r, 0, 1);  // binary int8, big-endian
        for (int i = 0; i < 8; ++i) stored_id = (stored_id << 8) | static_cast<uint8_t>(p[i]);
        row.record_id = static_cast<int64_t>(stored_id);
        if (!reject(c, it,
                    "counter " + counter + " of " + row.reader_serial +
                        " repeated with another signed payload",
                    why))
          return false;
        ++rejected;
        txn.record = row;
        txn.counter = CounterEvent::RepeatedOtherContent;
        return detect(txn, why).ok();
      }
    }
    bool advanced = false;
    {
      const char* values[] = {row.reader_serial.c_str(), counter.c_str()};
      PgResult r(PQexecPrepared(c, "counter", 2, values, nullptr, nullptr, 0));
      if (r.status() != PGRES_TUPLES_OK) return *why = PQerrorMessage(c), false;
      advanced = PQntuples(r.r) == 1;
    }
    {
      const std::string id = std::to_string(row.record_id),
                        read_time = std::to_string(row.read_time),
                        published = std::to_string(it.published_ns);
      const char* values[] = {id.c_str(),
                              day.c_str(),
                              row.reader_serial.c_str(),
                              counter.c_str(),
                              row.chip_uid.c_str(),
                              row.id_number.c_str(),
                              row.name.c_str(),
                              row.birth.c_str(),
                              row.province.c_str(),
                              row.site.c_str(),
                              read_time.c_str(),
                              published.c_str(),
                              advanced ? "t" : "f",
                              seq.c_str(),
                              reinterpret_cast<const char*>(it.file.data())};
      int lengths[15] = {};
      int formats[15] = {};
      lengths[14] = static_cast<int>(it.file.size());
      formats[14] = 1;
      PgResult r(PQexecPrepared(c, "record", 15, values, lengths, formats, 0));
      if (r.status() != PGRES_COMMAND_OK) return *why = PQerrorMessage(c), false;
    }
    ++stored;
    txn.record = row;
    txn.counter = advanced ? CounterEvent::Advanced : CounterEvent::Below;
    return detect(txn, why).ok();
  }

  // Verifies and stores a batch in one transaction, then acknowledges it. Retries while
  // PostgreSQL fails (reconnecting); when stopping, gives the messages back (Nak).
  void process(Worker& w, std::vector<Item>& batch) {
    verify(batch);
    std::string why;
    for (int attempt = 0;; ++attempt) {
      if (attempt > 0) {
        if (stop.load() && attempt > 3) break;
        std::this_thread::sleep_for(std::min(attempt, 10) * 200ms);
        if (PQstatus(w.conn) != CONNECTION_OK) {
          PQreset(w.conn);
          if (PQstatus(w.conn) != CONNECTION_OK || !prepare(w.conn, &why)) continue;
          w.days.clear();
        }
      }
      const std::string day = utc_day(std::time(nullptr));
      if (!ensure_partition(w, day, &why) || !exec_ok(w.conn, "BEGIN", &why)) continue;
      uint64_t stored = 0, dups = 0, rejected = 0;
      bool ok = true;
      for (auto& it : batch) {
        if (!store(w, it, day, stored, dups, rejected, &why)) {
          ok = false;
          break;
        }
      }
      if (!ok || !exec_ok(w.conn, "COMMIT", &why)) {
        (void)exec_ok(w.conn, "ROLLBACK", nullptr);
        continue;
      }
      const int64_t committed = now_ns();
      for (auto& it : batch) (void)natsMsg_Ack(it.msg, nullptr);
      const std::lock_guard<std::mutex> lock(stats_mutex);
      counts.stored += stored;
      counts.duplicates += dups;
      counts.rejected += rejected;
      for (auto& it : batch)
        if (it.verified && it.published_ns > 0 && latencies_ms.size() < kMaxLatencies)
          latencies_ms.push_back(static_cast<double>(committed - it.published_ns) / 1e6);
      return;
    }
    // Stopping with PostgreSQL away: JetStream delivers these again to the next ingester.
    for (auto& it : batch) (void)natsMsg_Nak(it.msg, nullptr);
    const std::lock_guard<std::mutex> lock(stats_mutex);
    if (fatal.empty()) fatal = "PostgreSQL: " + why;
  }

  void worker_loop(Worker& w) {
    for (;;) {
      std::vector<Item> batch;
      {
        std::unique_lock<std::mutex> lock(w.mutex);
        w.cv.wait(lock, [&] { return !w.queue.empty() || workers_stop.load(); });
        if (w.queue.empty()) return;
        while (!w.queue.empty() && batch.size() < static_cast<size_t>(options.batch)) {
          batch.push_back(std::move(w.queue.front()));
          w.queue.pop_front();
        }
      }
      process(w, batch);
      for (auto& it : batch) natsMsg_Destroy(it.msg);
      {
        const std::lock_guard<std::mutex> lock(flow_mutex);
        in_flight -= batch.size();
      }
      flow.notify_all();
    }
  }

  void route(natsMsg* msg) {
    Item it;
    it.msg = msg;
    const auto* data = reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg));
    it.file.assign(data, data + natsMsg_GetDataLength(msg));
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) it.stream_seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    const char* published = nullptr;
    if (natsMsgHeader_Get(msg, kPublishedHeader, &published) == NATS_OK && published) {
      char* end = nullptr;
      const long long v = std::strtoll(published, &end, 10);
      if (end && *end == '\0' && v > 0) it.published_ns = v;
    }
    // The serial routes only (not trusted): one reader's records keep their order.
    std::string serial;
    if (auto d = decode_signed(it.file)) serial = d->payload.serial;
    Worker& w = *workers[std::hash<std::string>{}(serial) % workers.size()];
    {
      const std::lock_guard<std::mutex> lock(w.mutex);
      w.queue.push_back(std::move(it));
    }
    w.cv.notify_one();
  }
};

Ingester::Ingester(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ingester::Ingester(Ingester&&) noexcept = default;
Ingester& Ingester::operator=(Ingester&&) noexcept = default;
Ingester::~Ingester() = default;

Result<Ingester> Ingester::open(const IngestOptions& options, std::string* why) {
  if (options.workers < 1 || options.workers > 64 || options.batch < 1 || options.batch > 1024 ||
      !valid_token(options.durable)) {
    if (why) *why = "workers 1..64, batch 1..1024, durable a name of A-Z a-z 0-9 _ -";
    return Error::InvalidArgument;
  }
  if (options.trust.empty()) {
    if (why) *why = "no trust roots given";
    return Error::InvalidArgument;
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto policy = Policy::load({options.trust, options.revoked, "", ""}, why);
  if (!policy) return policy.error();
  impl->policy = std::move(*policy);
  // The schema first, on a connection of its own.
  {
    auto c = impl->connect_pg(why);
    if (!c) return c.error();
    const std::string failed = create_schema(*c);
    PQfinish(*c);
    if (!failed.empty()) {
      if (why) *why = "PostgreSQL schema: " + failed;
      return Error::Io;
    }
  }
  for (int i = 0; i < options.workers; ++i) {
    auto w = std::make_unique<Impl::Worker>();
    auto c = impl->connect_pg(why);
    if (!c) return c.error();
    w->conn = *c;
    if (!impl->prepare(w->conn, why)) return Error::Io;
    impl->workers.push_back(std::move(w));
  }
  auto stream = ensure_record_stream(options.servers, options.replicas, 10s, why);
  if (!stream) return stream.error();
  auto link = NatsLink::connect(options.servers, true, 5s, why);
  if (!link) return link.error();
  impl->link = std::move(*link);
  impl->max_in_flight = static_cast<size_t>(options.workers) * options.batch * 4;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = kRecordStream;
  so.Config.Durable = options.durable.c_str();
  so.Config.AckPolicy = js_AckExplicit;
  so.Config.AckWait =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options.ack_wait).count();
  so.Config.MaxAckPending = static_cast<int64_t>(impl->max_in_flight) * 2;
  so.Config.MaxDeliver = -1;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string all = std::string(kRecordSubjectPrefix) + ">";
  const natsStatus s = js_PullSubscribe(&impl->sub, impl->link->js(), all.c_str(),
                                        options.durable.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) {
    if (why) *why = "cannot bind the durable consumer: " + nats_error(s, jerr);
    return Error::Io;
  }
  return Ingester(std::move(impl));
}

Result<void> Ingester::run(std::string* why) {
  Impl& m = *impl_;
  for (auto& w : m.workers) {
    Impl::Worker* raw = w.get();
    w->thread = std::thread([&m, raw] { m.worker_loop(*raw); });
  }
  while (!m.stop.load()) {
    {
      std::unique_lock<std::mutex> lock(m.flow_mutex);
      m.flow.wait_for(lock, 200ms, [&] { return m.in_flight < m.max_in_flight; });
      if (m.in_flight >= m.max_in_flight) continue;
    }
    {
      const std::lock_guard<std::mutex> lock(m.stats_mutex);
      if (!m.fatal.empty()) break;
    }
    natsMsgList list{};
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = natsSubscription_Fetch(&list, m.sub, m.options.batch, 500, &jerr);
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      if (s != NATS_TIMEOUT) std::this_thread::sleep_for(200ms);  // a node away: reconnecting
      continue;
    }
    {
      const std::lock_guard<std::mutex> lock(m.flow_mutex);
      m.in_flight += static_cast<size_t>(list.Count);
    }
    for (int i = 0; i < list.Count; ++i) {
      m.route(list.Msgs[i]);
      list.Msgs[i] = nullptr;  // the worker owns it now
    }
    natsMsgList_Destroy(&list);
  }
  m.workers_stop = true;
  for (auto& w : m.workers) {
    w->cv.notify_all();
    if (w->thread.joinable()) w->thread.join();
  }
  // Acknowledgements are sent asynchronously: flush them before the connection goes.
  (void)natsConnection_FlushTimeout(m.link->connection(), 5000);
  const std::lock_guard<std::mutex> lock(m.stats_mutex);
  if (!m.fatal.empty()) {
    if (why) *why = m.fatal;
    return Error::Io;
  }
  return {};
}

void Ingester::request_stop() {
  impl_->stop = true;
}

IngestStats Ingester::stats() const {
  const std::lock_guard<std::mutex> lock(impl_->stats_mutex);
  IngestStats s = impl_->counts;
  std::vector<double> l = impl_->latencies_ms;
  if (!l.empty()) {
    std::sort(l.begin(), l.end());
    s.p50_ms = l[l.size() / 2];
    s.p99_ms = l[std::min(l.size() - 1, l.size() * 99 / 100)];
  }
  return s;
}

}  // namespace idr::fleet
