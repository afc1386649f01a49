// start_e2e_reader for tcp://: idr-sim + idr-firmware --listen (tests/e2e ReaderProcesses).
#include "e2e_reader.h"
#include "reader_processes.h"

namespace idr::test {

namespace {

class TcpE2eReader final : public E2eReader {
 public:
  explicit TcpE2eReader(const std::string& scenario_file) : procs_(scenario_file) {}
  [[nodiscard]] std::string uri() const override {
    return "tcp://127.0.0.1:" + std::to_string(procs_.host_port);
  }

 private:
  e2e::ReaderProcesses procs_;
};

}  // namespace

std::unique_ptr<E2eReader> start_e2e_reader(const std::string& scenario_file) {
  return std::make_unique<TcpE2eReader>(scenario_file);
}

}  // namespace idr::test
