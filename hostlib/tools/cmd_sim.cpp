// idr sim: for developers. Starts idr-sim (the simulator, with a scenario) and idr-firmware
// (the reader firmware on the host board) as child processes, and either serves until
// SIGINT/SIGTERM or runs one command against them. The children never outlive this process.
#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli.h"
#include "commands.h"
#include "dev_provision.h"
#include "interrupt.h"
#include "process.h"
#include "tool_paths.h"

namespace idr::tool {

namespace {

struct SimOptions {
  std::string scenario;
  uint64_t port = 5000;
  std::string sim_exe, firmware_exe;  // empty: located (tool_paths.h)
  bool no_provision = false;
};

constexpr std::chrono::milliseconds kStartTimeout{15'000};
constexpr std::chrono::milliseconds kCheckInterval{200};
// idr-sim's stdout line for a model error (hw-sim/README.md).
const char kModelErrorLine[] = "model error: ";

// After a model error the run is void (DESIGN 3): says so, with the model's message.
bool report_model_errors(ChildProcess& sim) {
  const auto errors = sim.watched_lines();
  for (const auto& e : errors)
    std::cerr << "idr sim: the simulator reported a model error: " << e << "\n";
  return !errors.empty();
}

std::string exe(const std::string& given, const char* option, std::string (*locate)(),
                const char* name) {
  if (!given.empty()) return given;  // an executable: checked by the option's validator
  std::string found = locate();
  if (found.empty())
    throw std::runtime_error(std::string("cannot find ") + name +
                             " (build it, put it on PATH or pass --" + option + ")");
  return found;
}

int run_sim(const SimOptions& o, const std::optional<Words>& trailing) {
  if (trailing && trailing->empty()) throw UsageError("no command after --");

  std::string sim_exe, firmware_exe;
  try {
    sim_exe = exe(o.sim_exe, "sim-exe", locate_sim_exe, "idr-sim");
    firmware_exe = exe(o.firmware_exe, "firmware-exe", locate_firmware_exe, "idr-firmware");
  } catch (const std::exception& e) {
    std::cerr << "idr sim: " << e.what() << "\n";
    return kExitUnreachable;
  }

  InterruptWatcher interrupt;
  std::unique_ptr<ChildProcess> sim, firmware, command;  // destroyed (killed) in reverse order
  std::string uri;
  try {
    SpawnOptions capture;
    capture.capture_stdout = true;
    sim = std::make_unique<ChildProcess>(
        Words{sim_exe, "--scenario", o.scenario, "--listen", "127.0.0.1:0"}, capture);
    const std::string sim_address = sim->wait_for_line("listening on ", kStartTimeout);
    sim->forward_stdout(STDERR_FILENO, kModelErrorLine);
    firmware = std::make_unique<ChildProcess>(Words{firmware_exe, "--sim", sim_address, "--listen",
                                                    "127.0.0.1:" + std::to_string(o.port)},
                                              capture);
    const std::string host_address = firmware->wait_for_line("host link on ", kStartTimeout);
    firmware->forward_stdout(STDERR_FILENO);
    uri = "tcp://" + host_address;
  } catch (const std::exception& e) {
    std::cerr << "idr sim: cannot start the simulated reader: " << e.what() << "\n";
    return kExitUnreachable;
  }
  if (interrupt.interrupted()) return kExitInterrupted;

  std::optional<DevProvisioning> dev;  // its temp directory goes when idr sim returns
  if (!o.no_provision) {
    try {
      dev.emplace(uri);
    } catch (const std::exception& e) {
      std::cerr << "idr sim: cannot provision the simulated reader: " << e.what() << "\n";
      return kExitUnreachable;
    }
  }
  std::vector<std::pair<std::string, std::string>> env{{"IDR_READER", uri}};
  if (dev) {
    env.emplace_back("IDR_TRUST", dev->trust_path());
    env.emplace_back("IDR_COUNTERS", dev->counters_path());
  }
  // What a developer (or a test) needs to verify this reader's reads: after the reader line.
  auto print_paths = [&](std::ostream& out) {
    out << "reader: " << uri << "\n";
    if (dev) {
      out << "trust: " << dev->trust_path() << "\n";
      out << "counters: " << dev->counters_path() << "\n";
    }
    out.flush();
  };

  if (!trailing) {
    print_paths(std::cout);
    while (!interrupt.sleep_for(kCheckInterval)) {
      if (!sim->running() || !firmware->running()) {
        std::cerr << "idr sim: " << (sim->running() ? "idr-firmware" : "idr-sim")
                  << " stopped; stopping\n";
        firmware->kill();
        sim->finish_forwarding();
        return report_model_errors(*sim) ? kExitCardError : kExitUnreachable;
      }
    }
    firmware->kill();
    sim->finish_forwarding();
    return report_model_errors(*sim) ? kExitCardError : kExitInterrupted;
  }

  print_paths(std::cerr);
  SpawnOptions run;
  run.env = env;
  run.path_prepend = own_directory();
  run.parent_death_signal = SIGTERM;
  try {
    command = std::make_unique<ChildProcess>(*trailing, run);
  } catch (const std::exception& e) {
    std::cerr << "idr sim: " << e.what() << "\n";
    return kExitCannotRun;
  }
  ChildProcess* child = command.get();
  // The terminal sends SIGINT to the whole group; SIGTERM sent to idr sim alone is passed on.
  interrupt.on_interrupt([child](int sig) { child->signal(sig); });
  const int status = command->wait();
  interrupt.on_interrupt(nullptr);
  // Everything the simulator wrote, read to its end: a model error it printed came before
  // any reply the command could have seen.
  firmware->kill();
  sim->finish_forwarding();
  if (report_model_errors(*sim)) return status == kExitOk ? kExitCardError : status;
  return status;
}

// --sim-exe / --firmware-exe: an executable file.
const CLI::Validator kExecutable(
    [](std::string& path) {
      return ::access(path.c_str(), X_OK) == 0 ? std::string()
                                               : "'" + path + "' is not an executable";
    },
    "");

}  // namespace

Command add_sim(CLI::App& idr) {
  auto o = std::make_shared<SimOptions>();
  CLI::App* app = add_command(
      idr, "sim", "start the simulator and the host-board firmware with a scenario",
      "usage: idr sim --scenario FILE [OPTIONS] [-- COMMAND [ARGS...]]\n"
      "\n"
      "Starts the simulator (idr-sim) with a scenario (hw-sim/scenarios/*.json) and the reader\n"
      "firmware on the host board (idr-firmware) connected to it, then:\n"
      "  - without a command: prints 'reader: tcp://127.0.0.1:P' on stdout and serves until\n"
      "    SIGINT/SIGTERM (exit 130);\n"
      "  - with '-- COMMAND...': prints the reader line on stderr, runs the command with\n"
      "    IDR_READER set to the reader URI (and this idr's directory first on PATH, so 'idr'\n"
      "    is this build) and exits with the command's exit status (127: it could not start).\n"
      "Both children are killed when idr sim ends, however it ends.\n"
      "\n"
      "A model error in the simulator (the firmware used CLRC663 behaviour the model does not\n"
      "implement) is fatal: the reader answers with a reader fault, both children stop, and\n"
      "idr sim prints the model's message and exits 4 (or the command's own failure status).\n"
      "\n"
      "Signed reads out of the box: before that, a throwaway development CA is made in a temp\n"
      "directory, the simulated reader is provisioned with it (its key, a device certificate)\n"
      "and the command gets IDR_TRUST=<the dev root> and IDR_COUNTERS=<a temp counter store>,\n"
      "so `idr read` verifies. Both paths are printed ('trust: ', 'counters: ' lines after the\n"
      "reader line); the directory is removed when idr sim ends. Never trust the dev root for\n"
      "real readers.\n");
  app->add_option("--scenario", o->scenario, "the scenario (JSON)")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  add_number_option(*app, "--port", o->port, 0, 65535,
                    "the reader's TCP port on 127.0.0.1 (0 = any free)")
      ->default_str("5000");
  app->add_option("--sim-exe", o->sim_exe,
                  "idr-sim to run (default: next to idr, this build tree, or PATH)")
      ->type_name("PATH")
      ->check(kExecutable);
  app->add_option("--firmware-exe", o->firmware_exe, "idr-firmware to run (same lookup)")
      ->type_name("PATH")
      ->check(kExecutable);
  app->add_flag("--no-provision", o->no_provision,
                "leave the reader unprovisioned (no dev CA, no IDR_TRUST)");
  return {app, [o](const std::optional<Words>& trailing) { return run_sim(*o, trailing); }, true};
}

}  // namespace idr::tool
