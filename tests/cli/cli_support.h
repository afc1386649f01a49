#pragma once
// Runs the built `idr` as a process for the cli tests: every wait is bounded, every child
// killed and reaped when the test ends (idr_tool_process's ChildProcess).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace idr::cli_test {

using namespace std::chrono_literals;

inline const std::string kSourceDir = IDR_SOURCE_DIR;
inline const std::string kSamples = kSourceDir + "/hw-sim/scenarios/";
inline const std::string kOwnScenarios = kSourceDir + "/tests/cli/scenarios/";
inline constexpr std::chrono::milliseconds kBound = 60s;  // no test command takes this long

struct Run {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr (also copied to the test log)
};

// `idr ARGS...` to the end; throws (failing the test) when it runs longer than `bound`.
Run run_idr(const std::vector<std::string>& args, std::chrono::milliseconds bound = kBound);

// `idr sim --scenario FILE --port 0` serving until the object goes (SIGTERM, then reaped).
// While it lives, IDR_TRUST and IDR_COUNTERS name its dev root and counter store (so
// `idr read` verifies its signed reads); one at a time.
struct SimulatedReader {
  explicit SimulatedReader(const std::string& scenario);
  ~SimulatedReader();
  std::unique_ptr<tool::ChildProcess> process;
  std::string uri;           // tcp://127.0.0.1:PORT, from its "reader: " line
  std::string trust;         // its "trust: " line: the dev root certificate
  std::string counters;      // its "counters: " line
  bool expect_stop = false;  // the test stops it on purpose: no check of its exit status
};

// Lines of a text, without the newlines; no empty last line.
std::vector<std::string> lines(const std::string& text);
// RFC 4648 base64, written here apart from the tool's encoder so the test checks it.
std::vector<uint8_t> base64_decode(const std::string& text);
// Processes whose parent is `pid` (from /proc/PID/stat).
std::vector<pid_t> children_of(pid_t pid);
// True when no process (not even a zombie) has this pid.
bool gone(pid_t pid);

}  // namespace idr::cli_test
