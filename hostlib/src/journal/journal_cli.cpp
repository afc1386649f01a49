// `idr journal ...` subcommands (run_journal_cli): the `idr` tool forwards its argv.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "idr/journal.h"

namespace idr {
namespace {

constexpr int kOk = 0, kBad = 1, kUsage = 2, kError = 3;

int usage() {
  std::fprintf(
      stderr,
      "usage: idr journal verify DB [--anchor ROW:HASH] [--record ROW:FILE]\n"
      "                                   check the keyed chain (key in $IDR_JOURNAL_KEY), every\n"
      "                                   record kept in the journal, and FILE against row ROW\n"
      "       idr journal list DB         print every row (tab separated)\n"
      "       idr journal head DB         print ROW:HASH to keep as an anchor\n"
      "       idr journal record DB ROW FILE\n"
      "                                   write the record kept in row ROW to FILE\n");
  return kUsage;
}

// "ROW:REST" with ROW a positive integer.
bool row_and_text(const std::string& s, int64_t* row, std::string* rest) {
  const size_t colon = s.find(':');
  if (colon == 0 || colon == std::string::npos) return false;
  char* end = nullptr;
  const long long n = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + colon || n <= 0) return false;
  *row = n;
  *rest = s.substr(colon + 1);
  return true;
}

bool read_file(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return !f.bad();
}

const JournalRow* find_row(const std::vector<JournalRow>& rows, int64_t n) {
  for (const auto& r : rows)
    if (r.row == n) return &r;
  return nullptr;
}

int verify(const std::string& db, int argc, char** argv) {
  std::optional<std::pair<int64_t, std::string>> anchor;
  std::optional<std::pair<int64_t, std::string>> record;  // row, file
  for (int i = 3; i < argc; i += 2) {
    const std::string opt = argv[i];
    if (i + 1 >= argc) return usage();
    int64_t row = 0;
    std::string text;
    if (!row_and_text(argv[i + 1], &row, &text)) return usage();
    if (opt == "--anchor" && !anchor)
      anchor = std::make_pair(row, text);
    else if (opt == "--record" && !record)
      record = std::make_pair(row, text);
    else
      return usage();
  }
  std::string why;
  const auto key = journal_key_from_env(&why);
  if (!key) {
    std::fprintf(stderr, "idr journal verify: %s\n", why.c_str());
    return kError;
  }
  auto r = verify_journal(db, *key, anchor, &why);
  if (!r) {
    std::fprintf(stderr, "idr journal verify: %s\n", why.c_str());
    return kError;
  }
  if (!r->ok) {
    std::printf("FAILED at row %lld: %s\n", static_cast<long long>(r->first_bad_row),
                r->problem.c_str());
    return kBad;
  }
  if (record) {
    std::vector<uint8_t> bytes;
    if (!read_file(record->second, &bytes)) {
      std::fprintf(stderr, "idr journal verify: cannot read %s\n", record->second.c_str());
      return kError;
    }
    auto rows = list_journal(db, &why);
    if (!rows) {
      std::fprintf(stderr, "idr journal verify: %s\n", why.c_str());
      return kError;
    }
    const JournalRow* row = find_row(*rows, record->first);
    if (!row) {
      std::printf("FAILED: no row %lld\n", static_cast<long long>(record->first));
      return kBad;
    }
    if (!check_journal_record(*row, bytes, &why)) {
      std::printf("FAILED at row %lld: %s %s\n", static_cast<long long>(row->row),
                  record->second.c_str(), why.c_str());
      return kBad;
    }
    std::printf("OK: row %lld is the record %s (reader %s, counter %llu)\n",
                static_cast<long long>(row->row), record->second.c_str(),
                row->reader_serial.c_str(), static_cast<unsigned long long>(row->counter));
  }
  std::printf("OK: %lld rows, keyed chain intact\n", static_cast<long long>(r->rows));
  return kOk;
}

}  // namespace

int run_journal_cli(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string cmd = argv[1], db = argv[2];
  std::string why;
  if (cmd == "verify") return verify(db, argc, argv);
  if ((cmd == "list" || cmd == "head") && argc == 3) {
    auto rows = list_journal(db, &why);
    if (!rows) {
      std::fprintf(stderr, "idr journal %s: %s\n", cmd.c_str(), why.c_str());
      return kError;
    }
    if (cmd == "head") {
      if (rows->empty())
        std::printf("0:\n");
      else
        std::printf("%lld:%s\n", static_cast<long long>(rows->back().row),
                    rows->back().hash.c_str());
      return kOk;
    }
    std::printf(
        "row\ttime\treader_serial\tcounter\trecord_sha256\tcard_type\tid_kind\tid\tverdict\t"
        "record_kept\thash\n");
    for (const auto& r : *rows)
      std::printf("%lld\t%s\t%s\t%llu\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", static_cast<long long>(r.row),
                  r.time_utc.c_str(), r.reader_serial.c_str(),
                  static_cast<unsigned long long>(r.counter), r.record_sha256.c_str(), r.card_type,
                  r.id_kind.c_str(), r.id_value.c_str(), r.verdict.c_str(),
                  r.record.empty() ? "no" : "yes", r.hash.c_str());
    return kOk;
  }
  if (cmd == "record" && argc == 5) {
    char* end = nullptr;
    const long long n = std::strtoll(argv[3], &end, 10);
    if (*end != '\0' || n <= 0) return usage();
    auto rows = list_journal(db, &why);
    if (!rows) {
      std::fprintf(stderr, "idr journal record: %s\n", why.c_str());
      return kError;
    }
    const JournalRow* row = find_row(*rows, n);
    if (!row || row->record.empty()) {
      std::fprintf(
          stderr, "idr journal record: row %lld %s\n", n,
          row ? "keeps no record (journal written without --journal-records)" : "does not exist");
      return kError;
    }
    std::ofstream f(argv[4], std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(row->record.data()),
            static_cast<std::streamsize>(row->record.size()));
    if (!f.flush()) {
      std::fprintf(stderr, "idr journal record: cannot write %s\n", argv[4]);
      return kError;
    }
    return kOk;
  }
  return usage();
}

}  // namespace idr
