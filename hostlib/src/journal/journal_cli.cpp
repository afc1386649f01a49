// `idr journal ...` subcommands (run_journal_cli): the `idr` tool forwards its argv.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "idr/journal.h"

namespace idr {

int run_journal_cli(int argc, char** argv) {
  constexpr int kOk = 0, kBad = 1, kUsage = 2, kError = 3;
  auto usage = [] {
    std::fprintf(
        stderr,
        "usage: idr journal verify DB [--anchor ROW:HASH]   check the hash chain\n"
        "       idr journal list DB                         print every row (tab separated)\n"
        "       idr journal head DB                         print ROW:HASH to keep as an anchor\n");
    return kUsage;
  };
  if (argc < 3) return usage();
  const std::string cmd = argv[1], db = argv[2];
  std::string why;
  if (cmd == "verify" && (argc == 3 || argc == 5)) {
    std::optional<std::pair<int64_t, std::string>> anchor;
    if (argc == 5) {
      const std::string a = argv[4];
      const size_t colon = a.find(':');
      if (std::string(argv[3]) != "--anchor" || colon == std::string::npos) return usage();
      anchor = std::make_pair(std::strtoll(a.c_str(), nullptr, 10), a.substr(colon + 1));
    }
    auto r = verify_journal(db, anchor, &why);
    if (!r) {
      std::fprintf(stderr, "idr journal verify: %s\n", why.c_str());
      return kError;
    }
    if (!r->ok) {
      std::printf("FAILED at row %lld: %s\n", static_cast<long long>(r->first_bad_row),
                  r->problem.c_str());
      return kBad;
    }
    std::printf("OK: %lld rows, chain intact\n", static_cast<long long>(r->rows));
    return kOk;
  }
  if (cmd == "list" && argc == 3) {
    auto rows = list_journal(db, &why);
    if (!rows) {
      std::fprintf(stderr, "idr journal list: %s\n", why.c_str());
      return kError;
    }
    std::printf("row\ttime\treader\tcounter\tcard_type\tid_kind\tid\tverdict\thash\n");
    for (const auto& r : *rows)
      std::printf("%lld\t%s\t%s\t%llu\t%d\t%s\t%s\t%s\t%s\n", static_cast<long long>(r.row),
                  r.time_utc.c_str(), r.reader.c_str(), static_cast<unsigned long long>(r.counter),
                  r.card_type, r.id_kind.c_str(), r.id_value.c_str(), r.verdict.c_str(),
                  r.hash.c_str());
    return kOk;
  }
  if (cmd == "head" && argc == 3) {
    auto h = journal_head(db, &why);
    if (!h) {
      std::fprintf(stderr, "idr journal head: %s\n", why.c_str());
      return kError;
    }
    std::printf("%lld:%s\n", static_cast<long long>(h->first), h->second.c_str());
    return kOk;
  }
  return usage();
}

}  // namespace idr
