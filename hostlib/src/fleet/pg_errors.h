#pragma once
// Which PostgreSQL errors come from the data a statement was given (DESIGN 13): SQLSTATE
// classes 22 (data exception), 23 (integrity constraint violation) and 54 (program limit
// exceeded). The same data fails the same way on every retry; any other error (connection,
// lock, resources, serialization, shutdown) may pass on the next attempt.
#include <libpq-fe.h>

#include <cstring>

namespace idr::fleet {

[[nodiscard]] inline bool pg_data_error(const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) return false;
  return std::strncmp(state, "22", 2) == 0 || std::strncmp(state, "23", 2) == 0 ||
         std::strncmp(state, "54", 2) == 0;
}

}  // namespace idr::fleet
