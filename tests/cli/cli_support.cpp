#include "cli_support.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "idr/testing/temp_dir.h"

namespace idr::cli_test {

Run run_idr(const std::vector<std::string>& args, std::chrono::milliseconds bound) {
  std::vector<std::string> argv{IDR_TOOL_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::TempDir dir("idr-cli-run");
  tool::SpawnOptions options;
  options.capture_stdout = true;
  options.stderr_file = dir.path + "/stderr";
  tool::ChildProcess child(argv, options);
  Run r;
  r.out = child.read_all(bound);  // throws after `bound`; the destructor kills the child
  r.status = child.wait();
  std::ifstream err(options.stderr_file, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  std::cerr << r.err;
  return r;
}

SimulatedReader::SimulatedReader(const std::string& scenario) {
  tool::SpawnOptions options;
  options.capture_stdout = true;
  process = std::make_unique<tool::ChildProcess>(
      std::vector<std::string>{IDR_TOOL_EXE, "sim", "--scenario", scenario, "--port", "0"},
      options);
  uri = process->wait_for_line("reader: ", 30s);
  // idr sim provisioned the reader with a throwaway CA: the commands the tests run get its
  // trust and counter store through the environment, as a developer's shell would.
  trust = process->wait_for_line("trust: ", 30s);
  counters = process->wait_for_line("counters: ", 30s);
  ::setenv("IDR_TRUST", trust.c_str(), 1);
  ::setenv("IDR_COUNTERS", counters.c_str(), 1);
}

SimulatedReader::~SimulatedReader() {
  ::unsetenv("IDR_TRUST");
  ::unsetenv("IDR_COUNTERS");
  process->signal(SIGTERM);  // idr sim kills its children on the way out
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (process->running() && std::chrono::steady_clock::now() < deadline)
    ::usleep(10'000);  // polling an exit, not synchronising on a guess
  process->kill();     // no-op when it ended
  // 130: it served until our SIGTERM. Anything else: its simulator or firmware stopped
  // first, e.g. on a model error (idr sim exits 4 and prints the model's message), which
  // makes the whole test void (DESIGN 3). FAIL_CHECK: no throwing from a destructor.
  const int status = process->exit_status();
  if (status != 130 && !expect_stop)
    FAIL_CHECK("idr sim ended with status " << status
                                            << " before the test ended (see its stderr above)");
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<uint8_t> base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) throw std::runtime_error("base64: length not a multiple of 4");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = value(c);
      if (d < 0 || pad) throw std::runtime_error("base64: bad character");
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) throw std::runtime_error("cannot list /proc");
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f("/proc/" + name + "/stat");
    std::string stat;
    if (!std::getline(f, stat)) continue;  // gone meanwhile
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  ::closedir(d);
  return out;
}

bool gone(pid_t pid) {
  struct stat st {};
  return ::stat(("/proc/" + std::to_string(pid)).c_str(), &st) != 0;
}

}  // namespace idr::cli_test
