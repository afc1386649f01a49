#pragma once
// The read journal (DESIGN 7): every verified signed read appended to an SQLite database.
// Each row names the reader serial and the signed counter of the record it journals and
// holds SHA-256 of the record file (optionally the record itself), so an auditor can tie the
// row to the reader that signed it and to the record that proves the card was presented.
// Rows are chained with HMAC-SHA-256 under the journal key (each row's MAC covers the
// previous row's MAC and the row's own fields): an edited, deleted or inserted row, or a
// chain rebuilt without the key, is found by verify_journal, which names the first bad row.
// A cut-off tail is only caught against an anchor kept elsewhere (journal_head()).
// Thread-safety: a Journal may be shared by threads (append locks); several processes may
// append to one file (each append is one IMMEDIATE transaction).
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "idr/card.h"
#include "idr/error.h"

namespace idr {

// The file format this library reads and writes (journal_meta 'format').
inline constexpr const char* kJournalFormat = "idr-journal 2";

enum class JournalIdPolicy : int {
  Hmac = 0,  // store HMAC-SHA-256(journal key, ID number) in hex (default: privacy)
  Full = 1,  // store the full ID number
};

struct JournalOptions {
  JournalIdPolicy id_policy = JournalIdPolicy::Hmac;
  // The journal key, >= 16 bytes, always required: it keys the chain (and the ID HMAC). The
  // first open stores a check value of it, so a wrong key is refused instead of forking the
  // chain.
  std::vector<uint8_t> key;
  bool keep_records = false;  // also store each record file in its row
};

struct JournalEntry {
  std::string time_utc;  // ISO 8601, e.g. "2025-06-15T08:30:00Z"
  // The signed record file exactly as read and verified (idr/signed.h). The row's reader
  // serial, counter and record SHA-256 are taken from these bytes, never from the caller.
  std::vector<uint8_t> record;
  CardType card_type = CardType::Unknown;
  std::string id_number;  // stored as the policy says
  std::string verdict;    // verdict summary, e.g. "SUCCEEDED" or "FAILED: id_number.check_digit"
};

struct JournalRow {
  int64_t row = 0;  // 1, 2, 3, ...
  std::string time_utc;
  std::string reader_serial;  // the record's payload serial, e.g. "IDR-0123456789abcdef"
  uint64_t counter = 0;       // the record's signed counter
  std::string record_sha256;  // hex SHA-256 of the record file
  int card_type = 0;
  std::string id_kind;  // "hmac-sha256" or "full"
  std::string id_value;
  std::string verdict;
  std::vector<uint8_t> record;  // the record file when kept, else empty
  std::string prev_hash, hash;  // hex; hash = HMAC-SHA-256(key, prev_hash and the fields)
};

struct JournalVerifyResult {
  bool ok = false;
  int64_t rows = 0;           // rows checked
  int64_t first_bad_row = 0;  // 0 when ok
  std::string problem;        // what is wrong with the first bad row
};

class Journal {
 public:
  // Opens or creates the database. InvalidArgument without a key of at least 16 bytes or
  // with a key that is not the journal's; Unsupported for a journal of another format (an
  // 'idr-journal 1' file has no record link and an unkeyed chain: it cannot be migrated,
  // `why` says so); Io when SQLite cannot open or create it.
  [[nodiscard]] static Result<Journal> open(const std::string& path, JournalOptions options,
                                            std::string* why = nullptr);
  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  ~Journal();

  // Appends one row (in one IMMEDIATE transaction: safe against other processes appending
  // to the same file); returns its row number. InvalidArgument when entry.record does not
  // decode as a signed record or has no reader serial. Thread-safe.
  [[nodiscard]] Result<int64_t> append(const JournalEntry& entry, std::string* why = nullptr);

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Every row in order (no key needed). Io when the file is not a journal, Unsupported for
// another format.
[[nodiscard]] Result<std::vector<JournalRow>> list_journal(const std::string& path,
                                                           std::string* why = nullptr);
// The last row and its MAC ({0, ""} for an empty journal).
[[nodiscard]] Result<std::pair<int64_t, std::string>> journal_head(const std::string& path,
                                                                   std::string* why = nullptr);
// Recomputes the keyed chain and checks every kept record against its row. With an anchor,
// also checks that row anchor->first still has MAC anchor->second (a removed tail fails
// there). InvalidArgument when `key` is not the journal's key.
[[nodiscard]] Result<JournalVerifyResult> verify_journal(
    const std::string& path, const std::vector<uint8_t>& key,
    const std::optional<std::pair<int64_t, std::string>>& anchor = std::nullopt,
    std::string* why = nullptr);
// Whether `record` is the record row `row` journals: its SHA-256, reader serial and counter
// equal the row's. InvalidArgument with `why` saying which differs. It does not verify the
// record's signature: `idr verify` does.
[[nodiscard]] Result<void> check_journal_record(const JournalRow& row,
                                                const std::vector<uint8_t>& record,
                                                std::string* why = nullptr);
// The journal key from $IDR_JOURNAL_KEY (hex, at least 16 bytes). InvalidArgument with `why`
// set when it is unset or malformed.
[[nodiscard]] Result<std::vector<uint8_t>> journal_key_from_env(std::string* why = nullptr);

}  // namespace idr
