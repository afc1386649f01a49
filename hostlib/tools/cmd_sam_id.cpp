// idr sam-id: the SAM id in SDT's string form (DESIGN 8: %02d.%02d-%08u-%010u-%010u).
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "reader_session.h"

namespace idr::tool {

namespace {

const char kHelp[] =
    "usage: idr sam-id [--reader URI] [--json]\n"
    "\n"
    "Prints the reader's SAM id in the string form of the de-facto SDK (SDT_GetSAMIDToStr),\n"
    "e.g. 05.01-20101126-0017612485-0112360513; --json adds the 16 raw bytes in hex.\n"
    "\n"
    "  --reader URI   tcp://HOST:PORT or serial:/dev/ttyX[?baud=N]\n"
    "                 (default: $IDR_READER, else tcp://127.0.0.1:5000)\n"
    "  --json         JSON output\n";

}  // namespace

int cmd_sam_id(const Words& words) {
  if (wants_help(words)) {
    std::cout << kHelp << "\n" << kExitCodeHelp;
    return kExitOk;
  }
  const Args args(words, {"reader"}, {"json"});
  if (args.has_rest()) throw UsageError("sam-id takes no command after --");
  int code = kExitOk;
  const auto session = open_session("sam-id", reader_uri(args), code);
  if (!session) return code;

  const Result<SamId> sam = session->reader->sam_id();
  if (!sam) return report("sam-id", "SAM id", sam.error());
  if (args.flag("json"))
    std::cout << to_text(sam_json(*sam)) << std::endl;
  else
    std::cout << sam->text << std::endl;
  return kExitOk;
}

}  // namespace idr::tool
