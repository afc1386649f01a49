#pragma once
// The detections' entry point in the ingester (DESIGN 13): called for every verified record
// that is not a redelivery of a stored one, inside the transaction that stores it (or, for a
// counter repeated with another signed payload, that keeps it in rejected_records), so the
// record and its alerts commit or roll back together.
#include <string>
#include <vector>

#include "detections.h"
#include "idr/error.h"
#include "ingest_transaction.h"

namespace idr::fleet {

// What the rules are given of a record: its site is PROVINCE.SITE (as `idr watch --site` and
// `idr-ingest --site` name it); its read time is the gate's clock when it spooled the read
// (milliseconds apart from the read), else the reader's signed clock, else `now_us`.
[[nodiscard]] ReadForDetection read_for_detection(const StoredRecord& record, int64_t now_us);

// Runs every rule for `records` in their order (Detector::detect_batch: one round trip) on
// `conn`, in its open transaction, and appends the alerts raised to `alerts`. An error (with
// `why`) rolls the batch back: InvalidArgument when PostgreSQL refused a record's data (the
// ingester then stores the batch record by record and rejects the record refused), else the
// batch is tried again.
[[nodiscard]] Result<void> detect(const Detector& detector, PGconn* conn,
                                  const std::vector<StoredRecord>& records,
                                  std::vector<Alert>& alerts, std::string* why);

}  // namespace idr::fleet
