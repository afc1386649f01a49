// The one main of every Catch2 test executable. CTest runs each test case by name
// (catch_discover_tests); a name that CTest mangles (a ';' splits it in two) would match
// no test case and pass silently, so a run that matches nothing fails (exit 2), as
// `--warn NoTests` does.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  auto& config = session.configData();
  config.warnings =
      static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoTests);
  return session.run();
}
