#include "idr/mps2/mbedtls_pool.h"

#include <mbedtls/memory_buffer_alloc.h>

#include <cstdint>

#include "idr/mps2/semihosting.h"

namespace idr::mps2 {
namespace {

constexpr uint32_t kExitMbedtlsFatal = 6;  // README.md: mbedTLS found its pool corrupted

alignas(8) unsigned char pool[kMbedtlsPoolSize];

}  // namespace

void mbedtls_pool_init() {
  mbedtls_memory_buffer_alloc_init(pool, sizeof(pool));
}

void mbedtls_pool_init(size_t bytes) {
  mbedtls_memory_buffer_alloc_init(pool, bytes < sizeof(pool) ? bytes : sizeof(pool));
}

MbedtlsPoolUse mbedtls_pool_use() {
  MbedtlsPoolUse use;
  mbedtls_memory_buffer_alloc_max_get(&use.peak_bytes, &use.peak_blocks);
  mbedtls_memory_buffer_alloc_cur_get(&use.now_bytes, &use.now_blocks);
  return use;
}

}  // namespace idr::mps2

// mbedtls_exit (idr_mbedtls_config.h): a corrupted pool or a double free ends the run.
extern "C" void idr_mbedtls_fatal(int) {
  idr::mps2::semihosting_exit(idr::mps2::kExitMbedtlsFatal);
}
