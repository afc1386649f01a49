// idr-bench-blocklist [N]: the lost/stolen list at national scale (DESIGN 9, issue 6
// acceptance 2). Generates N realistic (ID number, valid-from) keys as CSV, builds the list
// through the same code path as `idr blocklist build`, then reports bytes per entry, build
// time, cold open time (the file's pages evicted first), lookups per second on one core and
// the p99 lookup time. Prints figures; asserts nothing.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "idr/blocklist.h"
#include "idr/checks.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A cheap tick for timing single lookups (a VM's clock_gettime can cost more than a lookup).
uint64_t ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(Clock::now().time_since_epoch().count());
#endif
}

// Province codes of GB/T 2260; prefecture 01..20 and county 01..30 below them.
constexpr int kProvinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41,
                              42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65};

struct Key {
  char text[28];  // "ID18,YYYYMMDD"
};

Key make(std::mt19937_64& rng) {
  Key k{};
  char body[18];
  std::snprintf(body, sizeof body, "%02d%02d%02d%04d%02d%02d%03d", kProvinces[rng() % 31],
                1 + static_cast<int>(rng() % 20), 1 + static_cast<int>(rng() % 30),
                1930 + static_cast<int>(rng() % 90), 1 + static_cast<int>(rng() % 12),
                1 + static_cast<int>(rng() % 28), static_cast<int>(rng() % 1000));
  std::snprintf(k.text, sizeof k.text, "%s%c,%04d%02d%02d", body,
                idr::id_check_char(std::string_view(body, 17)), 2005 + static_cast<int>(rng() % 20),
                1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28));
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::stoull(argv[1]) : 100'000'000ull;
  const fs::path dir =
      fs::temp_directory_path() / ("idr-bench-blocklist-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string csv = (dir / "list.csv").string(), list_path = (dir / "list.idrbl").string();
  std::printf("idr-bench-blocklist: %llu entries (scratch %s)\n",
              static_cast<unsigned long long>(n), dir.c_str());

  // 1. Generate the CSV; keep every 64th key for listed lookups.
  auto t = Clock::now();
  std::vector<Key> sample;
  {
    std::mt19937_64 rng(20250615);
    FILE* f = std::fopen(csv.c_str(), "w");
    if (!f) return std::perror(csv.c_str()), 1;
    std::vector<char> buf(1 << 22);
    std::setvbuf(f, buf.data(), _IOFBF, buf.size());
    for (uint64_t i = 0; i < n; ++i) {
      const Key k = make(rng);
      std::fputs(k.text, f);
      std::fputc('\n', f);
      if (i % 64 == 0) sample.push_back(k);
    }
    std::fclose(f);
  }
  std::printf("generate csv          %8.2f s (%.2f GB)\n", seconds_since(t),
              static_cast<double>(fs::file_size(csv)) / 1e9);

  // 2. Build (parse, sort, write), as `idr blocklist build`.
  t = Clock::now();
  std::string why;
  int last = -1;
  auto info = idr::build_blocklist(csv, list_path, &why,
                                   [&](const char* phase, uint64_t done, uint64_t total) {
                                     const int p = total ? static_cast<int>(done * 10 / total) : 10;
                                     if (p != last)
                                       std::fprintf(stderr, "  %s %d0%%\n", phase, p), last = p;
                                     if (p == 10) last = -1;
                                   });
  if (!info) return std::fprintf(stderr, "build failed: %s\n", why.c_str()), 1;
  const double build_s = seconds_since(t);
  fs::remove(csv);
  std::printf("build                 %8.2f s (%.2f M entries/s)\n", build_s,
              static_cast<double>(n) / build_s / 1e6);
  std::printf("entries               %8llu (duplicates merged)\n",
              static_cast<unsigned long long>(info->entries));
  std::printf("file                  %8.1f MB\n", static_cast<double>(info->file_bytes) / 1e6);
  std::printf("bytes per entry       %8.2f (target <= 10)\n",
              static_cast<double>(info->file_bytes) / static_cast<double>(info->entries));

  // 3. Cold open: evict the file's pages (this file only), then open + verify.
  {
    const int fd = ::open(list_path.c_str(), O_RDONLY);
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  t = Clock::now();
  auto list = idr::Blocklist::open(list_path, &why);
  if (!list) return std::fprintf(stderr, "open failed: %s\n", why.c_str()), 1;
  std::printf("cold open + verify    %8.3f s (CRC-32 over the whole file)\n", seconds_since(t));
  t = Clock::now();
  auto warm = idr::Blocklist::open(list_path, &why);
  std::printf("warm open + verify    %8.3f s\n", seconds_since(t));

  // 4. Lookups: half listed keys (from the sample), half replacement cards (same number,
  // another validity start: must not be listed).
  std::mt19937_64 rng(7);
  const size_t lookups = 4'000'000;
  std::vector<std::pair<std::string_view, std::string_view>> queries;
  std::vector<std::string> replaced;
  replaced.reserve(lookups / 2);
  for (size_t i = 0; i < lookups; ++i) {
    const Key& k = sample[rng() % sample.size()];
    const std::string_view id(k.text, 18);
    if (i % 2 == 0) {
      queries.emplace_back(id, std::string_view(k.text + 19, 8));
    } else {
      replaced.push_back("2030" + std::string(k.text + 23, 4));
      queries.emplace_back(id, replaced.back());
    }
  }
  uint64_t listed = 0;
  t = Clock::now();
  for (const auto& [id, from] : queries) listed += list->contains(id, from).value() ? 1 : 0;
  const double lookup_s = seconds_since(t);
  std::printf("lookups (1 core)      %8.2f M/s (%zu lookups, %llu listed; %.0f ns each)\n",
              static_cast<double>(lookups) / lookup_s / 1e6, lookups,
              static_cast<unsigned long long>(listed),
              lookup_s * 1e9 / static_cast<double>(lookups));
  std::vector<uint64_t> tk;
  tk.reserve(1'000'000);
  const auto wall0 = Clock::now();
  const uint64_t tick0 = ticks();
  for (size_t i = 0; i < 1'000'000; ++i) {
    const auto& [id, from] = queries[(i * 2654435761u) % queries.size()];
    const uint64_t s = ticks();
    listed += list->contains(id, from).value() ? 1 : 0;
    tk.push_back(ticks() - s);
  }
  const double ns_per_tick = seconds_since(wall0) * 1e9 / static_cast<double>(ticks() - tick0);
  std::sort(tk.begin(), tk.end());
  std::vector<uint64_t> empty(100'000);
  for (auto& e : empty) {
    const uint64_t s = ticks();
    e = ticks() - s;
  }
  std::sort(empty.begin(), empty.end());
  std::printf("timer overhead (p50)  %8.0f ns (included in the figures below)\n",
              static_cast<double>(empty[empty.size() / 2]) * ns_per_tick);
  std::printf("lookup p50 / p99      %8.0f / %.0f ns (each lookup timed with the TSC)\n",
              static_cast<double>(tk[tk.size() / 2]) * ns_per_tick,
              static_cast<double>(tk[tk.size() * 99 / 100]) * ns_per_tick);
  fs::remove_all(dir);
  return listed == 0 ? 1 : 0;
}
