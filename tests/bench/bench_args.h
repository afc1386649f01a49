#pragma once
// The benches' one optional argument: a count from 1 (or --help / -h).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

namespace idr::bench {

// Reads argv[1], when given, into `count` (left as is without it). Returns -1 to go on, else
// the exit status: 0 after printing `usage` on stdout for --help / -h, 2 after printing
// `usage` (and `program: rule, not 'ARG'` before it for a bad count) on stderr for more than
// one argument or an argument that is not 1..`max_digits` decimal digits above 0.
inline int count_argument(int argc, char** argv, const char* program, const char* rule,
                          size_t max_digits, const char* usage, uint64_t& count) {
  if (argc > 2) return std::fputs(usage, stderr), 2;
  if (argc < 2) return -1;
  const std::string a = argv[1];
  if (a == "--help" || a == "-h") return std::fputs(usage, stdout), 0;
  const bool digits = !a.empty() && a.size() <= max_digits &&
                      std::all_of(a.begin(), a.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoull(a) == 0) {
    std::fprintf(stderr, "%s: %s, not '%s'\n%s", program, rule, a.c_str(), usage);
    return 2;
  }
  count = std::stoull(a);
  return -1;
}

}  // namespace idr::bench
