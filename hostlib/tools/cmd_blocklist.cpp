// idr blocklist build | apply | check | info: the lost/stolen list file (idr/blocklist.h).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "commands.h"
#include "idr/blocklist.h"

namespace idr::tool {

namespace {

struct BlocklistCommand {
  CLI::App *build = nullptr, *apply = nullptr, *check = nullptr, *info = nullptr;
  std::string csv, list, delta, out, id_number, valid_from;
};

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

int build(const BlocklistCommand& o) {
  std::string why;
  const auto start = std::chrono::steady_clock::now();
  int last_percent = -1;
  std::string last_phase;
  auto r =
      build_blocklist(o.csv, o.out, &why, [&](const char* phase, uint64_t done, uint64_t total) {
        const int percent = total ? static_cast<int>(done * 100 / total) : 100;
        if (percent != last_percent || last_phase != phase) {
          std::fprintf(stderr, "\r%-6s %3d%%", phase, percent);
          if (percent == 100) std::fprintf(stderr, "\n");
          last_percent = percent;
          last_phase = phase;
        }
      });
  if (!r) {
    std::fprintf(stderr, "\n");
    return fail("blocklist build", why);
  }
  print_info(*r);
  std::printf("build seconds %.2f\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return kExitOk;
}

int apply(const BlocklistCommand& o) {
  std::string why;
  auto r = apply_blocklist_delta(o.list, o.delta, o.out, &why);
  if (!r) return fail("blocklist apply", why + " (nothing written)");
  std::printf("added %llu\nremoved %llu\nalready present %llu\nnot present %llu\n",
              static_cast<unsigned long long>(r->added),
              static_cast<unsigned long long>(r->removed),
              static_cast<unsigned long long>(r->already_present),
              static_cast<unsigned long long>(r->not_present));
  print_info(r->result);
  return kExitOk;
}

int run_blocklist(const BlocklistCommand& o) {
  if (*o.build) return build(o);
  if (*o.apply) return apply(o);
  const char* sub = *o.info ? "blocklist info" : "blocklist check";
  std::string why;
  auto list = Blocklist::open(o.list, &why);
  if (!list) return fail(sub, why);
  if (*o.info) {
    print_info(list->info());
    return kExitOk;
  }
  auto listed = list->contains(o.id_number, o.valid_from);
  if (!listed) throw UsageError("check: malformed ID number or date");
  std::printf("%s\n", *listed ? "LISTED" : "not listed");
  return *listed ? kExitRejected : kExitOk;
}

}  // namespace

Command add_blocklist(CLI::App& idr) {
  auto o = std::make_shared<BlocklistCommand>();
  CLI::App* app = add_command(
      idr, "blocklist", "the lost/stolen list: build, apply a delta, check a card, info",
      "The list file `idr read --blocklist` and `idr watch --blocklist` check cards against.\n");
  app->require_subcommand(1, 1);
  auto file = [](CLI::App* sub, const char* name, std::string& value, const char* what) {
    sub->add_option(name, value, what)->required();
  };
  o->build = app->add_subcommand("build", "build a list from id_number,valid_from lines");
  file(o->build, "CSV", o->csv, "the lines, one card each");
  file(o->build, "OUT", o->out, "the list file to write");
  o->apply = app->add_subcommand("apply", "apply a checksummed delta, write a new list");
  file(o->apply, "LIST", o->list, "the list in force");
  file(o->apply, "DELTA", o->delta, "the delta file (its checksum line is checked)");
  file(o->apply, "OUT", o->out, "the new list file (nothing is written when the delta fails)");
  o->check =
      app->add_subcommand("check", "is this card on the list (exit 6 when listed, 0 when not)");
  file(o->check, "LIST", o->list, "the list file");
  file(o->check, "ID_NUMBER", o->id_number, "the card's ID number");
  file(o->check, "VALID_FROM", o->valid_from, "the card's validity start, YYYYMMDD");
  o->info = app->add_subcommand("info", "the list's header: version, entries, sizes, checksum");
  file(o->info, "LIST", o->list, "the list file");
  for (CLI::App* sub : {o->build, o->apply, o->check, o->info}) sub->footer(kExitCodeHelp);
  return {app, [o](const std::optional<Words>&) { return run_blocklist(*o); }};
}

}  // namespace idr::tool
