// The journal (hostlib/src/journal) on crafted databases: the input is the database file's
// bytes (seeds: real journals written through idr::Journal, and copies tampered as an
// attacker without the key would: a row changed, removed or re-chained, a kept record
// swapped, the key check or the format altered, a table dropped). verify (with the right
// key, with the anchor journal_head gives and a wrong one, with a wrong key), list and head
// must give a result or a defined error whatever SQLite finds in it; Journal::open on it
// must create, accept or refuse it, and an append to an accepted one must succeed or fail
// cleanly. Library calls fail now and then (failure_injection.h).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "failure_injection.h"
#include "idr/journal.h"
#include "record_fixture.h"

namespace {

const std::vector<uint8_t> kKey(32, 0x4B);  // the seed journals' key (make_seeds.cpp)

void use(const std::string& path, size_t size) {
  const auto verdict = idr::verify_journal(path, kKey);
  if (verdict && verdict->ok && verdict->first_bad_row != 0) abort();
  (void)idr::list_journal(path);
  const auto head = idr::journal_head(path);
  if (head) {
    (void)idr::verify_journal(path, kKey, *head);
    (void)idr::verify_journal(path, kKey, std::make_pair(head->first + 1, head->second));
  }
  (void)idr::verify_journal(path, std::vector<uint8_t>(32, 0x4C));
  (void)idr::verify_journal(path, std::vector<uint8_t>(8, 0x4B));  // too short a key
  idr::JournalOptions options;
  options.key = kKey;
  options.id_policy = size % 2 == 0 ? idr::JournalIdPolicy::Hmac : idr::JournalIdPolicy::Full;
  options.keep_records = size % 4 < 2;
  auto journal = idr::Journal::open(path, options);
  if (!journal) return;
  // A real signed record (the record target's seed), and bytes that are none.
  static const std::vector<uint8_t> record = idr::fuzz::read_file(
      std::string(IDR_SOURCE_DIR) + "/tests/fuzz/corpus/record_verify/seed-three-fields");
  idr::JournalEntry entry;
  entry.time_utc = "2026-02-01T08:00:00Z";
  entry.record = record;
  entry.card_type = idr::CardType::Resident;
  entry.id_number = "11010519491231002X";
  entry.verdict = "SUCCEEDED";
  (void)journal->append(entry);
  entry.record.assign(16, 0xA1);
  if (journal->append(entry)) abort();  // bytes that are no record are never journalled
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // In RAM where there is a RAM file system: SQLite syncs every commit of open and append.
  static const std::string path =
      ((std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                  : std::filesystem::temp_directory_path()) /
       ("idr-fuzz-journal-" + std::to_string(getpid()) + ".db"))
          .string();
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  {
    idr::fuzz::FailureInjection failures(data, size);
    try {
      use(path, size);
    } catch (const std::bad_alloc&) {
      // An injected allocation failure: allowed to surface from the C++ API.
    }
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-journal");
  std::filesystem::remove(path + "-wal");
  return 0;
}
