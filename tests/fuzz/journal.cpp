// Journal verify (hostlib/src/journal) on crafted databases: the input is the database
// file's bytes (seeds: real journals written through idr::Journal); verify, list and head
// must give a result or a defined error whatever SQLite finds in it, also when library
// calls fail (failure_injection.h).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "failure_injection.h"
#include "idr/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = (std::filesystem::temp_directory_path() /
                                   ("idr-fuzz-journal-" + std::to_string(getpid()) + ".db"))
                                      .string();
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  {
    idr::fuzz::FailureInjection failures(data, size);
    try {
      const auto verdict = idr::verify_journal(path, std::vector<uint8_t>(32, 0x4B));
      if (verdict && verdict->ok && verdict->first_bad_row != 0) abort();
      (void)idr::list_journal(path);
      (void)idr::journal_head(path);
    } catch (const std::bad_alloc&) {
      // An injected allocation failure: allowed to surface from the C++ API.
    }
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-journal");
  std::filesystem::remove(path + "-wal");
  return 0;
}
