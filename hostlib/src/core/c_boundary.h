#pragma once
// The C API's boundary rules, written once for every C API source file of the library
// (c_api.cpp, session/c_session.cpp, checks, journal, photo): no exception crosses into C or
// another language's FFI, and an idr::Error is returned as its own number (idr.h's IDR_E_*
// are the same values; c_api.cpp checks that at compile time). Library-internal: not
// installed.
#include <new>

#include "idr/error.h"
#include "idr/idr.h"

namespace idr::detail {

// The C code of an idr::Error.
[[nodiscard]] inline int code(Error e) noexcept {
  return static_cast<int>(e);
}

// Runs f, which returns a C code, turning any exception into one: std::bad_alloc becomes
// IDR_E_NO_MEMORY, anything else IDR_E_IO.
template <typename F>
[[nodiscard]] int guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return IDR_E_NO_MEMORY;
  } catch (...) {
    return IDR_E_IO;
  }
}

}  // namespace idr::detail
