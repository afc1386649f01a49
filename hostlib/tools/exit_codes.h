#pragma once
// The exit codes of every `idr` subcommand: one table, printed by `idr --help` and at the
// end of each `idr <command> --help`, and documented in hostlib/tools/README.md.
#include "idr/error.h"

namespace idr::tool {

enum ExitCode : int {
  kExitOk = 0,             // done; the card, record or journal verified and accepted
  kExitUsage = 1,          // bad command line: unknown command or option, missing or bad value
  kExitUnreachable = 2,    // the reader could not be reached or the link to it failed
  kExitNoCard = 3,         // no card within the wait, or it left during the read
  kExitCardError = 4,      // the reader or the card reported an error (SW3 of DESIGN 8)
  kExitMalformed = 5,      // the reader's reply, the card's data or a record file is malformed
  kExitRejected = 6,       // not accepted: not verified, a check FAILED, listed, refused
  kExitError = 7,          // a file, list or store could not be read, written or used
  kExitCannotRun = 127,    // idr sim -- COMMAND: the command could not be started
  kExitInterrupted = 130,  // SIGINT or SIGTERM
};

// The table for help texts, one code a line.
extern const char* const kExitCodeHelp;

// The exit code for a library error met while talking to a reader (Cancelled counts as
// interrupted: only the signal path cancels a reader in this tool).
[[nodiscard]] int exit_code_for(Error e) noexcept;

}  // namespace idr::tool
