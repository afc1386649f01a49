// idr info: which reader, is it healthy (legacy status 11 FF), its SAM id (12 FF).
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "reader_session.h"

namespace idr::tool {

namespace {

struct InfoOptions {
  std::string reader;
  bool json = false;
};

int run_info(const InfoOptions& o) {
  int code = kExitOk;
  const auto session = open_session("info", o.reader, code);
  if (!session) return code;
  Reader& reader = *session->reader;

  const Result<void> status = reader.status();
  const Result<SamId> sam = reader.sam_id();
  const int exit =
      !status ? exit_code_for(status.error()) : (!sam ? exit_code_for(sam.error()) : int{kExitOk});
  if (o.json) {
    nlohmann::json j;
    j["reader"] = reader.describe();
    j["status"] = status ? "ok" : message(status.error());
    j["status_code"] = static_cast<int>(status.error());
    j["sam_id"] = sam ? nlohmann::json(sam->text) : nlohmann::json(nullptr);
    if (!sam) j["sam_id_error"] = message(sam.error());
    std::cout << to_text(j) << std::endl;
  } else {
    std::cout << "Reader:  " << reader.describe() << "\n"
              << "Status:  " << (status ? "ok" : message(status.error())) << "\n"
              << "SAM id:  " << (sam ? sam->text : std::string("(") + message(sam.error()) + ")")
              << std::endl;
  }
  return exit;
}

}  // namespace

Command add_info(CLI::App& idr) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* app = add_command(
      idr, "info", "reader URI, status and SAM id",
      "Prints the reader URI, its status (the legacy status command: ok when the reader and\n"
      "its SAM are healthy) and its SAM id. Exit code from the first command that failed.\n");
  add_reader_option(*app, o->reader);
  app->add_flag("--json", o->json, "JSON output");
  return {app, [o](const std::optional<Words>&) { return run_info(*o); }};
}

}  // namespace idr::tool
