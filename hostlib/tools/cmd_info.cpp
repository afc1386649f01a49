// idr info: which reader, is it healthy (legacy status 11 FF), its SAM id (12 FF).
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "reader_session.h"

namespace idr::tool {

namespace {

const char kHelp[] =
    "usage: idr info [--reader URI] [--json]\n"
    "\n"
    "Prints the reader URI, its status (the legacy status command: ok when the reader and\n"
    "its SAM are healthy) and its SAM id. Exit code from the first command that failed.\n"
    "\n"
    "  --reader URI   tcp://HOST:PORT or serial:/dev/ttyX[?baud=N]\n"
    "                 (default: $IDR_READER, else tcp://127.0.0.1:5000)\n"
    "  --json         JSON output\n";

}  // namespace

int cmd_info(const Words& words) {
  if (wants_help(words)) {
    std::cout << kHelp << "\n" << kExitCodeHelp;
    return kExitOk;
  }
  const Args args(words, {"reader"}, {"json"});
  if (args.has_rest()) throw UsageError("info takes no command after --");
  int code = kExitOk;
  const auto session = open_session("info", reader_uri(args), code);
  if (!session) return code;
  Reader& reader = *session->reader;

  const Result<void> status = reader.status();
  const Result<SamId> sam = reader.sam_id();
  const int exit =
      !status ? exit_code_for(status.error()) : (!sam ? exit_code_for(sam.error()) : int{kExitOk});
  if (args.flag("json")) {
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

}  // namespace idr::tool
