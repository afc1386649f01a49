#pragma once
// The lost/stolen list (DESIGN 7): a card is listed by (ID number, validity start date), so
// the replacement card of the same person is not blocked. The list is a compact binary file
// (format in hostlib/src/blocklist/README.md) opened by mmap; lookups are lock-free reads of
// immutable memory, safe from any number of threads. A lookup reads one 64-byte block found
// from the key alone; contains_many overlaps the memory accesses of many lookups.
//
//   std::string why;
//   auto list = idr::Blocklist::open("lost.idrbl", &why);
//   if (!list) { std::cerr << why; ... }
//   bool listed = list->contains("11010519491231002X", "20100101").value();
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "idr/error.h"

namespace idr {

// Progress of a long build: bytes of input consumed of total (total 0 when unknown), and a
// phase name ("parse", "sort", "write").
using BlocklistProgress = std::function<void(const char* phase, uint64_t done, uint64_t total)>;

struct BlocklistInfo {
  uint32_t version = 0;
  uint64_t entries = 0;
  uint64_t file_bytes = 0;
  uint32_t bucket_bits = 0;     // floor(log2(blocks))
  uint32_t remainder_bits = 0;  // bits of a key kept in its block (68 - bucket_bits)
  uint32_t payload_crc32 = 0;
  uint64_t blocks = 0;  // 64-byte blocks
  uint32_t slots_per_block = 0;
  uint64_t overflow_entries = 0;  // entries that found no room near their block (rare)
};

struct BlocklistOpenOptions {
  // false (default): the file is mapped (shared page cache, nothing copied). true: the file
  // is read into a private buffer in 2 MiB pages (transparent huge pages, when the kernel
  // allows them for madvise): fewer TLB misses per lookup, at the price of a private copy
  // of the whole file in RAM and a slower open.
  bool copy_to_huge_pages = false;
};

struct BlocklistQuery {
  std::string_view id_number;
  std::string_view valid_from;
};
enum class BlocklistAnswer : uint8_t { NotListed = 0, Listed = 1, Malformed = 2 };

class Blocklist {
 public:
  // Maps and verifies the file (header, sizes, index, CRC-32 of the payload). Corrupt,
  // truncated, wrong-magic or wrong-checksum files: InvalidArgument, *why names the offset;
  // OS errors: Io.
  [[nodiscard]] static Result<Blocklist> open(const std::string& path, std::string* why = nullptr);
  [[nodiscard]] static Result<Blocklist> open(const std::string& path,
                                              const BlocklistOpenOptions& options,
                                              std::string* why = nullptr);

  Blocklist(Blocklist&&) noexcept;
  Blocklist& operator=(Blocklist&&) noexcept;
  ~Blocklist();

  // True when listed. InvalidArgument when the number or date is malformed (such a key can
  // never be on a list: build refuses it).
  [[nodiscard]] Result<bool> contains(std::string_view id_number,
                                      std::string_view valid_from) const;
  // The throughput path: answers[i] for queries[i], i < count (Malformed where contains
  // would give InvalidArgument). Faster than a loop of contains: the keys of a group of 64
  // queries are packed and their blocks prefetched together, so their memory accesses
  // overlap each other and the work on the group before.
  void contains_many(const BlocklistQuery* queries, size_t count, BlocklistAnswer* answers) const;
  [[nodiscard]] uint64_t size() const;
  [[nodiscard]] BlocklistInfo info() const;
  // Visits every entry in file order (used by apply); stops early when fn returns false.
  void for_each(const std::function<bool(const std::string& id_number,
                                         const std::string& valid_from)>& fn) const;

 private:
  friend struct BlocklistAccess;  // the library's own delta merge walks the raw keys
  struct Impl;
  explicit Blocklist(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds a list file from CSV lines `id_number,valid_from` (optional header line
// `id_number,valid_from`; blank lines and `#` comments skipped; duplicates merged). A
// malformed line is refused: InvalidArgument and *why = "line N: ...". The output is written
// to a temporary file next to `out_path` and renamed into place only when complete.
[[nodiscard]] Result<BlocklistInfo> build_blocklist(const std::string& csv_path,
                                                    const std::string& out_path,
                                                    std::string* why = nullptr,
                                                    const BlocklistProgress& progress = nullptr);

// Applies a delta file to a list and writes a new list (temp + rename). Delta format:
//   idr-blocklist-delta 1
//   + ID_NUMBER,VALID_FROM
//   - ID_NUMBER,VALID_FROM
//   sha256 <64 hex digits: SHA-256 of every byte before this line>
// Anything wrong (checksum, a malformed line, the old list) leaves out_path untouched.
struct DeltaStats {
  uint64_t added = 0, removed = 0, already_present = 0, not_present = 0;
  BlocklistInfo result;
};
[[nodiscard]] Result<DeltaStats> apply_blocklist_delta(const std::string& list_path,
                                                       const std::string& delta_path,
                                                       const std::string& out_path,
                                                       std::string* why = nullptr);
// Writes a delta file (with its checksum line) for the given additions and removals.
[[nodiscard]] Result<void> write_blocklist_delta(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& add,
    const std::vector<std::pair<std::string, std::string>>& remove, std::string* why = nullptr);

// The list in force for a long-running application: reload() swaps in a new file only when
// it opened and verified; on failure the previous list keeps answering. Thread-safe.
class BlocklistHolder {
 public:
  [[nodiscard]] Result<void> reload(const std::string& path, std::string* why = nullptr);
  // NotChecked-style answer: Unsupported when no list was ever loaded.
  [[nodiscard]] Result<bool> contains(std::string_view id_number,
                                      std::string_view valid_from) const;
  [[nodiscard]] std::shared_ptr<const Blocklist> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Blocklist> list_;
};

}  // namespace idr
