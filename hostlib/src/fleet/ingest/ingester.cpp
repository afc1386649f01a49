// idr-ingest's core (ingester.h, DESIGN 13).
#include "ingester.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <sys/stat.h>

#include "../../core/hex.h"
#include "detect.h"
#include "idr/blocklist.h"
#include "idr/fleet.h"
#include "idr/session.h"
#include "idr/verify.h"
#include "jetstream.h"
#include "list_distribution.h"
#include "list_follow.h"
#include "list_manifest.h"
#include "pg_array.h"
#include "pg_errors.h"

namespace idr::fleet {

namespace {

using namespace std::chrono_literals;

constexpr size_t kMaxLatencies = 5'000'000;         // samples kept for the percentiles
constexpr size_t kMaxFetch = 1024;                  // messages asked for by one pull request
constexpr uint64_t kMaxReadTime = 253'402'300'799;  // 9999-12-31T23:59:59Z
// process(): a batch's immediate retries when its day's partition is found gone, and how
// many times in a row a record is refused alone before it is rejected for it.
constexpr int kNoPartitionRetries = 3;
constexpr int kRefusalsToReject = 3;

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

// Text PostgreSQL takes from any input (a diagnostic: a subject, a reason): printable ASCII
// kept, any other byte as \xNN (a NUL or a byte that is not UTF-8 would fail the batch).
std::string printable(const std::string& in) {
  std::string out;
  for (const char ch : in) {
    const auto b = static_cast<uint8_t>(ch);
    if (b >= 0x20 && b < 0x7F) {
      out += ch;
    } else {
      out += "\\x";
      detail::append_hex(out, &b, 1);
    }
  }
  return out;
}

// The cluster's URLs as JetStream::connect takes them: comma separated.
std::string server_list(const std::vector<std::string>& servers) {
  std::string urls;
  for (const auto& s : servers) urls += (urls.empty() ? "" : ",") + s;
  return urls;
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

// COMMIT that committed: an aborted transaction answers COMMIT with the tag ROLLBACK.
bool commit_ok(PGconn* c, std::string* why) {
  PgResult r(PQexec(c, "COMMIT"));
  if (r.status() == PGRES_COMMAND_OK && std::strcmp(PQcmdStatus(r.r), "COMMIT") == 0) return true;
  if (why)
    *why = r.status() == PGRES_COMMAND_OK ? "the transaction was rolled back" : PQerrorMessage(c);
  return false;
}

// A record taken from the stream, and what verifying it found.
struct Item {
  natsMsg* msg = nullptr;
  // Delivered, or last told in progress, at (keep_held; under its worker's mutex).
  std::chrono::steady_clock::time_point held_since;
  uint64_t stream_seq = 0;
  int64_t published_ns = 0;
  Bytes file;
  // After verification:
  bool verified = false;
  std::string reason;  // why not
  StoredRecord row;
  Bytes signature;
};

// A worker's batch in one call (DESIGN 13): the server-side function idr_store_batch stores
// every record of the batch set-wise, in the batch's order, with what the per-record
// statements did before: record_keys decides new / the same record again / another signature
// for a stored (reader, counter); reader_counters keeps the highest counter per reader under
// row locks taken in reader order, a record being "advanced" when its counter is above both
// the stored one and every earlier new record of its reader in the batch; records gets the
// new ones, rejected_records what did not verify and the other signatures, each message's
// bytes once. It returns, in batch order, each record's outcome (new, duplicate, other,
// rejected, rejected-again), record id and counter_advanced.
const char* const kStoreBatch =
    "SELECT r_ord, r_outcome, r_record_id, r_advanced FROM idr_store_batch($1::date, $2, $3, $4, "
    "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
constexpr int kStoreBatchParams = 16;

// A worker's claim, in its batch's transaction (DESIGN 13): every stream sequence up to $3 is
// committed by an ingester on durable $1. Claims only rise.
const char* const kClaim =
    "INSERT INTO ingest_progress(durable, worker, low_seq) VALUES($1, $2, $3)"
    " ON CONFLICT (durable, worker) DO UPDATE SET low_seq = excluded.low_seq"
    " WHERE ingest_progress.low_seq < excluded.low_seq";

// The detections' options (ingester.h): list names unique, of [a-z0-9-] (they name alert
// subjects), a followed list's a published list's (1..32), with the authority's key, a
// directory and a gate name; speed limit positive, sites PROVINCE.SITE with coordinates in
// range, once each.
bool check_detect_options(const IngestOptions& o, std::string* why) {
  auto bad = [&](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  std::set<std::string> names;
  for (const auto& l : o.lists) {
    const bool ok = !l.name.empty() && l.name.size() <= 64 &&
                    std::all_of(l.name.begin(), l.name.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                    });
    if (!ok) return bad("list name '" + l.name + "': 1..64 of a-z 0-9 -");
    if (!names.insert(l.name).second) return bad("list " + l.name + " given twice");
  }
  const FollowedLists& f = o.follow;
  for (const auto& name : f.names) {
    if (!valid_list_name(name)) return bad("followed list '" + name + "': 1..32 of a-z 0-9 -");
    if (!names.insert(name).second) return bad("list " + name + " given twice");
  }
  if (!f.names.empty()) {
    if (f.authority.empty()) return bad("following lists needs the authority's public key");
    struct stat st {};
    if (::stat(f.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return bad("lists directory '" + f.dir + "' is not a directory");
    if (!valid_token(f.gate)) return bad("gate name '" + f.gate + "': 1..64 of A-Z a-z 0-9 _ -");
    if (f.poll_ms < 50 || f.poll_ms > 3'600'000) return bad("list poll 50..3600000 ms");
  }
  if (!(o.max_kmh > 0) || !std::isfinite(o.max_kmh)) return bad("max km/h must be above 0");
  std::set<std::string> sites;
  for (const auto& p : o.sites) {
    const auto dot = p.site.find('.');
    if (dot == std::string::npos || !valid_token(p.site.substr(0, dot)) ||
        !valid_token(p.site.substr(dot + 1)))
      return bad("site '" + p.site + "': PROVINCE.SITE, each of A-Z a-z 0-9 _ -");
    if (!(p.latitude >= -90 && p.latitude <= 90) || !(p.longitude >= -180 && p.longitude <= 180))
      return bad("site " + p.site + ": latitude -90..90, longitude -180..180");
    if (!sites.insert(p.site).second) return bad("site " + p.site + " given twice");
  }
  return true;
}

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
      // The consumer's progress (DESIGN 13): each worker's last claim that every stream
      // sequence up to low_seq was committed by an ingester on this durable, written in the
      // transaction that made it true; the durable's watermark is the highest claim.
      "CREATE TABLE IF NOT EXISTS ingest_progress(durable text NOT NULL, worker int NOT NULL,"
      "  low_seq bigint NOT NULL, PRIMARY KEY(durable, worker));"
      "CREATE INDEX IF NOT EXISTS records_chip_uid ON records(chip_uid);"
      // A rejected message is kept once: its bytes' SHA-256 is unique (a redelivery or a
      // republication of the same bytes adds no row).
      "CREATE TABLE IF NOT EXISTS rejected_records(id bigserial PRIMARY KEY,"
      "  received_at timestamptz NOT NULL DEFAULT now(), subject text NOT NULL,"
      "  stream_seq bigint NOT NULL, reason text NOT NULL, signed bytea NOT NULL,"
      "  signed_sha256 bytea NOT NULL UNIQUE);"
      // A table an older idr-ingest created has no signed_sha256 and may keep the same bytes
      // twice: the column is added and filled, the first row of each message kept, then it
      // is made unique (the index a UNIQUE column gets, by its name) and NOT NULL.
      "DO $up$ BEGIN IF to_regclass('rejected_records_signed_sha256_key') IS NULL THEN"
      "  ALTER TABLE rejected_records ADD COLUMN IF NOT EXISTS signed_sha256 bytea;"
      "  UPDATE rejected_records SET signed_sha256 = sha256(signed) WHERE signed_sha256 IS NULL;"
      "  DELETE FROM rejected_records r USING rejected_records e"
      "    WHERE e.signed_sha256 = r.signed_sha256 AND e.id < r.id;"
      "  CREATE UNIQUE INDEX rejected_records_signed_sha256_key"
      "    ON rejected_records(signed_sha256);"
      "  ALTER TABLE rejected_records ALTER COLUMN signed_sha256 SET NOT NULL;"
      " END IF; END $up$;"
      // The batch store (kStoreBatch). What it decides per record lives in a narrow
      // temporary table of the session, emptied at each commit (the signed bytes and the
      // fields go from the arrays straight into their tables); every statement sees what the
      // ones before it wrote and what concurrent transactions committed, as the per-record
      // statements did. Generic plans: the same statements run for every batch.
      "CREATE OR REPLACE FUNCTION idr_store_batch(p_day date, p_serial text[],"
      "  p_counter bigint[], p_signature bytea[], p_chip_uid text[], p_id_number text[],"
      "  p_name text[], p_birth text[], p_province text[], p_site text[], p_read_time bigint[],"
      "  p_published_ns bigint[], p_stream_seq bigint[], p_signed bytea[], p_subject text[],"
      "  p_reason text[])"
      " RETURNS TABLE(r_ord int, r_outcome text, r_record_id bigint, r_advanced boolean)"
      " LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$ BEGIN"
      "  IF to_regclass('pg_temp.idr_batch') IS NULL THEN"
      "    CREATE TEMP TABLE idr_batch(ord int NOT NULL, serial text, counter bigint,"
      "      signature bytea, first_of_key boolean, outcome text, record_id bigint,"
      "      advanced boolean, evidence bytea) ON COMMIT DELETE ROWS;"
      "  END IF;"
      "  DELETE FROM idr_batch;"  // a second call in one transaction
      "  INSERT INTO idr_batch(ord, serial, counter, signature, first_of_key, outcome)"
      "    SELECT t.ord, t.serial, t.counter, t.signature, t.reason IS NULL AND row_number()"
      "        OVER (PARTITION BY t.reason IS NULL, t.serial, t.counter ORDER BY t.ord) = 1,"
      "      CASE WHEN t.reason IS NOT NULL THEN 'rejected' END"
      "    FROM unnest(p_serial, p_counter, p_signature, p_reason) WITH ORDINALITY"
      "      AS t(serial, counter, signature, reason, ord);"
      // New keys: the first record of the batch with a (reader, counter) not stored before.
      "  WITH ins AS (INSERT INTO record_keys(reader_serial, counter, signature, record_id, day)"
      "      SELECT serial, counter, signature, nextval('records_id_seq'), p_day FROM idr_batch"
      "      WHERE first_of_key ORDER BY ord ON CONFLICT DO NOTHING"
      "      RETURNING reader_serial, counter, record_id)"
      "    UPDATE idr_batch b SET outcome = 'new', record_id = ins.record_id FROM ins"
      "    WHERE b.first_of_key AND b.serial = ins.reader_serial AND b.counter = ins.counter;"
      // The rest repeat a stored key: the same record again, or another signature for it.
      "  UPDATE idr_batch b SET record_id = k.record_id, outcome = CASE WHEN k.signature ="
      "      b.signature THEN 'duplicate' ELSE 'other' END FROM record_keys k"
      "    WHERE b.outcome IS NULL AND k.reader_serial = b.serial AND k.counter = b.counter;"
      "  IF EXISTS (SELECT 1 FROM idr_batch WHERE outcome IS NULL) THEN"
      "    RAISE EXCEPTION 'idr_store_batch: a record key neither stored nor found';"
      "  END IF;"
      // Counters: a row for every reader (-1: none yet, below every counter), locked in
      // reader order (two ingesters cannot deadlock on them), then read and raised.
      "  INSERT INTO reader_counters(reader_serial, last_counter)"
      "    SELECT DISTINCT serial, -1 FROM idr_batch WHERE outcome = 'new' ORDER BY serial"
      "    ON CONFLICT DO NOTHING;"
      "  PERFORM 1 FROM reader_counters WHERE reader_serial IN"
      "    (SELECT serial FROM idr_batch WHERE outcome = 'new') ORDER BY reader_serial FOR UPDATE;"
      "  UPDATE idr_batch b SET advanced = b.counter > greatest(c.last_counter, w.before)"
      "    FROM (SELECT ord, coalesce(max(counter) OVER (PARTITION BY serial ORDER BY ord"
      "        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), -1) AS before"
      "      FROM idr_batch WHERE outcome = 'new') w, reader_counters c"
      "    WHERE b.ord = w.ord AND c.reader_serial = b.serial;"
      "  UPDATE reader_counters c SET last_counter = m.top, updated_at = now()"
      "    FROM (SELECT serial, max(counter) AS top FROM idr_batch WHERE outcome = 'new'"
      "      GROUP BY serial) m"
      "    WHERE c.reader_serial = m.serial AND c.last_counter < m.top;"
      "  INSERT INTO records(id, day, reader_serial, counter, chip_uid, id_number, name, birth,"
      "      province, site, read_time, published_at, counter_advanced, stream_seq, signed)"
      "    SELECT b.record_id, p_day, b.serial, b.counter, p_chip_uid[b.ord],"
      "      p_id_number[b.ord], p_name[b.ord], p_birth[b.ord], p_province[b.ord], p_site[b.ord],"
      "      CASE WHEN p_read_time[b.ord] = 0 THEN NULL ELSE to_timestamp(p_read_time[b.ord]) END,"
      "      CASE WHEN p_published_ns[b.ord] = 0 THEN NULL"
      "        ELSE to_timestamp(p_published_ns[b.ord] / 1e9) END,"
      "      b.advanced, p_stream_seq[b.ord], p_signed[b.ord] FROM idr_batch b"
      "    WHERE b.outcome = 'new' ORDER BY b.ord;"
      // What is kept in rejected_records (did not verify, another signature) is kept once
      // per message bytes: the same bytes again, in this batch or kept before (a redelivery
      // after a crash, a republication past the stream's duplicate window), are
      // 'rejected-again' (no row; the caller still runs the rules for a verified one).
      "  UPDATE idr_batch b SET evidence = sha256(p_signed[b.ord])"
      "    WHERE b.outcome IN ('rejected', 'other');"
      "  UPDATE idr_batch b SET outcome = 'rejected-again' WHERE b.evidence IS NOT NULL AND"
      "    EXISTS (SELECT 1 FROM idr_batch e WHERE e.evidence = b.evidence AND e.ord < b.ord);"
      "  WITH kept AS (INSERT INTO rejected_records(subject, stream_seq, reason, signed,"
      "      signed_sha256)"
      "    SELECT p_subject[b.ord], p_stream_seq[b.ord], coalesce(p_reason[b.ord], 'counter ' ||"
      "      b.counter || ' of ' || b.serial || ' repeated with another signed payload'),"
      "      p_signed[b.ord], b.evidence FROM idr_batch b"
      "    WHERE b.outcome IN ('rejected', 'other') ORDER BY b.ord"
      "    ON CONFLICT (signed_sha256) DO NOTHING RETURNING signed_sha256)"
      "  UPDATE idr_batch b SET outcome = 'rejected-again'"
      "    WHERE b.outcome IN ('rejected', 'other')"
      "      AND b.evidence NOT IN (SELECT signed_sha256 FROM kept);"
      "  RETURN QUERY SELECT ord, outcome, record_id, coalesce(advanced, false) FROM idr_batch"
      "    ORDER BY ord;"
      " END $fn$;";
  if (!exec_ok(conn, sql, &why)) return why.empty() ? "schema failed" : why;
  return {};
}

struct Ingester::Impl {
  IngestOptions options;
  Policy policy;
  std::unique_ptr<JetStream> link;
  natsSubscription* sub = nullptr;

  struct Worker {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Item> queue;
    std::vector<Item*> taken;  // the batch in process(), until its Ack or Nak (under mutex)
    int index = 0;             // its row of ingest_progress
    PGconn* conn = nullptr;
    std::set<std::string> days;  // partitions known to exist
    std::thread thread;
    std::vector<Alert> alerts;              // raised in the open transaction
    std::unique_ptr<JetStream> alert_link;  // this worker's, for publish_pending_alerts
  };
  std::vector<std::unique_ptr<Worker>> workers;

  std::vector<std::shared_ptr<BlocklistHolder>> lists;  // the detector's lists point here
  std::unique_ptr<Detector> detector;

  // The followed lists (FollowedLists), each feeding its holder in `lists` from a thread of
  // its own while run() runs (list_follow.h: the same follower a gate runs).
  std::unique_ptr<ListKey> anchor;  // the authority's public key, the followers' trust anchor
  std::vector<std::unique_ptr<FollowedList>> followers;
  // Committed alerts may be unpublished (a crash after COMMIT, NATS away): publish first thing.
  std::atomic<bool> alerts_pending{true};

  // The consumer's progress (DESIGN 13). Under progress_mutex: the stream sequences taken and
  // not committed yet (a message delivered twice counts twice) and the highest sequence the
  // consumers this ingester made delivered; every sequence up to it that is not taken was
  // committed, because each consumer starts above it and its deliveries are checked to
  // arrive without a gap (next_delivery, the fetch loop's).
  std::mutex progress_mutex;
  std::map<uint64_t, int> outstanding;
  uint64_t max_delivered = 0;
  // Messages committed and not yet acknowledged, by stream sequence, with when they were last
  // told in progress: the consumer acknowledges all (AckAll), so one acknowledgement of the
  // highest at or below the watermark covers every one below it.
  struct Unacked {
    natsMsg* msg;
    std::chrono::steady_clock::time_point held_since;
  };
  std::map<uint64_t, Unacked> unacked;
  uint64_t next_delivery = 1;
  uint64_t consumer_start = 1;  // the stream sequence the current consumer starts at
  std::string consumer;         // its name (is_ingest_consumer)
  // Holds the durable's advisory lock (one ingester per durable) and writes the last claim.
  PGconn* lock_conn = nullptr;

  std::atomic<bool> stop{false};
  std::atomic<bool> workers_stop{false};
  std::mutex flow_mutex;
  std::condition_variable flow;
  size_t in_flight = 0;  // under flow_mutex
  size_t max_in_flight = 0;

  mutable std::mutex stats_mutex;
  IngestStats counts;
  mutable std::vector<double> latencies_ms;  // reordered by stats()
  std::string fatal;                         // under stats_mutex: a worker's unrecoverable error

  ~Impl() {
    stop_following();
    natsSubscription_Destroy(sub);
    link.reset();
    for (auto& w : workers)
      if (w->conn) PQfinish(w->conn);
    if (lock_conn) PQfinish(lock_conn);
    for (auto& u : unacked) natsMsg_Destroy(u.second.msg);
  }

  void tell(const std::string& list, const std::string& what) const {
    if (options.follow.on_event && !what.empty()) options.follow.on_event(list, what);
  }

  // Sets up the follower of list `name` feeding `holder`, brings the list up to the
  // published version once and loads the version in force.
  Result<void> follow(const std::string& name, std::shared_ptr<BlocklistHolder> holder,
                      std::string* why) {
    FollowedListOptions fo;
    fo.servers = options.servers;
    fo.connect.timeout_ms = 5000;
    fo.list = name;
    fo.dir = options.follow.dir;
    fo.gate = options.follow.gate;
    fo.replicas = options.replicas;
    fo.poll_ms = options.follow.poll_ms;
    fo.on_event = [this, name](const std::string& what) { tell(name, what); };
    auto f = FollowedList::open(*anchor, fo, std::move(holder), why);
    if (!f) return f.error();
    followers.push_back(std::move(*f));
    return {};
  }

  void start_following() {
    for (auto& f : followers) f->start();
  }

  void stop_following() {
    for (auto& f : followers) f->stop();
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
    constexpr Oid kDate = 1082, kTexts = 1009, kInt8s = 1016, kByteas = 1001;
    const Oid types[kStoreBatchParams] = {kDate,  kTexts,  kInt8s, kByteas, kTexts, kTexts,
                                          kTexts, kTexts,  kTexts, kTexts,  kInt8s, kInt8s,
                                          kInt8s, kByteas, kTexts, kTexts};
    PgResult r(PQprepare(c, "store_batch", kStoreBatch, kStoreBatchParams, types));
    PgResult claim(r.status() == PGRES_COMMAND_OK ? PQprepare(c, "claim", kClaim, 3, nullptr)
                                                  : nullptr);
    if (claim.r && claim.status() == PGRES_COMMAND_OK) return true;
    if (why) *why = PQerrorMessage(c);
    return false;
  }

  // The highest W such that every stream sequence up to W is committed or among the `n`
  // messages of `batch` (committed with the claim): just below the first sequence taken and
  // not among them, else every sequence delivered.
  uint64_t watermark(const Item* batch, size_t n) {
    std::vector<uint64_t> mine;
    mine.reserve(n);
    for (size_t i = 0; i < n; ++i) mine.push_back(batch[i].stream_seq);
    std::sort(mine.begin(), mine.end());
    const std::lock_guard<std::mutex> lock(progress_mutex);
    return watermark_locked(mine);
  }
  uint64_t watermark_locked(const std::vector<uint64_t>& mine) const {
    for (const auto& [seq, count] : outstanding) {
      const auto in_batch = std::equal_range(mine.begin(), mine.end(), seq);
      if (count > in_batch.second - in_batch.first) return seq - 1;
    }
    return max_delivered;
  }

  // Writes `low` as worker `index`'s claim on `c` (in its open transaction, if any).
  bool claim(PGconn* c, int index, uint64_t low, std::string* why) const {
    const std::string worker = std::to_string(index), seq = std::to_string(low);
    const char* values[3] = {options.durable.c_str(), worker.c_str(), seq.c_str()};
    PgResult r(PQexecPrepared(c, "claim", 3, values, nullptr, nullptr, 0));
    if (r.status() == PGRES_COMMAND_OK) return true;
    if (why) *why = PQerrorMessage(c);
    return false;
  }

  // The `n` messages of `batch` committed: no longer taken.
  void settle(const Item* batch, size_t n) {
    const std::lock_guard<std::mutex> lock(progress_mutex);
    for (size_t i = 0; i < n; ++i) {
      const auto at = outstanding.find(batch[i].stream_seq);
      if (at != outstanding.end() && --at->second == 0) outstanding.erase(at);
    }
  }

  // The consumer's configuration (DESIGN 13): a durable pull consumer `name` of every record
  // subject from stream sequence `start`, acknowledge-all, in memory with one replica.
  void consumer_config(jsConsumerConfig& cc, const std::string& all, uint64_t start,
                       const std::string& name) const {
    jsConsumerConfig_Init(&cc);
    cc.Durable = name.c_str();
    cc.FilterSubject = all.c_str();
    cc.AckPolicy = js_AckAll;
    cc.AckWait = std::chrono::duration_cast<std::chrono::nanoseconds>(options.ack_wait).count();
    cc.MaxAckPending = static_cast<int64_t>(max_in_flight) * 2;
    cc.MaxDeliver = -1;
    cc.DeliverPolicy = js_DeliverByStartSequence;
    cc.OptStartSeq = start;
    cc.Replicas = 1;
    cc.MemoryStorage = true;
  }

  // The consumer (DESIGN 13), made again: created under a new name (is_ingest_consumer) in
  // memory with one replica, delivering from just above the highest sequence delivered so
  // far, the fetch subscription bound to it, and the one before deleted (as far as it can
  // be: a node down keeps it until it returns). Its state is disposable: what it knew is in
  // PostgreSQL (the claims) and in this ingester (what is taken). Fetch loop only (and open).
  bool renew_consumer(std::string* why) {
    uint64_t start = 1;
    {
      const std::lock_guard<std::mutex> lock(progress_mutex);
      start = max_delivered + 1;
    }
    std::random_device random;
    char suffix[18];
    std::snprintf(suffix, sizeof suffix, "-%08x%08x", random(), random());
    const std::string name = options.durable + suffix;
    const std::string all = std::string(kRecordSubjectPrefix) + ">";
    jsConsumerConfig cc;
    consumer_config(cc, all, start, name);
    jsConsumerInfo* ci = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddConsumer(&ci, link->js(), kRecordStream, &cc, nullptr, &jerr);
    jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK) {
      if (why) *why = js_error("cannot create the consumer", s, jerr);
      return false;
    }
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = kRecordStream;
    so.Consumer = name.c_str();
    consumer_config(so.Config, all, start, name);  // libnats compares them
    natsSubscription* bound = nullptr;
    jerr = static_cast<jsErrCode>(0);
    s = js_PullSubscribe(&bound, link->js(), all.c_str(), name.c_str(), nullptr, &so, &jerr);
    if (s != NATS_OK) {
      if (why) *why = js_error("cannot bind the consumer", s, jerr);
      (void)js_DeleteConsumer(link->js(), kRecordStream, name.c_str(), nullptr, nullptr);
      return false;
    }
    natsSubscription_Destroy(sub);
    sub = bound;
    if (!consumer.empty())
      (void)js_DeleteConsumer(link->js(), kRecordStream, consumer.c_str(), nullptr, nullptr);
    consumer = name;
    next_delivery = 1;
    consumer_start = start;
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

  // Verifies a worker's batch on this worker's thread, record by record as verify_records
  // does on one thread (the workers are the parallelism), from the bytes received (no copy);
  // the counter is left to the transaction, the nonce was the gate's.
  void verify(std::vector<Item>& batch) const {
    VerifyOptions o;
    o.trust = &policy.trust;
    o.now = static_cast<int64_t>(std::time(nullptr));
    o.require_nonce = false;
    o.require_counter = false;
    for (auto& it : batch) fill(it, verify_record(it.file, o));
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
    // A time PostgreSQL's timestamptz cannot hold would fail the whole batch's transaction
    // again and again: the record is rejected instead (a reader's clock can be set wrong).
    if (p.time > kMaxReadTime) {
      it.reason = "reader time out of range";
      return;
    }
    it.verified = true;
    it.row.reader_serial = p.serial;
    it.row.counter = p.counter;
    it.row.chip_uid = detail::to_hex(p.uid.data(), p.uid.size(), detail::HexCase::Upper);
    it.row.id_number = v.card()->id_number;
    it.row.name = v.card()->name;
    it.row.birth = v.card()->birth;
    it.row.province = province;
    it.row.site = site;
    it.row.valid_from = v.card()->validity.from;
    it.row.read_time = static_cast<int64_t>(p.time);
    it.row.published_ns = it.published_ns;
    it.row.stream_seq = it.stream_seq;
    const Bytes& cose = v.record()->cose;
    it.row.record_sha256 = sha256_hex(cose.data(), cose.size());
    const auto& sig = v.record()->signature;
    it.signature.assign(sig.begin(), sig.end());
  }

  // What one transaction of a worker did, added to the figures once it committed.
  struct Tally {
    uint64_t stored = 0, dups = 0, rejected = 0;
  };
  // How a transaction ended: committed, refused for its data (pg_errors.h: the same records
  // fail again), refused because the day's partition is gone (the worker's cache of the
  // partitions made is stale: made again, then retried), or failed otherwise (retried).
  enum class Stored { Committed, DataError, NoPartition, Failed };

  // Stores `n` records from `batch` in the open transaction with one call of
  // idr_store_batch, then runs the detections for each record in batch order (each stored
  // record, and each record that repeats a stored (reader, counter) with another signature),
  // in the same transaction. Anything but Committed (with `why`) rolls it back.
  Stored store(Worker& w, Item* batch, size_t n, const std::string& day, Tally& tally,
               std::string* why) {
    size_t signed_size = 0;
    for (size_t i = 0; i < n; ++i) signed_size += batch[i].file.size() + 4;
    PgArray serial(kPgTextOid, 24 * n), counter(kPgInt8Oid, 12 * n), signature(kPgByteaOid, 68 * n),
        chip_uid(kPgTextOid, 20 * n), id_number(kPgTextOid, 24 * n), name(kPgTextOid, 16 * n),
        birth(kPgTextOid, 12 * n), province(kPgTextOid, 16 * n), site(kPgTextOid, 16 * n),
        read_time(kPgInt8Oid, 12 * n), published(kPgInt8Oid, 12 * n),
        stream_seq(kPgInt8Oid, 12 * n), signed_bytes(kPgByteaOid, signed_size),
        subject(kPgTextOid, 40 * n), reason(kPgTextOid);
    for (size_t i = 0; i < n; ++i) {
      const Item& it = batch[i];
      const char* subj = natsMsg_GetSubject(it.msg);
      subject.add(printable(subj ? subj : ""));
      stream_seq.add_int8(static_cast<int64_t>(it.stream_seq));
      signed_bytes.add(it.file);
      published.add_int8(it.published_ns);
      if (!it.verified) {
        reason.add(printable(it.reason));
        for (PgArray* a : {&serial, &counter, &signature, &chip_uid, &id_number, &name, &birth,
                           &province, &site, &read_time})
          a->add_null();
        continue;
      }
      reason.add_null();
      const StoredRecord& row = it.row;
      serial.add(row.reader_serial);
      counter.add_int8(static_cast<int64_t>(row.counter));  // <= INT64_MAX (fill)
      signature.add(it.signature);
      chip_uid.add(row.chip_uid);
      id_number.add(row.id_number);
      name.add(row.name);
      birth.add(row.birth);
      province.add(row.province);
      site.add(row.site);
      read_time.add_int8(row.read_time);
    }
    PgParams params;
    params.text(day.c_str());
    for (PgArray* a :
         {&serial, &counter, &signature, &chip_uid, &id_number, &name, &birth, &province, &site,
          &read_time, &published, &stream_seq, &signed_bytes, &subject, &reason})
      params.array(*a);
    assert(params.count() == kStoreBatchParams);
    PgResult r(PQexecPrepared(w.conn, "store_batch", params.count(), params.values(),
                              params.lengths(), params.formats(), 0));
    if (r.status() != PGRES_TUPLES_OK) {
      *why = PQerrorMessage(w.conn);
      if (pg_no_partition(r.r)) return Stored::NoPartition;
      if (!pg_data_error(r.r)) return Stored::Failed;
      *why = pg_refusal(r.r);
      return Stored::DataError;
    }
    if (static_cast<size_t>(PQntuples(r.r)) != n) {
      *why = "idr_store_batch returned " + std::to_string(PQntuples(r.r)) + " rows for " +
             std::to_string(n) + " records";
      return Stored::Failed;
    }
    std::vector<StoredRecord> to_detect;
    to_detect.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const int row = static_cast<int>(i);
      const std::string outcome = PQgetvalue(r.r, row, 1);
      if (std::strtoull(PQgetvalue(r.r, row, 0), nullptr, 10) != i + 1) {
        *why = "idr_store_batch returned its rows out of order";
        return Stored::Failed;
      }
      Item& it = batch[i];
      if (outcome == "rejected") {
        ++tally.rejected;
        continue;
      }
      // The same signed record again (already stored), or the same bytes as a message
      // already kept in rejected_records.
      if (outcome == "duplicate" || (outcome == "rejected-again" && !it.verified)) {
        ++tally.dups;
        continue;
      }
      it.row.day = day;
      it.row.record_id = std::strtoll(PQgetvalue(r.r, row, 2), nullptr, 10);
      if (outcome == "new") {
        ++tally.stored;
      } else if (outcome == "other") {  // kept in rejected_records; the id is the stored one
        ++tally.rejected;
      } else if (outcome == "rejected-again") {
        // Another signature for a stored key whose bytes were kept before, maybe for a
        // reason outside them (a malformed subject, a trust root missing then): the rules
        // still see it, or a clone rejected once first would evade them. Running them again
        // raises nothing twice (alerts are unique by kind, reader and counter).
        ++tally.dups;
      } else {
        *why = "idr_store_batch: unknown outcome " + outcome;
        return Stored::Failed;
      }
      to_detect.push_back(it.row);
    }
    // The detections for these records, in the batch's transaction and order: one call.
    auto detected = detect(*detector, w.conn, to_detect, w.alerts, why);
    if (!detected)
      return detected.error() == Error::InvalidArgument ? Stored::DataError : Stored::Failed;
    return Stored::Committed;
  }

  // One transaction: `n` records of `batch` stored and their detections run, then COMMIT;
  // on success the figures and the alerts raised are noted (the caller acknowledges).
  Stored commit(Worker& w, Item* batch, size_t n, bool& raised, std::string* why) {
    const std::string day = utc_day(std::time(nullptr));
    if (!ensure_partition(w, day, why) || !exec_ok(w.conn, "BEGIN", why)) return Stored::Failed;
    Tally tally;
    w.alerts.clear();
    Stored done = store(w, batch, n, day, tally, why);
    // The claim commits with the batch: whatever crashes after, PostgreSQL says where to
    // resume (DESIGN 13).
    if (done == Stored::Committed && !claim(w.conn, w.index, watermark(batch, n), why))
      done = Stored::Failed;
    if (done == Stored::Committed && !commit_ok(w.conn, why)) done = Stored::Failed;
    if (done != Stored::Committed) {
      (void)exec_ok(w.conn, "ROLLBACK", nullptr);
      if (done == Stored::NoPartition) w.days.clear();  // ensure_partition makes it again
      return done;
    }
    settle(batch, n);
    const int64_t committed = now_ns();
    detector->committed(w.alerts);
    raised = raised || !w.alerts.empty();
    const std::lock_guard<std::mutex> lock(stats_mutex);
    counts.alerts += w.alerts.size();
    counts.stored += tally.stored;
    counts.duplicates += tally.dups;
    counts.rejected += tally.rejected;
    for (size_t i = 0; i < n; ++i)
      if (batch[i].verified && batch[i].published_ns > 0 && latencies_ms.size() < kMaxLatencies)
        latencies_ms.push_back(static_cast<double>(committed - batch[i].published_ns) / 1e6);
    return Stored::Committed;
  }

  // Verifies and stores a batch in one transaction, then acknowledges it. Retries while
  // PostgreSQL fails (reconnecting); when stopping, gives the messages back (Nak). A record is
  // rejected for PostgreSQL's sake only when it is itself what PostgreSQL refuses:
  // - a transaction refused because the day's partition is gone (pg_no_partition: dropped
  //   since this worker made it) is tried again at once with the partition made again, at most
  //   kNoPartitionRetries times a batch, then like any failure (waiting between tries);
  // - a batch PostgreSQL refuses for its data (pg_errors.h: the store or the detections) is
  //   stored again one record per transaction; a record refused alone kRefusalsToReject times
  //   in a row (the day-partition cache cleared and a wait before each new try, so a refusal
  //   that came from the moment rejects nothing) is rejected with PostgreSQL's reason (kept in
  //   rejected_records, pg_refusal's "SQLSTATE message"), the others are stored.
  void process(Worker& w, std::vector<Item>& batch) {
    verify(batch);
    std::string why;
    bool one_by_one = false, raised = false;
    size_t next = 0;       // one by one: the first record not committed yet
    int refusals = 0;      // of batch[next] alone, in a row
    int no_partition = 0;  // immediate retries after a partition found gone
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
      Stored done = Stored::Committed;
      if (!one_by_one) {
        done = commit(w, batch.data(), batch.size(), raised, &why);
        if (done == Stored::Committed) next = batch.size();
        if (done == Stored::DataError) {  // not a failure to wait for: one by one at once
          one_by_one = true;
          done = Stored::Committed;
        }
      }
      while (done == Stored::Committed && next < batch.size()) {
        Item& it = batch[next];
        done = commit(w, &it, 1, raised, &why);
        if (done == Stored::Committed) {
          ++next;
          refusals = 0;
        } else if (done == Stored::DataError && it.verified) {
          // A reject refused (nothing of its data is stored but printable text and bytes) is
          // retried like any failure.
          if (++refusals < kRefusalsToReject) {
            w.days.clear();
            break;
          }
          it.verified = false;  // refused alone again and again: the record's own data
          it.reason = "PostgreSQL refused the record: " + why.substr(0, why.find('\n'));
          refusals = 0;
          done = Stored::Committed;
        }
      }
      if (done == Stored::NoPartition && ++no_partition <= kNoPartitionRetries) {
        attempt = -1;  // made again by the next commit: no wait
        continue;
      }
      if (next < batch.size()) continue;
      release(w);
      acknowledge(batch);
      const size_t published = publish_alerts(w, raised);
      const std::lock_guard<std::mutex> lock(stats_mutex);
      counts.alerts_published += published;
      return;
    }
    // Stopping with PostgreSQL away: JetStream delivers these again to the next ingester
    // (what was committed one by one is recognised then as a duplicate).
    release(w);
    for (auto& it : batch) (void)natsMsg_Nak(it.msg, nullptr);
    const std::lock_guard<std::mutex> lock(stats_mutex);
    if (fatal.empty()) fatal = "PostgreSQL: " + why;
  }

  // The batch is about to be acknowledged (or given back): no more keep_held for it.
  static void release(Worker& w) {
    const std::lock_guard<std::mutex> lock(w.mutex);
    w.taken.clear();
  }

  // Tells JetStream that each message taken and not yet acknowledged (queued, or in a batch
  // being verified or stored) for `older` or more is still being worked on, which restarts
  // its ack wait: a backlog or a slow PostgreSQL never makes JetStream deliver a held message
  // a second time (a worker would find it a duplicate; one that did not verify would be
  // rejected twice). Messages held a short time cost nothing.
  void keep_held(std::chrono::steady_clock::duration older) {
    const auto now = std::chrono::steady_clock::now();
    const auto keep = [&](natsMsg* msg, std::chrono::steady_clock::time_point& held_since) {
      if (now - held_since < older) return;
      (void)natsMsg_InProgress(msg, nullptr);
      held_since = now;
    };
    for (auto& w : workers) {
      const std::lock_guard<std::mutex> lock(w->mutex);
      for (auto& it : w->queue) keep(it.msg, it.held_since);
      for (Item* it : w->taken) keep(it->msg, it->held_since);
    }
    const std::lock_guard<std::mutex> lock(progress_mutex);
    for (auto& u : unacked) keep(u.second.msg, u.second.held_since);
  }

  // A committed batch's messages join those waiting for their acknowledgement; the highest
  // at or below the watermark is acknowledged (AckAll: every message below it too, all of them
  // committed), and those it covered are let go. What is above waits for the commits below it.
  void acknowledge(std::vector<Item>& batch) {
    std::vector<natsMsg*> done;
    natsMsg* ack = nullptr;
    {
      const std::lock_guard<std::mutex> lock(progress_mutex);
      for (auto& it : batch) {
        // A second delivery of a sequence already waiting is let go: one is enough.
        if (!unacked.emplace(it.stream_seq, Unacked{it.msg, it.held_since}).second)
          done.push_back(it.msg);
        it.msg = nullptr;
      }
      const auto end = unacked.upper_bound(watermark_locked({}));
      if (end != unacked.begin()) {
        ack = std::prev(end)->second.msg;
        for (auto u = unacked.begin(); u != end; ++u) done.push_back(u->second.msg);
        unacked.erase(unacked.begin(), end);
      }
    }
    if (ack) (void)natsMsg_Ack(ack, nullptr);
    for (natsMsg* m : done) natsMsg_Destroy(m);
  }

  // After a COMMIT that raised alerts (or while earlier ones wait): publishes every committed,
  // unpublished alert. A failure leaves them for the next call (they stay in `alerts`).
  size_t publish_alerts(Worker& w, bool raised) {
    if (!raised && !alerts_pending.load()) return 0;
    alerts_pending = false;
    std::string why;
    if (!w.alert_link) {
      auto js = JetStream::connect(server_list(options.servers), 5000, &why);
      if (!js) {
        alerts_pending = true;
        return 0;
      }
      w.alert_link = std::make_unique<JetStream>(std::move(*js));
    }
    auto n = publish_pending_alerts(w.conn, *w.alert_link, options.replicas, &why);
    if (!n) {
      alerts_pending = true;
      return 0;
    }
    return *n;
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
        for (auto& it : batch) w.taken.push_back(&it);  // the batch no longer grows
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

  // Queues a message for its reader's worker; the fetch loop counted it taken.
  void route(natsMsg* msg, uint64_t stream_seq) {
    Item it;
    it.msg = msg;
    it.held_since = std::chrono::steady_clock::now();
    const auto* data = reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg));
    it.file.assign(data, data + natsMsg_GetDataLength(msg));
    it.stream_seq = stream_seq;
    const char* published = nullptr;
    if (natsMsgHeader_Get(msg, kPublishedHeader, &published) == NATS_OK && published) {
      char* end = nullptr;
      const long long v = std::strtoll(published, &end, 10);
      if (end && *end == '\0' && v > 0) it.published_ns = v;
    }
    // The serial routes only (not trusted): one reader's records keep their order. A gate
    // names it first in the Nats-Msg-Id (serial:counter:SHA-256, fleet.h), read here at no
    // cost; a message without one is decoded for it. A message whose id names another serial
    // than its record only moves itself to another worker: whoever publishes it chooses its
    // place in the stream anyway, and exactly once is record_keys' (DESIGN 13).
    std::string serial;
    const char* id = nullptr;
    const char* colon = nullptr;
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id != nullptr)
      colon = std::strchr(id, ':');
    if (colon != nullptr && colon != id && colon - id <= 64)
      serial.assign(id, colon);
    else if (auto d = decode_signed(it.file))
      serial = d->payload.serial;
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
  if (!check_detect_options(options, why)) return Error::InvalidArgument;
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  DetectConfig detect_config;
  detect_config.max_kmh = options.max_kmh;
  for (const auto& l : options.lists) {
    impl->lists.push_back(std::make_shared<BlocklistHolder>());
    std::string failed;
    if (!impl->lists.back()->reload(l.path, &failed)) {
      if (why) *why = "list " + l.name + " (" + l.path + "): " + failed;
      return Error::InvalidArgument;
    }
    detect_config.lists.emplace_back(l.name, impl->lists.back().get());
  }
  for (const auto& name : options.follow.names) {  // loaded below, once followed
    impl->lists.push_back(std::make_shared<BlocklistHolder>());
    detect_config.lists.emplace_back(name, impl->lists.back().get());
  }
  impl->detector = std::make_unique<Detector>(std::move(detect_config));
  auto policy = Policy::load({options.trust, options.revoked, "", ""}, why);
  if (!policy) return policy.error();
  impl->policy = std::move(*policy);
  // The schemas and the sites first, on a connection of their own.
  {
    auto c = impl->connect_pg(why);
    if (!c) return c.error();
    std::string failed = create_schema(*c);
    if (failed.empty()) (void)Detector::install_schema(*c, &failed);
    for (const auto& site : options.sites)
      if (failed.empty())
        (void)Detector::set_site(*c, site.site, site.latitude, site.longitude, &failed);
    PQfinish(*c);
    if (!failed.empty()) {
      if (why) *why = "PostgreSQL schema: " + failed;
      return Error::Io;
    }
  }
  // One ingester per durable (DESIGN 13: the claims describe what this process took): a
  // session advisory lock on the durable's name, held by a connection of its own until the
  // ingester ends (a killed ingester's is released when PostgreSQL sees its connection go).
  {
    auto c = impl->connect_pg(why);
    if (!c) return c.error();
    impl->lock_conn = *c;
    const char* values[1] = {options.durable.c_str()};
    bool locked = false;
    for (int tries = 0; !locked && tries < 40; ++tries) {
      if (tries > 0) std::this_thread::sleep_for(250ms);
      PgResult r(PQexecParams(*c, "SELECT pg_try_advisory_lock(7414, hashtext($1))", 1, nullptr,
                              values, nullptr, nullptr, 0));
      if (r.status() != PGRES_TUPLES_OK) {
        if (why) *why = std::string("PostgreSQL: ") + PQerrorMessage(*c);
        return Error::Io;
      }
      locked = std::strcmp(PQgetvalue(r.r, 0, 0), "t") == 0;
    }
    if (!locked) {
      if (why)
        *why = "durable " + options.durable +
               " is in use by another idr-ingest (its PostgreSQL advisory lock was held for 10 s)";
      return Error::Io;
    }
    // The last claim (run()'s end) goes through this connection.
    PgResult r(PQprepare(*c, "claim", kClaim, 3, nullptr));
    if (r.status() != PGRES_COMMAND_OK) {
      if (why) *why = std::string("PostgreSQL: ") + PQerrorMessage(*c);
      return Error::Io;
    }
  }
  for (int i = 0; i < options.workers; ++i) {
    auto w = std::make_unique<Impl::Worker>();
    auto c = impl->connect_pg(why);
    if (!c) return c.error();
    w->conn = *c;
    w->index = i;
    if (!impl->prepare(w->conn, why)) return Error::Io;
    impl->workers.push_back(std::move(w));
  }
  auto stream = ensure_record_stream(options.servers, options.replicas, 10s, why);
  if (!stream) return stream.error();
  NatsConnect how;
  how.keep_trying = true;
  auto link = JetStream::connect(options.servers, how, why);
  if (!link) return link.error();
  impl->link = std::make_unique<JetStream>(std::move(*link));
  if (!options.follow.names.empty()) {
    auto anchor = ListKey::load(options.follow.authority, why);
    if (!anchor) {
      if (why) *why = "authority key " + options.follow.authority + ": " + *why;
      return Error::InvalidArgument;
    }
    impl->anchor = std::make_unique<ListKey>(std::move(*anchor));
    const size_t first = impl->lists.size() - options.follow.names.size();
    for (size_t i = 0; i < options.follow.names.size(); ++i) {
      auto followed = impl->follow(options.follow.names[i], impl->lists[first + i], why);
      if (!followed) return followed.error();
    }
  }
  impl->max_in_flight = static_cast<size_t>(options.workers) * options.batch * 4;
  // Where to resume (DESIGN 13): the highest claim in PostgreSQL, or the consumer's own
  // acknowledgement floor when it says more (acknowledgements follow commits; a consumer an
  // older idr-ingest made has no claims beside it). The consumer is then made again from
  // there: anything a previous ingester took and did not commit comes again at once.
  uint64_t resume = 0;
  {
    const char* values[1] = {options.durable.c_str()};
    PgResult r(PQexecParams(impl->lock_conn,
                            "SELECT coalesce(max(low_seq), 0) FROM ingest_progress"
                            " WHERE durable = $1",
                            1, nullptr, values, nullptr, nullptr, 0));
    if (r.status() != PGRES_TUPLES_OK) {
      if (why) *why = std::string("PostgreSQL: ") + PQerrorMessage(impl->lock_conn);
      return Error::Io;
    }
    resume = std::strtoull(PQgetvalue(r.r, 0, 0), nullptr, 10);
  }
  // Consumers an earlier ingester on this durable left (its own name: an older idr-ingest's;
  // DURABLE-<hex>: one killed before it deleted its own): their acknowledgement floors count
  // (acknowledgements follow commits), then they go.
  std::vector<std::string> left;
  jsConsumerNamesList* names = nullptr;
  if (js_ConsumerNames(&names, impl->link->js(), kRecordStream, nullptr, nullptr) == NATS_OK) {
    for (int i = 0; i < names->Count; ++i)
      if (names->List[i] == options.durable || is_ingest_consumer(options.durable, names->List[i]))
        left.emplace_back(names->List[i]);
  }
  jsConsumerNamesList_Destroy(names);
  for (const auto& name : left) {
    jsConsumerInfo* old = nullptr;
    if (js_GetConsumerInfo(&old, impl->link->js(), kRecordStream, name.c_str(), nullptr, nullptr) ==
        NATS_OK)
      resume = std::max(resume, old->AckFloor.Stream);
    jsConsumerInfo_Destroy(old);
  }
  impl->max_delivered = resume;
  std::string failed;
  if (retry_transient([&] { return impl->renew_consumer(&failed) ? NATS_OK : NATS_TIMEOUT; },
                      10000) != NATS_OK) {
    if (why) *why = failed;
    return Error::Io;
  }
  for (const auto& name : left)
    (void)js_DeleteConsumer(impl->link->js(), kRecordStream, name.c_str(), nullptr, nullptr);
  return Ingester(std::move(impl));
}

Result<void> Ingester::run(std::string* why) {
  Impl& m = *impl_;
  for (auto& w : m.workers) {
    Impl::Worker* raw = w.get();
    w->thread = std::thread([&m, raw] { m.worker_loop(*raw); });
  }
  m.start_following();
  // Messages held a third of the ack wait are kept in progress, looked for every sixth: a
  // message is told at the latest half-way through its ack wait.
  const auto keep_older = m.options.ack_wait / 3;
  auto kept = std::chrono::steady_clock::now();
  bool quiet = false;  // since quiet_since, no message
  auto quiet_since = kept, checked = kept;
  while (!m.stop.load()) {
    if (std::chrono::steady_clock::now() - kept >= keep_older / 2) {
      m.keep_held(keep_older);
      kept = std::chrono::steady_clock::now();
    }
    {
      std::unique_lock<std::mutex> lock(m.flow_mutex);
      m.flow.wait_for(lock, 200ms, [&] { return m.in_flight < m.max_in_flight; });
      if (m.in_flight >= m.max_in_flight) continue;
    }
    {
      const std::lock_guard<std::mutex> lock(m.stats_mutex);
      if (!m.fatal.empty()) break;
    }
    // As much as the in-flight window has room for (fewer pull requests), at least a batch.
    int fetch = m.options.batch;
    {
      const std::lock_guard<std::mutex> lock(m.flow_mutex);
      fetch = static_cast<int>(std::clamp<size_t>(m.max_in_flight - m.in_flight,
                                                  static_cast<size_t>(m.options.batch), kMaxFetch));
    }
    natsMsgList list{};
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = natsSubscription_Fetch(&list, m.sub, fetch, 500, &jerr);
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      // Nothing for a while: the consumer may be gone (its node down or restarted, the
      // cluster restarted; DESIGN 13). Asked every 2 s, and made again when it does not answer.
      const auto now = std::chrono::steady_clock::now();
      if (!quiet) quiet_since = now;
      quiet = true;
      if (now - quiet_since >= 2s && now - checked >= 2s) {
        checked = now;
        jsConsumerInfo* ci = nullptr;
        const natsStatus info = js_GetConsumerInfo(&ci, m.link->js(), kRecordStream,
                                                   m.consumer.c_str(), nullptr, nullptr);
        jsConsumerInfo_Destroy(ci);
        if (info != NATS_OK) (void)m.renew_consumer(nullptr);
      }
      if (s != NATS_TIMEOUT) std::this_thread::sleep_for(200ms);  // a node away: reconnecting
      continue;
    }
    quiet = false;
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* msg = list.Msgs[i];
      jsMsgMetaData* meta = nullptr;
      uint64_t delivery = 0, seq = 0, count = 0;
      if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
        delivery = meta->Sequence.Consumer;
        seq = meta->Sequence.Stream;
        count = meta->NumDelivered;
      }
      jsMsgMetaData_Destroy(meta);
      if (delivery != m.next_delivery || seq == 0 || (count == 1 && seq < m.consumer_start)) {
        // A delivery missed (lost on a reconnection, a consumer that restarted empty), or a
        // first delivery below where this consumer starts (not this consumer's):
        // what follows is dropped unacknowledged and the consumer made again above the last
        // sequence received, so nothing is skipped (DESIGN 13).
        (void)m.renew_consumer(nullptr);
        break;
      }
      ++m.next_delivery;
      {
        const std::lock_guard<std::mutex> lock(m.progress_mutex);
        ++m.outstanding[seq];
        m.max_delivered = std::max(m.max_delivered, seq);
      }
      {
        const std::lock_guard<std::mutex> lock(m.flow_mutex);
        ++m.in_flight;
      }
      m.route(msg, seq);
      list.Msgs[i] = nullptr;  // the worker owns it now
    }
    natsMsgList_Destroy(&list);
  }
  m.workers_stop = true;
  for (auto& w : m.workers) {
    w->cv.notify_all();
    if (w->thread.joinable()) w->thread.join();
  }
  m.stop_following();
  // Acknowledgements are sent asynchronously: flush them before the connection goes.
  (void)natsConnection_FlushTimeout(m.link->nc(), 5000);
  // The last claim: what the workers committed last (a next start resumes there).
  (void)m.claim(m.lock_conn, 0, m.watermark(nullptr, 0), nullptr);
  // Alerts a failed publish left behind: one more try (else the next ingester sends them).
  if (m.alerts_pending.load() && !m.workers.empty()) {
    const size_t n = m.publish_alerts(*m.workers[0], false);
    const std::lock_guard<std::mutex> lock(m.stats_mutex);
    m.counts.alerts_published += n;
  }
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

std::vector<int64_t> Ingester::read_to_alert_us() const {
  return impl_->detector->read_to_alert_us();
}

IngestStats Ingester::stats() const {
  const std::lock_guard<std::mutex> lock(impl_->stats_mutex);
  IngestStats s = impl_->counts;
  // Selection in place (the samples' order means nothing): no copy, no full sort, so polling
  // stats() takes little from the workers.
  std::vector<double>& l = impl_->latencies_ms;
  if (!l.empty()) {
    const auto at = [&l](size_t k) {
      std::nth_element(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(k), l.end());
      return l[k];
    };
    s.p50_ms = at(l.size() / 2);
    s.p99_ms = at(std::min(l.size() - 1, l.size() * 99 / 100));
  }
  return s;
}

}  // namespace idr::fleet
