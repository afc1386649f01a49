#include "exit_codes.h"

namespace idr::tool {

const char* const kExitCodeHelp =
    "exit codes (every idr command):\n"
    "  0    ok (read; verified and accepted; not listed; journal intact)\n"
    "  1    usage error (unknown command or option, missing or bad value, bad reader URI)\n"
    "  2    reader unreachable, or the link to it failed (transport error)\n"
    "  3    no card (none within --wait, or it left during the read)\n"
    "  4    card or reader error (a reader status SW3 other than success; a simulator\n"
    "       model error under idr sim)\n"
    "  5    malformed reply, card data or record file\n"
    "  6    rejected: the record did not verify, a check on the card data FAILED, the card\n"
    "       is on the lost/stolen list, the journal did not verify, the reader refused\n"
    "  7    a file, list or store could not be read, written or used (trust roots,\n"
    "       revocation list, counter store, lost/stolen list, journal, CA, output file)\n"
    "  127  idr sim -- COMMAND: the command could not be started\n"
    "  130  interrupted (SIGINT or SIGTERM)\n";

int exit_code_for(Error e) noexcept {
  switch (e) {
    case Error::Ok:
      return kExitOk;
    case Error::InvalidArgument:
    case Error::Unsupported:
      return kExitUsage;
    case Error::TransportOpen:
    case Error::TransportClosed:
    case Error::Timeout:  // a command the reader did not answer: the reader is not there
    case Error::Io:
      return kExitUnreachable;
    case Error::NoCard:
    case Error::CardRemoved:
      return kExitNoCard;
    case Error::MalformedReply:
      return kExitMalformed;
    case Error::Cancelled:
      return kExitInterrupted;
    default:
      return kExitCardError;  // every SW3 error
  }
}

}  // namespace idr::tool
