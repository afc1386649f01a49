#pragma once
// Which PostgreSQL errors come from the data a statement was given (DESIGN 13): SQLSTATE
// classes 22 (data exception), 23 (integrity constraint violation) and 54 (program limit
// exceeded). The same data fails the same way on every retry; any other error (connection,
// lock, resources, serialization, shutdown) may pass on the next attempt. One exception: a row
// no partition takes (23514 naming no constraint) is the ingester's stale knowledge of which
// day partitions exist, not the row's fault (pg_no_partition).
#include <libpq-fe.h>

#include <cstring>
#include <string>

namespace idr::fleet {

// A row refused because no partition of its table takes it ("no partition of relation ...
// found for row", or one routed to a partition whose range excludes it): SQLSTATE 23514 like
// a CHECK constraint, but naming no constraint. The partition was dropped or never made: make
// it and try again.
[[nodiscard]] inline bool pg_no_partition(const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr && std::strcmp(state, "23514") == 0 &&
         PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) == nullptr;
}

[[nodiscard]] inline bool pg_data_error(const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr || pg_no_partition(result)) return false;
  return std::strncmp(state, "22", 2) == 0 || std::strncmp(state, "23", 2) == 0 ||
         std::strncmp(state, "54", 2) == 0;
}

// An error as "SQLSTATE message" (e.g. "23514 new row for relation \"records_20261205\"
// violates check constraint \"c\""): the one form of PostgreSQL's reason kept with a record it
// refused, whichever statement refused it.
[[nodiscard]] inline std::string pg_refusal(const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  return std::string(state ? state : "?????") + " " + (primary ? primary : "no message");
}

}  // namespace idr::fleet
