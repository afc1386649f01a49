// start_e2e_reader for pcsc: (tests/hostlib/e2e_reader.h): the hostlib e2e suite through
// the real pcscd + vpcd (PcscStack). The URI is the bare "pcsc:" (first reader whose card
// has the reader application's ATR), so that selection is exercised too.
#include "e2e_reader.h"
#include "pcsc_stack.h"

namespace idr::test {

namespace {

class PcscE2eReader final : public E2eReader {
 public:
  explicit PcscE2eReader(const std::string& scenario_file) : stack_(scenario_file) {}
  [[nodiscard]] std::string uri() const override { return "pcsc:"; }

 private:
  PcscStack stack_;
};

}  // namespace

std::unique_ptr<E2eReader> start_e2e_reader(const std::string& scenario_file) {
  return std::make_unique<PcscE2eReader>(scenario_file);
}

}  // namespace idr::test
