// idr-bench-blocklist [N]: the lost/stolen list at national scale (DESIGN 9).
// Generates N realistic (ID number, valid-from) keys as CSV, builds the list
// through the same code path as `idr blocklist build`, then reports bytes per entry, build
// time, cold open time (the file's pages evicted first), lookups per second on one core (one
// at a time with contains, and batched with contains_many), and the p50/p99 time of a single
// lookup, for the list mapped and for it copied into huge pages. Next to the lookup rates it
// measures, in the same run, this machine's random 64-byte load rates over a buffer of the
// list's size in the same page size: independent loads (the CPU overlaps their misses: the
// limit of batched lookups) and dependent ones (a pointer chase: one miss at a time, the
// limit of a single lookup), and prints the ratios. Prints figures; checks only that the
// answers are right.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "bench_args.h"
#include "idr/blocklist.h"
#include "idr/checks.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU time of this thread: on a shared machine the wall clock also counts the time other
// processes had the core; both rates are printed.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Anonymous memory of this process in transparent huge pages (smaps_rollup), in MB.
double anon_huge_mb() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("AnonHugePages:", 0) == 0) return std::stod(line.substr(14)) / 1024.0;
  return 0;
}

// A cheap tick for timing single lookups (a VM's clock_gettime can cost more than a lookup).
uint64_t ticks() {
#if defined(__x86_64__)
  // lfence: earlier loads (the query text) complete before the TSC is read, and the TSC is
  // read before later instructions start.
  _mm_lfence();
  const uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
#else
  return static_cast<uint64_t>(Clock::now().time_since_epoch().count());
#endif
}

__extension__ typedef unsigned __int128 u128;  // GCC/Clang extension

