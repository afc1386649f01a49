#pragma once
// What every `idr` subcommand shares: exit codes, option parsing, the default reader URI,
// the --fields list and error reporting. Usage errors are exceptions (host tool): each
// command lets UsageError reach main, which prints it and exits with kExitUsage.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr::tool {

// Exit codes of every subcommand (printed by `idr --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,          // bad command line (or a reader URI that is not one)
  kExitUnreachable = 2,    // the reader could not be reached or the link to it failed
  kExitNoCard = 3,         // no card within the wait, or it left during the read
  kExitCardError = 4,      // the reader or the card reported an error (SW3 of DESIGN 8)
  kExitMalformed = 5,      // the reader's reply or the card's data is malformed
  kExitRejected = 6,       // read, but a check on the data FAILED or the card is listed lost/stolen
  kExitInterrupted = 130,  // SIGINT or SIGTERM
};
// The exit-code table for help texts, one code a line.
extern const char* const kExitCodeHelp;

// The exit code for a library error (Cancelled counts as interrupted: only the signal path
// cancels a reader in this tool).
[[nodiscard]] int exit_code_for(Error e) noexcept;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The options of one subcommand: `--name VALUE`, `--name=VALUE` and flags. "--" ends the
// options; what follows is rest(). Anything else (unknown options, stray words) is a
// UsageError.
class Args {
 public:
  Args(const std::vector<std::string>& args, const std::set<std::string>& value_options,
       const std::set<std::string>& flags);
  [[nodiscard]] bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  [[nodiscard]] std::optional<std::string> value(const std::string& name) const;
  // Every value of a repeatable option, in command-line order.
  [[nodiscard]] std::vector<std::string> values(const std::string& name) const;
  [[nodiscard]] const std::vector<std::string>& rest() const { return rest_; }
  [[nodiscard]] bool has_rest() const { return dashdash_; }

 private:
  std::set<std::string> flags_;
  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<std::string> rest_;
  bool dashdash_ = false;
};

// The default reader: $IDR_READER, else tcp://127.0.0.1:5000 (the port `idr sim` uses by
// default).
inline constexpr const char* kDefaultReaderUri = "tcp://127.0.0.1:5000";
[[nodiscard]] std::string reader_uri(const Args& args);

// "text,photo,fingerprint,addresses" or "all" -> idr::Fields bits.
[[nodiscard]] unsigned parse_fields(const std::string& list);
// Field bits -> "text,photo".
[[nodiscard]] std::string field_names(unsigned fields);
// A non-negative number of seconds (fractions allowed) for option `name`.
[[nodiscard]] std::chrono::milliseconds parse_seconds(const std::string& name,
                                                      const std::string& text);
// A whole number in [min, max] for option `name`.
[[nodiscard]] uint64_t parse_count(const std::string& name, const std::string& text, uint64_t min,
                                   uint64_t max);

// Prints "idr <command>: <what>: <library message>" to stderr; returns exit_code_for(e).
int report(const char* command, const std::string& what, Error e);

}  // namespace idr::tool
