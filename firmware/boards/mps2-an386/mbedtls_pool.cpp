#include "idr/mps2/mbedtls_pool.h"

#include <mbedtls/memory_buffer_alloc.h>

#include <cstdint>

#include "idr/mps2/paint.h"
#include "idr/mps2/semihosting.h"

namespace idr::mps2 {
namespace {

constexpr uint32_t kExitMbedtlsFatal = 6;  // README.md: mbedTLS found its pool corrupted

}  // namespace
}  // namespace idr::mps2

// The pool under a plain name: tests/qemu finds it in the ELF's symbol table and reads its
// paint back (paint.h).
extern "C" {
alignas(8) unsigned char idr_mbedtls_pool[idr::mps2::kMbedtlsPoolSize];
}

namespace idr::mps2 {
namespace {

// mbedTLS clears the pool and writes its first block header at the start; everything
// after that header's room is painted, so the highest word that is no longer paint marks
// how far mbedTLS's first-fit allocations ever reached.
constexpr size_t kPoolHeaderRoom = 64;

void init_painted(size_t bytes) {
  mbedtls_memory_buffer_alloc_init(idr_mbedtls_pool, bytes);
  if (bytes > kPoolHeaderRoom)
    paint_words(idr_mbedtls_pool + kPoolHeaderRoom, idr_mbedtls_pool + bytes);
}

}  // namespace

void mbedtls_pool_init() {
  init_painted(sizeof(idr_mbedtls_pool));
}

void mbedtls_pool_init(size_t bytes) {
  init_painted(bytes < sizeof(idr_mbedtls_pool) ? bytes : sizeof(idr_mbedtls_pool));
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
