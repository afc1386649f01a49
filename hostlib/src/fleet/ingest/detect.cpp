// The ingester's call of the detections (detect.h, DESIGN 13).
#include "detect.h"

#include <chrono>
#include <cstdint>

namespace idr::fleet {

namespace {
constexpr int64_t kLastSecondOf9999 = 253402300799;  // a reader clock beyond is not a time
}  // namespace

ReadForDetection read_for_detection(const StoredRecord& record, int64_t now_us) {
  ReadForDetection r;
  r.reader_serial = record.reader_serial;
  r.counter = record.counter;
  r.record_sha256 = record.record_sha256;
  r.id_number = record.id_number;
  r.name = record.name;
  r.birth_date = record.birth;
  r.valid_from = record.valid_from;
  r.chip_uid = record.chip_uid;
  r.site = record.province + "." + record.site;
  if (record.published_ns > 0)
    r.read_at_us = record.published_ns / 1000;
  else if (record.read_time > 0 && record.read_time <= kLastSecondOf9999)
    r.read_at_us = record.read_time * 1000000;
  else
    r.read_at_us = now_us;
  return r;
}

Result<void> detect(const Detector& detector, PGconn* conn,
                    const std::vector<StoredRecord>& records, std::vector<Alert>& alerts,
                    std::string* why) {
  if (records.empty()) return {};
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  std::vector<ReadForDetection> reads;
  reads.reserve(records.size());
  for (const StoredRecord& r : records) reads.push_back(read_for_detection(r, now_us));
  auto raised = detector.detect_batch(conn, reads, why);
  if (!raised) return raised.error();
  alerts.insert(alerts.end(), raised->begin(), raised->end());
  return {};
}

}  // namespace idr::fleet
