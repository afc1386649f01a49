// idr journal verify | list | head | record: the read journal (idr/journal.h, DESIGN 7).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli.h"
#include "commands.h"
#include "idr/journal.h"
#include "idr/photo.h"
#include "idr/verify.h"

namespace idr::tool {

namespace {

using RowAnd = std::pair<int64_t, std::string>;  // ROW:TEXT

struct JournalCommand {
  CLI::App *verify = nullptr, *list = nullptr, *head = nullptr, *record = nullptr;
  std::string db;
  std::optional<RowAnd> anchor;  // verify --anchor ROW:HASH
  std::optional<RowAnd> check;   // verify --record ROW:FILE
  uint64_t row = 0;              // record ROW FILE
  std::string file;
};

// "ROW:REST" with ROW a positive integer.
std::optional<RowAnd> row_and_text(const std::string& s) {
  const size_t colon = s.find(':');
  if (colon == 0 || colon == std::string::npos || colon > 18) return std::nullopt;
  int64_t row = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    row = row * 10 + (s[i] - '0');
  }
  if (row <= 0) return std::nullopt;
  return RowAnd{row, s.substr(colon + 1)};
}

CLI::Option* add_row_option(CLI::App& app, const std::string& name, std::optional<RowAnd>& value,
                            const std::string& type, const std::string& description) {
  return app
      .add_option_function<std::string>(
          name, [&value](const std::string& s) { value = row_and_text(s); }, description)
      ->type_name(type)
      ->check(CLI::Validator(
          [type](std::string& s) {
            return row_and_text(s) ? std::string() : "takes " + type + " (ROW a positive number)";
          },
          ""));
}

const JournalRow* find_row(const std::vector<JournalRow>& rows, int64_t n) {
  for (const auto& r : rows)
    if (r.row == n) return &r;
  return nullptr;
}

int verify(const JournalCommand& o) {
  std::string why;
  const auto key = journal_key_from_env(&why);
  if (!key) return fail("journal verify", why);
  auto r = verify_journal(o.db, *key, o.anchor, &why);
  if (!r) return fail("journal verify", why);
  if (!r->ok) {
    std::printf("FAILED at row %lld: %s\n", static_cast<long long>(r->first_bad_row),
                r->problem.c_str());
    return kExitRejected;
  }
  if (o.check) {
    const auto& [n, path] = *o.check;
    const Result<Bytes> bytes = read_record_file(path, &why);
    if (!bytes) return fail("journal verify", why);  // why names the file
    auto rows = list_journal(o.db, &why);
    if (!rows) return fail("journal verify", why);
    const JournalRow* row = find_row(*rows, n);
    if (!row) {
      std::printf("FAILED: no row %lld\n", static_cast<long long>(n));
      return kExitRejected;
    }
    if (!check_journal_record(*row, *bytes, &why)) {
      std::printf("FAILED at row %lld: %s %s\n", static_cast<long long>(row->row), path.c_str(),
                  why.c_str());
      return kExitRejected;
    }
    std::printf("OK: row %lld is the record %s (reader %s, counter %llu)\n",
                static_cast<long long>(row->row), path.c_str(), row->reader_serial.c_str(),
                static_cast<unsigned long long>(row->counter));
  }
  std::printf("OK: %lld rows, keyed chain intact\n", static_cast<long long>(r->rows));
  return kExitOk;
}

int run_journal(const JournalCommand& o) {
  if (*o.verify) return verify(o);
  const char* sub = *o.list ? "journal list" : *o.head ? "journal head" : "journal record";
  std::string why;
  auto rows = list_journal(o.db, &why);
  if (!rows) return fail(sub, why);
  if (*o.head) {
    if (rows->empty())
      std::printf("0:\n");
    else
      std::printf("%lld:%s\n", static_cast<long long>(rows->back().row), rows->back().hash.c_str());
    return kExitOk;
  }
  if (*o.list) {
    std::printf(
        "row\ttime\treader_serial\tcounter\trecord_sha256\tcard_type\tid_kind\tid\tverdict\t"
        "record_kept\thash\n");
    for (const auto& r : *rows)
      std::printf("%lld\t%s\t%s\t%llu\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", static_cast<long long>(r.row),
                  r.time_utc.c_str(), r.reader_serial.c_str(),
                  static_cast<unsigned long long>(r.counter), r.record_sha256.c_str(), r.card_type,
                  r.id_kind.c_str(), r.id_value.c_str(), r.verdict.c_str(),
                  r.record.empty() ? "no" : "yes", r.hash.c_str());
    return kExitOk;
  }
  const JournalRow* row = find_row(*rows, static_cast<int64_t>(o.row));
  if (!row) return fail(sub, "row " + std::to_string(o.row) + " does not exist");
  if (row->record.empty())
    return fail(sub, "row " + std::to_string(o.row) +
                         " keeps no record (journal written without --journal-records)");
  if (!write_file(o.file, row->record)) return fail(sub, "cannot write " + o.file);
  return kExitOk;
}

}  // namespace

Command add_journal(CLI::App& idr) {
  auto o = std::make_shared<JournalCommand>();
  CLI::App* app = add_command(
      idr, "journal", "the read journal: verify its keyed chain, list, head, a kept record",
      "The journal `idr read --journal` and `idr watch --journal` append to: each row names the\n"
      "reader serial and counter of a verified record and its SHA-256, chained with\n"
      "HMAC-SHA-256 under the key in $IDR_JOURNAL_KEY (hex, at least 16 bytes).\n");
  app->require_subcommand(1, 1);
  o->verify = app->add_subcommand(
      "verify",
      "check the keyed chain (key in $IDR_JOURNAL_KEY) and every record kept in it "
      "(exit 6 when it does not verify)");
  o->verify->add_option("DB", o->db, "the journal")->required();
  add_row_option(*o->verify, "--anchor", o->anchor, "ROW:HASH",
                 "row ROW must still have MAC HASH (idr journal head): a removed tail fails");
  add_row_option(*o->verify, "--record", o->check, "ROW:FILE",
                 "FILE must be the record row ROW journals (its SHA-256, reader and counter)");
  o->list = app->add_subcommand("list", "print every row (tab separated)");
  o->list->add_option("DB", o->db, "the journal")->required();
  o->head = app->add_subcommand("head", "print ROW:HASH of the last row, to keep as an anchor");
  o->head->add_option("DB", o->db, "the journal")->required();
  o->record = app->add_subcommand("record", "write the record kept in row ROW to FILE");
  o->record->add_option("DB", o->db, "the journal")->required();
  add_number_option(*o->record, "ROW", o->row, 1, uint64_t{1} << 62, "the row")->required();
  o->record->add_option("FILE", o->file, "the file to write")->required();
  for (CLI::App* sub : {o->verify, o->list, o->head, o->record}) sub->footer(kExitCodeHelp);
  return {app, [o](const std::optional<Words>&) { return run_journal(*o); }};
}

}  // namespace idr::tool
