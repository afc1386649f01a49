#pragma once
// The read journal: every verified read appended to an SQLite database, rows hash-chained
// (each row's hash is SHA-256 over the previous row's hash and the row's own fields), so an
// edited, deleted or inserted row is found by verify_journal, which names the first bad row.
// The chain shows tampering by anyone who does not recompute every later hash; to catch a
// full rewrite or a cut-off tail, keep the latest (row, hash) of journal_head() elsewhere and
// pass it to verify_journal as an anchor.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "idr/card.h"
#include "idr/error.h"

namespace idr {

enum class JournalIdPolicy : int {
  Hmac = 0,  // store HMAC-SHA-256(journal key, ID number) in hex (default: privacy)
  Full = 1,  // store the full ID number
};

struct JournalOptions {
  JournalIdPolicy id_policy = JournalIdPolicy::Hmac;
  std::vector<uint8_t> key;  // the HMAC key, >= 16 bytes, required for Hmac
};

struct JournalEntry {
  std::string time_utc;  // ISO 8601, e.g. "2025-06-15T08:30:00Z"
  std::string reader;    // reader serial or URI
  uint64_t counter = 0;  // the reader's signed-read counter (0 until signed reads exist)
  CardType card_type = CardType::Unknown;
  std::string id_number;  // stored as the policy says
  std::string verdict;    // verdict summary, e.g. "SUCCEEDED" or "FAILED: id_number.check_digit"
};

struct JournalRow {
  int64_t row = 0;  // 1, 2, 3, ...
  std::string time_utc, reader;
  uint64_t counter = 0;
  int card_type = 0;
  std::string id_kind;  // "hmac-sha256" or "full"
  std::string id_value;
  std::string verdict;
  std::string prev_hash, hash;  // hex
};

struct JournalVerifyResult {
  bool ok = false;
  int64_t rows = 0;           // rows checked
  int64_t first_bad_row = 0;  // 0 when ok
  std::string problem;        // what is wrong with the first bad row
};

class Journal {
 public:
  // Opens or creates the database. InvalidArgument for an Hmac policy without a key of at
  // least 16 bytes; Io when SQLite cannot open or create it.
  [[nodiscard]] static Result<Journal> open(const std::string& path, JournalOptions options,
                                            std::string* why = nullptr);
  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  ~Journal();

  // Appends one row (in one IMMEDIATE transaction: safe against other processes appending
  // to the same file); returns its row number. Thread-safe.
  [[nodiscard]] Result<int64_t> append(const JournalEntry& entry, std::string* why = nullptr);

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Every row in order. Io when the file is not a journal.
[[nodiscard]] Result<std::vector<JournalRow>> list_journal(const std::string& path,
                                                           std::string* why = nullptr);
// The last row and its hash ({0, ""} for an empty journal).
[[nodiscard]] Result<std::pair<int64_t, std::string>> journal_head(const std::string& path,
                                                                   std::string* why = nullptr);
// Recomputes the chain. With an anchor, also checks that row anchor->first still has hash
// anchor->second (a rewritten chain or a removed tail fails there).
[[nodiscard]] Result<JournalVerifyResult> verify_journal(
    const std::string& path,
    const std::optional<std::pair<int64_t, std::string>>& anchor = std::nullopt,
    std::string* why = nullptr);

// `idr journal verify DB [--anchor ROW:HASH] | list DB | head DB`; argv[0] is "journal".
// Exit codes: 0 ok, 1 verify failed, 2 usage, 3 error.
int run_journal_cli(int argc, char** argv);

}  // namespace idr
