#pragma once
// Library internal: the one place a record file becomes a Decision (decision.cpp), shared by
// Session (a live read), decide_record (offline) and the C API.
#include <optional>

#include "idr/session.h"

namespace idr {

struct Decision::Access {
  // `live`: the record was just read with `nonce`, so the nonce and the counter are
  // required; offline, each is checked only when given (nonce, policy.counters).
  [[nodiscard]] static Decision decide(Bytes record_file, const std::optional<ReadNonce>& nonce,
                                       Policy& policy, bool live);
};

}  // namespace idr
