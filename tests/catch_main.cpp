// The one main of every Catch2 test executable. CTest runs each test case by name
// (catch_discover_tests); a name that CTest mangles (a ';' splits it in two) would match
// no test case and pass silently, so a run that matches nothing fails (exit 2), as
// `--warn NoTests` does.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "child_process.h"

namespace {

// A simulator child that reported a model error fails the running test case (DESIGN 3:
// a model error is fatal; tests/e2e/child_process.h). FAIL_CHECK does not throw, so this
// may run in a harness's destructor.
void fail_test_case(const std::string& message) {
  FAIL_CHECK("the simulator reported a model error (DESIGN 3: fatal): " << message);
}

}  // namespace

int main(int argc, char* argv[]) {
  idr::e2e::set_model_error_handler(fail_test_case);
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  auto& config = session.configData();
  config.warnings =
      static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoTests);
  return session.run();
}