// Rates (M/s, wall clock and per second of this thread's CPU time) of random 64-byte loads
// over `bytes` of anonymous memory in 4 KiB pages, or 2 MiB pages when `huge`.
struct LoadRates {
  double independent = 0, independent_cpu = 0, dependent = 0, dependent_cpu = 0;
};
LoadRates load_rates(uint64_t bytes, bool huge, size_t loads, int rounds) {
  const uint64_t lines = bytes / 64;
  const size_t size = static_cast<size_t>(lines * 64);
  void* map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return {};
  ::madvise(map, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  auto* words = static_cast<uint64_t*>(map);
  // One random cycle through every line (Sattolo): the chase visits each line once.
  {
    std::vector<uint32_t> order(lines);
    for (uint64_t i = 0; i < lines; ++i) order[i] = static_cast<uint32_t>(i);
    std::mt19937_64 rng(42);
    for (uint64_t i = lines - 1; i > 0; --i) std::swap(order[i], order[rng() % i]);
    for (uint64_t i = 0; i < lines; ++i) words[order[i] * 8] = order[(i + 1) % lines];
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> ind, ind_cpu, dep, dep_cpu;
  uint64_t sink = 0;
  for (int round = 0; round < rounds; ++round) {
    // Independent: addresses from xorshift, mapped onto the lines by a multiply (no
    // division); a plain loop, no prefetch instructions.
    uint64_t x = 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(round), sum = 0;
    auto t = Clock::now();
    double cpu = thread_cpu_seconds();
    for (size_t i = 0; i < loads; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const uint64_t line = static_cast<uint64_t>((static_cast<u128>(x) * lines) >> 64);
      sum += words[line * 8];
    }
    ind.push_back(static_cast<double>(loads) / seconds_since(t) / 1e6);
    ind_cpu.push_back(static_cast<double>(loads) / (thread_cpu_seconds() - cpu) / 1e6);
    // Dependent: each load's address is the value the previous one read.
    uint64_t at = static_cast<uint64_t>(round);
    t = Clock::now();
    cpu = thread_cpu_seconds();
    for (size_t i = 0; i < loads / 4; ++i) at = words[at * 8];
    dep.push_back(static_cast<double>(loads / 4) / seconds_since(t) / 1e6);
    dep_cpu.push_back(static_cast<double>(loads / 4) / (thread_cpu_seconds() - cpu) / 1e6);
    sink += sum + at;
  }
  ::munmap(map, size);
  if (sink == 0x5EED) std::printf(" ");  // keeps the loads
  return {median(ind), median(ind_cpu), median(dep), median(dep_cpu)};
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

const char kUsage[] =
    "usage: idr-bench-blocklist [N]\n"
    "  builds a lost/stolen list of N generated entries (default 100000000, at least 1) in a\n"
    "  scratch folder in the temp directory ($TMPDIR, else /tmp; removed after a full run) and\n"
    "  prints bytes per entry, build and open time, lookups per second, p50/p99 and this\n"
    "  machine's random 64-byte load rates with the ratios\n";

int main(int argc, char** argv) {
  uint64_t n = 100'000'000ull;
  const int exit_status =
      idr::bench::count_argument(argc, argv, "idr-bench-blocklist",
                                 "N must be a whole number of entries from 1", 12, kUsage, n);
  if (exit_status >= 0) return exit_status;
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
  std::printf("entries               %8llu (duplicates merged; %llu in the overflow table)\n",
              static_cast<unsigned long long>(info->entries),
              static_cast<unsigned long long>(info->overflow_entries));
  std::printf("file                  %8.1f MB\n", static_cast<double>(info->file_bytes) / 1e6);
  std::printf("bytes per entry       %8.2f (target <= 10)\n",
              static_cast<double>(info->file_bytes) / static_cast<double>(info->entries));

  // 3. Cold open: evict the file's pages (this file only), then open + verify, in both modes.
  auto evict = [&] {
    const int fd = ::open(list_path.c_str(), O_RDONLY);
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  };
  evict();
  t = Clock::now();
  auto list = idr::Blocklist::open(list_path, &why);
  if (!list) return std::fprintf(stderr, "open failed: %s\n", why.c_str()), 1;
  std::printf("cold open + verify    %8.3f s (mmap; CRC-32 over the whole file)\n",
              seconds_since(t));
  t = Clock::now();
  auto warm = idr::Blocklist::open(list_path, &why);
  std::printf("warm open + verify    %8.3f s (mmap)\n", seconds_since(t));
  idr::BlocklistOpenOptions huge_options;
  huge_options.copy_to_huge_pages = true;
  evict();
  t = Clock::now();
  auto huge = idr::Blocklist::open(list_path, huge_options, &why);
  if (!huge) return std::fprintf(stderr, "open (huge pages) failed: %s\n", why.c_str()), 1;
  std::printf("cold open + verify    %8.3f s (copy into 2 MiB pages; %.0f MB got huge pages)\n",
              seconds_since(t), anon_huge_mb());

  // 4. Lookups: half listed keys (from the sample), half replacement cards (same number,
  // another validity start: must not be listed).
  std::mt19937_64 rng(7);
  const size_t lookups = 4'000'000;
  // The query texts lie one after another (as a caller's batch would): the figures are the
  // lookups' own memory accesses, not cache misses on the benchmark's sample of keys.
  std::vector<std::array<char, 26>> texts(lookups);
  std::vector<idr::BlocklistQuery> queries;
  for (size_t i = 0; i < lookups; ++i) {
    const Key& k = sample[rng() % sample.size()];
    std::memcpy(texts[i].data(), k.text, 18);
    if (i % 2 == 0) {
      std::memcpy(texts[i].data() + 18, k.text + 19, 8);
    } else {
      std::memcpy(texts[i].data() + 18, "2030", 4);
      std::memcpy(texts[i].data() + 22, k.text + 23, 4);
    }
    queries.push_back(
        {std::string_view(texts[i].data(), 18), std::string_view(texts[i].data() + 18, 8)});
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  uint64_t listed = 0;
  constexpr int kRounds = 5;
  std::vector<idr::BlocklistAnswer> answers(1024);
  for (const auto& [mode, lst] :
       {std::pair<const char*, const idr::Blocklist*>{"mmap", &*list}, {"huge pages", &*huge}}) {
    std::vector<double> single, batched, single_cpu, batched_cpu;
    for (int round = 0; round < kRounds; ++round) {
      uint64_t hits = 0;
      t = Clock::now();
      double cpu = thread_cpu_seconds();
      for (const auto& q : queries)
        hits += lst->contains(q.id_number, q.valid_from).value() ? 1 : 0;
      single.push_back(static_cast<double>(lookups) / seconds_since(t) / 1e6);
      single_cpu.push_back(static_cast<double>(lookups) / (thread_cpu_seconds() - cpu) / 1e6);
      if (hits != lookups / 2) return std::fprintf(stderr, "wrong answers (single)\n"), 1;
      hits = 0;
      t = Clock::now();
      cpu = thread_cpu_seconds();
      for (size_t at = 0; at < lookups; at += answers.size()) {
        const size_t part = std::min(answers.size(), lookups - at);
        lst->contains_many(queries.data() + at, part, answers.data());
        for (size_t i = 0; i < part; ++i)
          hits += answers[i] == idr::BlocklistAnswer::Listed ? 1 : 0;
      }
      batched.push_back(static_cast<double>(lookups) / seconds_since(t) / 1e6);
      batched_cpu.push_back(static_cast<double>(lookups) / (thread_cpu_seconds() - cpu) / 1e6);
      if (hits != lookups / 2) return std::fprintf(stderr, "wrong answers (batched)\n"), 1;
      listed += hits;
    }
    std::printf(
        "lookups, %-10s    single %6.2f M/s, batched %6.2f M/s (1 core, wall clock; "
        "median of %d rounds of %zu, half listed)\n",
        mode, median(single), median(batched), kRounds, lookups);
    std::printf(
        "lookups, %-10s    single %6.2f M/s, batched %6.2f M/s (per second of this "
        "thread's CPU time)\n",
        mode, median(single_cpu), median(batched_cpu));
    const bool huge_mode = lst == &*huge;
    const LoadRates mem = load_rates(info->file_bytes, huge_mode, lookups, kRounds);
    std::printf(
        "memory,  %-10s    dependent %5.2f M/s, independent %6.2f M/s (random 64-byte loads "
        "over %.0f MB in %s pages; wall clock)\n",
        mode, mem.dependent, mem.independent, static_cast<double>(info->file_bytes) / 1e6,
        huge_mode ? "2 MiB" : "4 KiB");
    std::printf(
        "memory,  %-10s    dependent %5.2f M/s, independent %6.2f M/s (per second of CPU time)\n",
        mode, mem.dependent_cpu, mem.independent_cpu);
    std::printf(
        "ratio,   %-10s    single / dependent %.2f (target >= 0.8), batched / independent "
        "%.2f (target >= 0.5) (CPU time)\n",
        mode, median(single_cpu) / mem.dependent_cpu, median(batched_cpu) / mem.independent_cpu);
    std::vector<uint64_t> tk;
    tk.reserve(1'000'000);
    const auto wall0 = Clock::now();
    const uint64_t tick0 = ticks();
    for (size_t i = 0; i < 1'000'000; ++i) {
      // The query text is copied first, so the timed part is the lookup's own work and
      // memory accesses, not a cache miss on the benchmark's query array.
      const auto& q = queries[(i * 2654435761u) % queries.size()];
      char text[26];
      std::memcpy(text, q.id_number.data(), 18);
      std::memcpy(text + 18, q.valid_from.data(), 8);
      const std::string_view id(text, 18), from(text + 18, 8);
      const uint64_t s0 = ticks();
      listed += lst->contains(id, from).value() ? 1 : 0;
      tk.push_back(ticks() - s0);
    }
    const double ns_per_tick = seconds_since(wall0) * 1e9 / static_cast<double>(ticks() - tick0);
    std::sort(tk.begin(), tk.end());
    std::vector<uint64_t> empty(100'000);
    for (auto& e : empty) {
      const uint64_t s0 = ticks();
      e = ticks() - s0;
    }
    std::sort(empty.begin(), empty.end());
    std::printf(
        "lookup p50 / p99      %8.0f / %.0f ns (%s; each lookup timed with the TSC, "
        "timer overhead %.0f ns included)\n",
        static_cast<double>(tk[tk.size() / 2]) * ns_per_tick,
        static_cast<double>(tk[tk.size() * 99 / 100]) * ns_per_tick, mode,
        static_cast<double>(empty[empty.size() / 2]) * ns_per_tick);
  }
  fs::remove_all(dir);
  return listed == 0 ? 1 : 0;
}
