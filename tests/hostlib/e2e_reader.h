#pragma once
// The reader under test of the transport-neutral hostlib e2e suite (e2e_cpp_test.cpp,
// e2e_c_api_test.cpp): simulator + firmware serving one scenario, reachable at uri().
// start_e2e_reader() is defined once per transport and chosen at link time
// (idr_hostlib_e2e_setup in CMakeLists.txt): tcp_e2e_reader.cpp here (tcp://), the other
// transports in their own test folders. Everything it started stops with the object.
#include <memory>
#include <string>

namespace idr::test {

class E2eReader {
 public:
  virtual ~E2eReader() = default;
  // The URI to hand to Reader::open / idr_reader_open / open_transport.
  [[nodiscard]] virtual std::string uri() const = 0;
};

// Starts the reader for `scenario_file`; returns once uri() can be opened. Throws with a
// clear message when something cannot be started.
std::unique_ptr<E2eReader> start_e2e_reader(const std::string& scenario_file);

}  // namespace idr::test
