// start_e2e_reader for serial: (tests/hostlib/e2e_reader.h): the transport-neutral hostlib
// e2e suite run against idr-firmware --pty through hostlib's serial transport.
#include "e2e_reader.h"
#include "pty_reader_processes.h"

namespace idr::test {

namespace {

class SerialE2eReader final : public E2eReader {
 public:
  explicit SerialE2eReader(const std::string& scenario_file) : procs_(scenario_file) {}
  [[nodiscard]] std::string uri() const override { return procs_.uri(); }

 private:
  PtyReaderProcesses procs_;
};

}  // namespace

std::unique_ptr<E2eReader> start_e2e_reader(const std::string& scenario_file) {
  return std::make_unique<SerialE2eReader>(scenario_file);
}

}  // namespace idr::test
