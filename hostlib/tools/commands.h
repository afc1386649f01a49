#pragma once
// The `idr` subcommands: one source file each. Each takes the words after its name and
// returns the process exit code (cli.h); usage errors are thrown as UsageError.
#include <string>
#include <vector>

namespace idr::tool {

using Words = std::vector<std::string>;

int cmd_read(const Words& args);
int cmd_watch(const Words& args);
int cmd_info(const Words& args);
int cmd_sam_id(const Words& args);
int cmd_sim(const Words& args);
int cmd_list(const Words& args);  // cmd_list.cpp
int cmd_serve(const Words& args);

// True when the options (before any "--") ask for help.
[[nodiscard]] bool wants_help(const Words& args);

}  // namespace idr::tool
