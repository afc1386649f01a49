// `idr blocklist ...` subcommands (run_blocklist_cli): the `idr` tool forwards its argv.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "idr/blocklist.h"

namespace idr {
namespace {

constexpr int kExitOk = 0, kExitListed = 1, kExitUsage = 2, kExitError = 3;

int usage() {
  std::fprintf(
      stderr,
      "usage: idr blocklist build CSV OUT        build a list from id_number,valid_from lines\n"
      "       idr blocklist apply LIST DELTA OUT apply a checksummed delta, write a new list\n"
      "       idr blocklist check LIST ID_NUMBER VALID_FROM   exit 1 when listed, 0 when not\n"
      "       idr blocklist info LIST\n");
  return kExitUsage;
}

void print_info(const BlocklistInfo& i) {
  std::printf(
      "version %u\nentries %llu\nfile bytes %llu\nbytes per entry %.2f\nblocks %llu\n"
      "slots per block %u\nremainder bits %u\noverflow entries %llu\npayload crc32 0x%08x\n",
      i.version, static_cast<unsigned long long>(i.entries),
      static_cast<unsigned long long>(i.file_bytes),
      i.entries ? static_cast<double>(i.file_bytes) / static_cast<double>(i.entries) : 0.0,
      static_cast<unsigned long long>(i.blocks), i.slots_per_block, i.remainder_bits,
      static_cast<unsigned long long>(i.overflow_entries), i.payload_crc32);
}

}  // namespace

int run_blocklist_cli(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  std::string why;
  if (cmd == "build" && argc == 4) {
    const auto start = std::chrono::steady_clock::now();
    int last_percent = -1;
    std::string last_phase;
    auto r = build_blocklist(
        argv[2], argv[3], &why, [&](const char* phase, uint64_t done, uint64_t total) {
          const int percent = total ? static_cast<int>(done * 100 / total) : 100;
          if (percent != last_percent || last_phase != phase) {
            std::fprintf(stderr, "\r%-6s %3d%%", phase, percent);
            if (percent == 100) std::fprintf(stderr, "\n");
            last_percent = percent;
            last_phase = phase;
          }
        });
    if (!r) {
      std::fprintf(stderr, "\nidr blocklist build: %s\n", why.c_str());
      return kExitError;
    }
    print_info(*r);
    std::printf("build seconds %.2f\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return kExitOk;
  }
  if (cmd == "apply" && argc == 5) {
    auto r = apply_blocklist_delta(argv[2], argv[3], argv[4], &why);
    if (!r) {
      std::fprintf(stderr, "idr blocklist apply: %s (nothing written)\n", why.c_str());
      return kExitError;
    }
    std::printf("added %llu\nremoved %llu\nalready present %llu\nnot present %llu\n",
                static_cast<unsigned long long>(r->added),
                static_cast<unsigned long long>(r->removed),
                static_cast<unsigned long long>(r->already_present),
                static_cast<unsigned long long>(r->not_present));
    print_info(r->result);
    return kExitOk;
  }
  if ((cmd == "check" && argc == 5) || (cmd == "info" && argc == 3)) {
    auto list = Blocklist::open(argv[2], &why);
    if (!list) {
      std::fprintf(stderr, "idr blocklist %s: %s\n", cmd.c_str(), why.c_str());
      return kExitError;
    }
    if (cmd == "info") {
      print_info(list->info());
      return kExitOk;
    }
    auto listed = list->contains(argv[3], argv[4]);
    if (!listed) {
      std::fprintf(stderr, "idr blocklist check: malformed ID number or date\n");
      return kExitUsage;
    }
    std::printf("%s\n", *listed ? "LISTED" : "not listed");
    return *listed ? kExitListed : kExitOk;
  }
  return usage();
}

}  // namespace idr
