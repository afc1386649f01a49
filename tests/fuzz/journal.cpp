// Journal verify (hostlib/src/journal) on crafted databases: the input is the database
// file's bytes (seeds: real journals written through idr::Journal); verify, list and head
// must give a result or a defined error whatever SQLite finds in it.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "idr/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = (std::filesystem::temp_directory_path() /
                                   ("idr-fuzz-journal-" + std::to_string(getpid()) + ".db"))
                                      .string();
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  const auto verdict = idr::verify_journal(path);
  if (verdict && verdict->ok && verdict->first_bad_row != 0) abort();
  (void)idr::list_journal(path);
  (void)idr::journal_head(path);
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-journal");
  std::filesystem::remove(path + "-wal");
  return 0;
}
