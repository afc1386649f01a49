#pragma once
// The detections' entry point, called by the ingester for every verified record inside the
// transaction that stores it (ingest_transaction.h, DESIGN 13).
#include <string>

#include "idr/error.h"
#include "ingest_transaction.h"

namespace idr::fleet {

// Ok, or an error (with `why`) that rolls the batch back: its messages are delivered again.
[[nodiscard]] Result<void> detect(IngestTransaction& txn, std::string* why);

}  // namespace idr::fleet
