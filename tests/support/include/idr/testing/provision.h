#pragma once
// Provisions a reader the way `idr provision` does (ca::provision_reader), with a CA made in
// a test directory. Throws std::runtime_error naming the step that failed.
// Needs the host library (link `idr`).
#include <stdexcept>
#include <string>
#include <utility>

#include "idr/ca.h"
#include "idr/reader.h"

namespace idr::testing {

inline ca::CaDirectory provision_with_test_ca(Reader& reader, const std::string& ca_dir,
                                              int64_t now, const std::string& ca_name) {
  std::string why;
  auto made = ca::CaDirectory::create(ca_dir, ca_name, now, 2, &why);
  if (!made) throw std::runtime_error("test CA: " + why);
  const auto done = ca::provision_reader(reader, *made, now, 1, &why);
  if (!done) throw std::runtime_error("provisioning: " + why);
  return std::move(made).value();
}

}  // namespace idr::testing
