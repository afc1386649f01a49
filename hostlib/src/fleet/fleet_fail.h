#pragma once
// The fleet layer's one way to fail with a reason: sets *why (when given) and returns the
// error as a Result of any type.
#include <string>

#include "idr/error.h"

namespace idr::fleet {

template <typename T>
Result<T> fail(std::string* why, Error e, const std::string& text) {
  if (why) *why = text;
  return e;
}

}  // namespace idr::fleet
