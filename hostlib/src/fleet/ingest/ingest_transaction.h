#pragma once
// What the ingester hands to the detections (DESIGN 13) for each record it takes, inside the
// transaction that stores it: anything written on `conn` commits or rolls back with the
// record, and the message is acknowledged only after the commit.
#include <libpq-fe.h>

#include <cstdint>
#include <string>

namespace idr::fleet {

// How a record's counter stands against what PostgreSQL has for its reader.
enum class CounterEvent {
  Advanced,              // above every counter stored for the reader: the record is stored
  Below,                 // new (reader, counter) but below the highest stored: arrived late
                         // (another gate's spool, a redelivery) or the reader went back; stored
  RepeatedOtherContent,  // (reader, counter) stored before with another signed payload: two
                         // readers sign with one key (a clone); NOT stored in records
};

// One verified record (the row of `records`; the fields the gate did not disclose are empty).
struct StoredRecord {
  int64_t record_id = 0;  // records.id (for RepeatedOtherContent: the stored one it repeats)
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

struct IngestTransaction {
  PGconn* conn = nullptr;  // in BEGIN ... COMMIT
  StoredRecord record;
  CounterEvent counter = CounterEvent::Advanced;
};

}  // namespace idr::fleet
