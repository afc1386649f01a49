#pragma once
// What every `idr` subcommand shares: its options declared with CLI11 (the one argument
// parser of the tool), the reader URI, --fields, numbers and seconds checked strictly, the
// exit codes (exit_codes.h) and error reporting. A usage error found after parsing is an
// exception (host tool): UsageError reaches main, which prints it and exits with kExitUsage.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "exit_codes.h"
#include "idr/error.h"

namespace idr::tool {

using Words = std::vector<std::string>;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A subcommand of `idr`, declared with add_subcommand (commands.h): its own App with its
// options, a one-line description, the exit-code table as footer.
[[nodiscard]] CLI::App* add_command(CLI::App& idr, const std::string& name,
                                    const std::string& summary, const std::string& description);

// The default reader: --reader, else $IDR_READER, else tcp://127.0.0.1:5000 (the port
// `idr sim` uses by default).
inline constexpr const char* kDefaultReaderUri = "tcp://127.0.0.1:5000";
CLI::Option* add_reader_option(CLI::App& app, std::string& uri);

// --fields LIST: "text,photo,fingerprint,addresses" or "all" -> idr::Fields bits. `fields`
// keeps its value when the option is not given (its default, named in the help).
CLI::Option* add_fields_option(CLI::App& app, unsigned& fields, const std::string& default_list);
// Field bits -> "text,photo".
[[nodiscard]] std::string field_names(unsigned fields);

// A whole number in [min, max], decimal digits only (no sign, no base prefix), handed to
// `set` (or stored in `value`).
CLI::Option* add_number_option(CLI::App& app, const std::string& name,
                               std::function<void(uint64_t)> set, uint64_t min, uint64_t max,
                               const std::string& description);
CLI::Option* add_number_option(CLI::App& app, const std::string& name, uint64_t& value,
                               uint64_t min, uint64_t max, const std::string& description);
// A non-negative number of seconds (fractions allowed) up to a year.
CLI::Option* add_seconds_option(CLI::App& app, const std::string& name,
                                std::chrono::milliseconds& value, const std::string& description);

// Prints "idr <command>: <what>: <library message>" to stderr; returns exit_code_for(e).
int report(const char* command, const std::string& what, Error e);
// Prints "idr <command>: <why>" to stderr (command with its subcommand, e.g. "ca init");
// returns `code`.
int fail(const std::string& command, const std::string& why, int code = kExitError);

}  // namespace idr::tool
