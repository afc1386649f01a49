// idr: the command line tool of the host library (hostlib/tools/README.md).
#include <iostream>
#include <string>

#include "cli.h"
#include "commands.h"
#include "idr/blocklist.h"
#include "idr/journal.h"
#include "idr/verify.h"

#ifndef IDR_VERSION
#define IDR_VERSION "unknown"
#endif

namespace {

const char kHelp[] =
    "usage: idr <command> [options]     (idr <command> --help for its options)\n"
    "\n"
    "commands:\n"
    "  read     find a card, read it, print it (human or --json)\n"
    "  watch    print each card once as it is presented (gates)\n"
    "  serve    the counter page: a local web page showing each card and its verdict\n"
    "  info     reader URI, status and SAM id\n"
    "  sam-id   the SAM id (SDT string form)\n"
    "  sim      start the simulator and the host-board firmware with a scenario\n"
    "  list     every reader found on every transport (tcp, serial, usb, pcsc)\n"
    "  verify, disclose, ca, provision   signed reads (idr verify --help)\n"
    "  journal, blocklist\n"
    "           the read journal and the lost/stolen list (hostlib); their usage and\n"
    "           exit codes are their own (idr journal, idr blocklist)\n"
    "\n"
    "readers (--reader URI, else $IDR_READER, else tcp://127.0.0.1:5000):\n"
    "  tcp://HOST:PORT              e.g. the simulated reader of `idr sim`\n"
    "  serial:/dev/ttyX[?baud=N]    a reader on a serial port (default 115200 baud)\n"
    "\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace idr::tool;
  const Words all(argv + 1, argv + argc);
  if (all.empty()) {
    std::cerr << kHelp << kExitCodeHelp;
    return kExitUsage;
  }
  const std::string command = all.front();
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kHelp << kExitCodeHelp;
    return kExitOk;
  }
  if (command == "--version") {
    std::cout << "idr " << IDR_VERSION << "\n";
    return kExitOk;
  }
  // Forwarded whole: argv[0] becomes the command name (their own parsers, idr/journal.h,
  // idr/blocklist.h).
  if (command == "journal") return idr::run_journal_cli(argc - 1, argv + 1);
  if (command == "blocklist") return idr::run_blocklist_cli(argc - 1, argv + 1);
  if (command == "verify" || command == "disclose" || command == "ca" || command == "provision")
    return idr::run_signed_cli(argc - 1, argv + 1);  // idr/verify.h
  const Words rest(all.begin() + 1, all.end());
  try {
    if (command == "read") return cmd_read(rest);
    if (command == "watch") return cmd_watch(rest);
    if (command == "info") return cmd_info(rest);
    if (command == "sam-id") return cmd_sam_id(rest);
    if (command == "sim") return cmd_sim(rest);
    if (command == "list") return cmd_list(rest);
    if (command == "serve") return cmd_serve(rest);
    std::cerr << "idr: unknown command '" << command << "'\n\n" << kHelp << kExitCodeHelp;
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "idr " << command << ": " << e.what() << "\n(idr " << command
              << " --help for usage)\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "idr " << command << ": " << e.what() << "\n";
    return kExitUnreachable;
  }
}

namespace idr::tool {

bool wants_help(const Words& args) {
  for (const auto& a : args) {
    if (a == "--") return false;
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace idr::tool
