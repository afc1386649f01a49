#pragma once
// The C API's opaque handles (idr.h), defined once for every C API source file of the
// library (c_api.cpp, session/c_session.cpp). Library-internal: not installed.
#include <utility>

#include "idr/card.h"
#include "idr/idr.h"
#include "idr/reader.h"

struct idr_reader {
  explicit idr_reader(idr::Reader r) : reader(std::move(r)) {}
  idr::Reader reader;
};

struct idr_card {
  idr::CardData data;
};
