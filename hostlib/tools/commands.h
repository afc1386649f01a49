#pragma once
// The `idr` subcommands, one source file each (cmd_verify.cpp has verify and disclose,
// cmd_ca.cpp ca and provision). Each add_* declares its subcommand and options with CLI11 on
// the `idr` app, the options bound to the command's own settings, and returns how to run it
// once the command line parsed. main.cpp parses and runs the one named.
#include <functional>
#include <optional>

#include "cli.h"

namespace idr::tool {

struct Command {
  CLI::App* app = nullptr;
  // Runs the command after a successful parse; returns its exit code (exit_codes.h) or
  // throws UsageError. `trailing`: the words after "--", only for a command that takes them.
  std::function<int(const std::optional<Words>& trailing)> run;
  bool takes_trailing = false;  // `-- COMMAND [ARGS...]` is handed over unparsed (idr sim)
};

Command add_read(CLI::App& idr);
Command add_watch(CLI::App& idr);
Command add_info(CLI::App& idr);
Command add_sam_id(CLI::App& idr);
Command add_list(CLI::App& idr);
Command add_sim(CLI::App& idr);
Command add_verify(CLI::App& idr);     // cmd_verify.cpp
Command add_disclose(CLI::App& idr);   // cmd_verify.cpp
Command add_ca(CLI::App& idr);         // cmd_ca.cpp
Command add_provision(CLI::App& idr);  // cmd_ca.cpp
Command add_blocklist(CLI::App& idr);
Command add_journal(CLI::App& idr);
Command add_serve(CLI::App& idr);   // cmd_serve.cpp (DESIGN 12)
Command add_lists(CLI::App& idr);   // cmd_lists.cpp (DESIGN 13)
Command add_alerts(CLI::App& idr);  // cmd_alerts.cpp (DESIGN 13)

}  // namespace idr::tool
