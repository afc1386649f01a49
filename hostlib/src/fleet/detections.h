#pragma once
// Detections on the fleet's verified reads (DESIGN 13): rules that need more than one read,
// run inside the transaction that stores a read (idr-ingest calls them through
// ingest/detect.h), so a read and its alerts commit together and a read redelivered after a
// crash raises nothing twice. Each alert is a row of `alerts` and, once committed, a message
// on `alerts.KIND` (stream IDR_ALERTS).
//
// Kinds (alert subjects):
//   id-other-holder     the ID number was read before with another name or birth date
//   uid-other-id        the chip UID was read before with another ID number
//   cloned-reader       a reader counter repeated with other content, or below one already
//                       seen and read after it (a read that only arrives late raises nothing)
//   impossible-travel   the same card at two sites farther apart than max_kmh allows for the
//                       time between (sites and coordinates in table fleet_sites)
//   listed-NAME         the card (ID number, valid from) is on list NAME (lost-stolen,
//                       document-control: idr/blocklist.h)
//
// Thread safety: a Detector is shared by the ingester's workers (detect is const; the
// latency samples are under a mutex); each worker uses its own PGconn.
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "idr/error.h"

typedef struct pg_conn PGconn;

namespace idr {
class BlocklistHolder;
}

namespace idr::fleet {

class JetStream;

// What the rules need of one verified read. Empty text = not disclosed (that rule's
// comparison is skipped for the field).
struct ReadForDetection {
  std::string reader_serial;
  uint64_t counter = 0;
  std::string record_sha256;  // of the signed record bytes: tells a repeat from a redelivery
  std::string id_number, name, birth_date, valid_from, chip_uid;
  std::string site;
  int64_t read_at_us = 0;  // when the gate read it (Unix microseconds)
};

struct Alert {
  int64_t id = 0;
  std::string kind, detail;
  int64_t read_at_us = 0;
};

struct DetectConfig {
  double max_kmh = 900.0;  // faster than this between two sites is impossible travel
  double min_km = 1.0;     // sites closer than this never count as travel
  // The lists a card is looked up in, by name (e.g. {"lost-stolen", &holder}); a list never
  // loaded is skipped.
  std::vector<std::pair<std::string, const BlocklistHolder*>> lists;
};

class Detector {
 public:
  explicit Detector(DetectConfig config) : config_(std::move(config)) {}

  // Creates the tables (alerts, fleet_sites, the rules' own state tables) and the functions
  // idr_detect and idr_detect_batch when missing; idempotent, safe with other installers running.
  [[nodiscard]] static Result<void> install_schema(PGconn* db, std::string* why = nullptr);
  // Adds or moves a site (degrees).
  [[nodiscard]] static Result<void> set_site(PGconn* db, const std::string& site, double latitude,
                                             double longitude, std::string* why = nullptr);

  // Runs every rule for one read inside the caller's open transaction (one round trip) and
  // returns the alerts raised: none for a clean read, none again for a read seen before.
  // InvalidArgument when PostgreSQL refused the read's data (pg_errors.h: the same read fails
  // again; `why` is pg_refusal's "SQLSTATE message"), Io for any other failure.
  [[nodiscard]] Result<std::vector<Alert>> detect(PGconn* db, const ReadForDetection& read,
                                                  std::string* why = nullptr) const;
  // The same for a batch of reads in one round trip (idr_detect_batch): each read as detect
  // would judge it alone, in the given order (a read sees what the ones before it wrote).
  // The alerts in read order.
  [[nodiscard]] Result<std::vector<Alert>> detect_batch(PGconn* db,
                                                        const std::vector<ReadForDetection>& reads,
                                                        std::string* why = nullptr) const;
  // After the caller's COMMIT: notes each alert's read-to-alert time (now - read time).
  void committed(const std::vector<Alert>& alerts);
  // Read-to-alert samples so far, microseconds (for bench-fleet).
  [[nodiscard]] std::vector<int64_t> read_to_alert_us() const;

 private:
  DetectConfig config_;
  mutable std::mutex mutex_;
  std::vector<int64_t> latency_us_;
};

// Publishes every committed alert not yet published on `alerts.KIND` (JSON, Nats-Msg-Id
// "alert-ID", so a repeat after a crash is dropped by JetStream) and marks it published.
// Returns how many. Creates stream IDR_ALERTS (subjects alerts.>) when missing.
[[nodiscard]] Result<size_t> publish_pending_alerts(PGconn* db, JetStream& link, int replicas,
                                                    std::string* why = nullptr);

inline constexpr char kAlertStream[] = "IDR_ALERTS";

}  // namespace idr::fleet
