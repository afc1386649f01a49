#pragma once
// idr-ingest's core (DESIGN 13): a pull consumer on the record stream, N workers that verify
// every record again and store it in PostgreSQL, acknowledging only after the commit.
//
// Progress: the consumer's state is disposable (in memory, one replica). Each batch's
// transaction writes a claim in ingest_progress (every stream sequence up to it committed);
// the consumer is made again (a new name each time: is_ingest_consumer) from the highest claim
// at every start and whenever it is lost (its node down, deliveries with a gap), so nothing
// is lost with it. One ingester per durable name (a PostgreSQL advisory lock).
//
// Exactly once: a record's key (reader serial, counter) is the primary key of record_keys,
// inserted in the transaction that stores the record, so a record delivered again (a crash
// between commit and acknowledgement, a gate's spool sending it twice after the duplicate
// window) is recognised and acknowledged without a second row; a message kept in
// rejected_records is kept once (the SHA-256 of its bytes is unique there), yet a record that
// verifies goes through the detections even when its bytes were kept before for a reason
// outside them (a malformed subject, a trust root missing then). A batch PostgreSQL
// refuses for its data is stored again one record per transaction: a record refused alone
// three times in a row is rejected with the reason ("SQLSTATE message"), the others are
// stored; a day partition found gone is made again (other errors are retried). Per-reader
// order: each reader serial goes to one worker (hash), whose queue is first in, first out.
//
// Detections (DESIGN 13): every verified record that is not a redelivery of a stored one goes
// through the rules (detections.h) in the transaction that stores it; after COMMIT the alerts
// raised are published on alerts.KIND (stream IDR_ALERTS). A record delivered again after a
// crash either was committed (record_keys: no rule runs again; another signature for a stored
// key runs them again, and alerts are unique by kind, reader and counter) or was rolled back
// with its alerts, so nothing is raised twice.
//
// Thread safety: run() on one thread; request_stop() from any thread or a signal handler's
// flag watcher; stats() from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "idr/error.h"

namespace idr::fleet {

// A list the detections look cards up in: name (alerts listed-NAME) and its list file.
struct ListFile {
  std::string name;  // [a-z0-9-], 1..64: lost-stolen, document-control
  std::string path;  // a list file (idr/blocklist.h), loaded at open
};

// Lists the authority publishes (list distribution, DESIGN 13) that the detections follow
// the way a gate does (ListFollower: every manifest verified with the authority's key, each
// version applied atomically, reported in idr_list_gates as NAME.gate): each version applied
// is reloaded into the detections at once, and one the detections cannot load is refused
// like a bad update (retried at the next sync); a refused update (forged, rollback, gap,
// tampered) leaves the list in force.
struct FollowedLists {
  std::vector<std::string> names;  // alerts listed-NAME, as ListFile::name; none: no following
  std::string authority;           // the authority's public key (PEM file)
  std::string dir;                 // DIR/NAME.idrbl and DIR/NAME.state, as `idr lists follow`
  std::string gate;                // this ingester's name in the reports (1..64 [A-Za-z0-9_-])
  int64_t poll_ms = 1000;          // a sync at least this often besides each pointer update
  // Each version applied and each refusal or failure, with the list's name (from the
  // followers' threads, one at a time per list).
  std::function<void(const std::string& list, const std::string& what)> on_event;
};

// A site's place for impossible travel: PROVINCE.SITE as the gates publish it.
struct SitePlace {
  std::string site;
  double latitude = 0, longitude = 0;  // degrees
};

struct IngestOptions {
  std::vector<std::string> servers;  // NATS URLs
  std::string conninfo;              // libpq connection string
  std::vector<std::string> trust;    // roots of every province (PEM files or directories)
  std::vector<std::string> revoked;  // revocation lists; none: revoked.txt beside each trust
  int workers = 2;                   // 1..64: threads, each with its own PostgreSQL connection
  int batch = 128;                   // records per fetch and per transaction, 1..1024
  std::string durable = "idr-ingest";
  int replicas = 3;  // of the stream when this creates it
  // JetStream delivers a record again when it is not acknowledged within this.
  std::chrono::milliseconds ack_wait = std::chrono::seconds(30);
  // Detections: the lists checked, the speed beyond which travel is impossible, the sites
  // stored (added or moved) in fleet_sites at open.
  std::vector<ListFile> lists;
  FollowedLists follow;
  double max_kmh = 900.0;  // > 0
  std::vector<SitePlace> sites;
};

struct IngestStats {
  uint64_t stored = 0;            // rows committed in records
  uint64_t duplicates = 0;        // delivered again, already stored or already kept in
                                  // rejected_records: acknowledged, no row
  uint64_t rejected = 0;          // did not verify, repeated a counter with other content, or was
                                  // refused by PostgreSQL for its data (rows of rejected_records)
  uint64_t alerts = 0;            // alerts committed
  uint64_t alerts_published = 0;  // on alerts.KIND (some may wait for the next publish)
  // Publish (the gate's Idr-Published-Ns) to commit, per stored record, in milliseconds.
  double p50_ms = 0, p99_ms = 0;
};

class Ingester {
 public:
  // Loads the trust roots and the detections' lists, connects to both engines, creates the
  // schema (records and detections) and the stream when missing, stores the sites, takes the
  // durable's lock (waiting up to 10 s for another ingester on it, then Io) and makes the
  // consumer again from the highest claim. Each followed list is brought up to the published
  // version once (a refusal is told to on_event; the version in force, if any, is loaded, else Io:
  // the version reported is always the one the detections use). InvalidArgument / Io /
  // TransportOpen with `why`.
  [[nodiscard]] static Result<Ingester> open(const IngestOptions& options, std::string* why);
  Ingester(Ingester&&) noexcept;
  Ingester& operator=(Ingester&&) noexcept;
  ~Ingester();

  // Takes records until request_stop(), the followed lists' followers running beside it;
  // finishes and acknowledges what it took, then returns.
  // Io with `why` when PostgreSQL fails in a way a retry does not mend.
  [[nodiscard]] Result<void> run(std::string* why);
  void request_stop();
  [[nodiscard]] IngestStats stats() const;
  // Read-to-alert time of every alert committed (Detector::read_to_alert_us), microseconds.
  [[nodiscard]] std::vector<int64_t> read_to_alert_us() const;

 private:
  struct Impl;
  explicit Ingester(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The schema (idempotent): reader_counters, record_keys, records (partitioned by day),
// rejected_records (unique by the SHA-256 of the message's bytes), ingest_progress (the
// claims). Empty on success, else
// PostgreSQL's message.
[[nodiscard]] std::string create_schema(PGconn* conn);

}  // namespace idr::fleet
