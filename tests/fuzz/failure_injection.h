#pragma once
// Seeded failure injection for the host library under the fuzzer (failure_injection.cpp):
// in the fuzz build libidr is linked with -Wl,--wrap for the allocation, I/O, SQLite,
// libcbor and crypto calls it makes (IDR_FUZZ_WRAPPED in CMakeLists.txt), and while a
// FailureInjection is alive each such call fails with a small probability, from a PRNG
// seeded with the input's hash (the same input fails the same calls: crashes reproduce).
#include <cstddef>
#include <cstdint>

namespace idr::fuzz {

class FailureInjection {
 public:
  FailureInjection(const uint8_t* data, size_t size);
  ~FailureInjection();
  FailureInjection(const FailureInjection&) = delete;
  FailureInjection& operator=(const FailureInjection&) = delete;
  // Calls failed on purpose since construction.
  [[nodiscard]] static uint64_t injected();
};

}  // namespace idr::fuzz
