// No detection rules yet (DESIGN 13): the ingester calls this for every record in its
// transaction; the rules (alerts table, alerts.> subjects) are written here.
#include "detect.h"

namespace idr::fleet {

Result<void> detect(IngestTransaction& txn, std::string* why) {
  (void)txn;
  (void)why;
  return {};
}

}  // namespace idr::fleet
