// `idr list` as a process: the pty reader named in $IDR_SERIAL_READERS and the tcp reader
// of $IDR_READER are listed, and the listed serial URI is one `idr sam-id --reader` reads.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e_support.h"
#include "idr/testing/shell_run.h"
#include "pty_reader_processes.h"

namespace {

std::pair<std::string, int> run(const std::string& command_line) {
  const auto r = idr::testing::shell_run(command_line);
  return {r.out, r.status};
}

}  // namespace

TEST_CASE("serial: idr list shows the configured readers and the listed URI reads the SAM id") {
  idr::test::PtyReaderProcesses procs(idr::test::sample_dir() + "resident-fingerprint.json");
  const std::string env =
      "env IDR_READER=tcp://127.0.0.1:5999 IDR_SERIAL_READERS=" + procs.pty_path + " ";
  const auto [text, code] = run(env + IDR_TOOL_EXE + " list");
  CHECK(code == 0);
  CHECK(text.find(procs.uri() + "\tserial\t") != std::string::npos);
  CHECK(text.find("tcp://127.0.0.1:5999\ttcp\t") != std::string::npos);
  const auto [json, json_code] = run(env + IDR_TOOL_EXE + " list --json");
  CHECK(json_code == 0);
  const auto listed = nlohmann::json::parse(json);
  REQUIRE(listed.is_array());
  bool found = false;
  for (const auto& r : listed)
    found = found || (r.at("uri") == procs.uri() && r.at("transport") == "serial");
  CHECK(found);

  const auto [sam, sam_code] = run(std::string(IDR_TOOL_EXE) + " sam-id --reader " + procs.uri());
  CHECK(sam_code == 0);
  CHECK(sam.size() == 37);  // the 36-character SDT form and a newline (DESIGN 8)
}
