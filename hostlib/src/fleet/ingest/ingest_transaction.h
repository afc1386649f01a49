#pragma once
// What the ingester hands to the detections (DESIGN 13) for each record it stores, inside the
// transaction that stores it (ingest/detect.h): anything written there commits or rolls back
// with the record, and the message is acknowledged only after the commit.
#include <cstdint>
#include <string>

namespace idr::fleet {

// One verified record (the row of `records`; the fields the gate did not disclose are empty).
struct StoredRecord {
  int64_t record_id = 0;  // records.id (for a counter repeated with another signed payload:
                          // the stored one it repeats)
  std::string day;        // YYYY-MM-DD (UTC ingest day: the partition)
  std::string reader_serial;
  uint64_t counter = 0;
  std::string chip_uid;   // 16 upper-case hex digits
  std::string id_number;  // verified disclosures
  std::string name;
  std::string birth;           // YYYYMMDD
  std::string valid_from;      // YYYYMMDD (verified disclosure; the lists' key with id_number)
  std::string province, site;  // from the subject (not signed: who may publish where is
                               // NATS's authorisation)
  int64_t read_time = 0;       // the reader's clock when it signed, Unix seconds (0: never set)
  int64_t published_ns = 0;    // the gate's clock when it spooled the read (Idr-Published-Ns,
                               // unsigned, like the subject); 0: not given
  uint64_t stream_seq = 0;
  std::string record_sha256;  // hex SHA-256 of the COSE_Sign1 bytes (what was signed and the
                              // signature; the same whatever was disclosed)
};

}  // namespace idr::fleet
