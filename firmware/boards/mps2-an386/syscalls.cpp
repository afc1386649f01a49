// The C and C++ run-time hooks the image needs, with no heap: nothing allocates after
// start-up (firmware rule), so _sbrk refuses and operator delete is never reached.
#include <sys/types.h>

#include <cerrno>
#include <cstddef>

#include "idr/mps2/semihosting.h"

namespace {
constexpr uint32_t kExitAbort = 5;
}

extern "C" {

void* _sbrk(ptrdiff_t) {
  errno = ENOMEM;
  return reinterpret_cast<void*>(-1);
}

[[noreturn]] void _exit(int code) {
  idr::mps2::semihosting_exit(static_cast<uint32_t>(code));
}
[[noreturn]] void abort() {
  idr::mps2::semihosting_exit(kExitAbort);
}
[[noreturn]] void __cxa_pure_virtual() {
  idr::mps2::semihosting_exit(kExitAbort);
}

// With -nostartfiles newlib's __libc_init_array still wants these.
void _init() {}
void _fini() {}

void* __dso_handle = nullptr;
}

// Deleting destructors of classes with virtual destructors reference these; no object of
// this image is ever heap-allocated, so reaching them is a bug.
void operator delete(void*) noexcept {
  idr::mps2::semihosting_exit(kExitAbort);
}
void operator delete(void*, std::size_t) noexcept {
  idr::mps2::semihosting_exit(kExitAbort);
}
