#pragma once
// A host link with no host behind it, for tests where the reader talks to no host: reads
// time out with nothing, writes are dropped.
#include <cstddef>
#include <cstdint>

#include "idr/hal/hal.h"

namespace idr::testing {

class NoHost final : public hal::HostLink {
 public:
  Status read(uint8_t*, size_t, size_t& got, uint32_t) override {
    got = 0;
    return Status::Timeout;
  }
  Status write(const uint8_t*, size_t) override { return Status::Ok; }
};

}  // namespace idr::testing
