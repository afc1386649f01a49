// idr: the command line tool of the host library (hostlib/tools/README.md). Every
// subcommand declares its options with CLI11 (commands.h); this parses the command line,
// reports a usage error with kExitUsage and runs the command named.
#include <iostream>
#include <string>

#include "commands.h"

#ifndef IDR_VERSION
#define IDR_VERSION "unknown"
#endif

namespace {

using namespace idr::tool;

const char kReaders[] =
    "readers (--reader URI, else $IDR_READER, else tcp://127.0.0.1:5000):\n"
    "  tcp://HOST:PORT              e.g. the simulated reader of `idr sim`\n"
    "  serial:/dev/ttyX[?baud=N]    a reader on a serial port (default 115200 baud)\n"
    "  usb:..., pcsc:...            as `idr list` prints them\n"
    "\n";

// "read", "ca revoke": the subcommands parsed so far, for messages.
std::string command_path(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  for (int depth = 0; depth < 4; ++depth) {  // idr has two levels of subcommands
    const auto subs = at->get_subcommands();
    if (subs.empty()) break;
    at = subs.front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  return path;
}

int usage_error(const std::string& command, const std::string& what) {
  std::cerr << "idr" << (command.empty() ? "" : " " + command) << ": " << what << "\n(idr "
            << (command.empty() ? "" : command + " ") << "--help for usage)\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("idr: reads identity cards through a reader, verifies what it signs.", "idr");
  app.footer(std::string(kReaders) + kExitCodeHelp);
  app.set_version_flag("--version", "idr " IDR_VERSION);
  app.require_subcommand(1, 1);
  // An option given twice: the last one wins, as in most tools (repeatable options such as
  // --trust collect every value). Subcommands inherit this.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  const std::vector<Command> commands{
      add_read(app),      add_watch(app),   add_info(app),     add_sam_id(app), add_list(app),
      add_sim(app),       add_verify(app),  add_disclose(app), add_ca(app),     add_provision(app),
      add_blocklist(app), add_journal(app), add_serve(app),    add_lists(app),  add_alerts(app)};

  if (argc < 2) {
    std::cerr << app.help();
    return kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "help") {
    std::cout << app.help();
    return kExitOk;
  }
  const Command* command = nullptr;
  for (const auto& c : commands)
    if (c.app->check_name(name)) command = &c;
  if (command == nullptr && name != "--help" && name != "-h" && name != "--version")
    return usage_error(
        "", std::string(name.rfind('-', 0) == 0 ? "unknown option '" : "unknown command '") + name +
                "'");

  // `idr sim ... -- COMMAND ARGS`: the words after "--" are not idr's to parse.
  int parsed = argc;
  std::optional<Words> trailing;
  if (command != nullptr && command->takes_trailing) {
    for (int i = 2; i < argc; ++i) {
      if (std::string(argv[i]) != "--") continue;
      parsed = i;
      trailing.emplace(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    app.parse(parsed, argv);
  } catch (const CLI::Success& e) {  // --help, --version: printed on stdout, exit 0
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(command_path(app), e.what());
  }
  if (command == nullptr) return usage_error("", "no command");
  try {
    return command->run(trailing);
  } catch (const UsageError& e) {
    return usage_error(command_path(app), e.what());
  } catch (const std::exception& e) {
    std::cerr << "idr " << name << ": " << e.what() << "\n";
    return kExitError;
  }
}
