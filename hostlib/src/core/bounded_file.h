#pragma once
// Reading a whole file the host was handed (record, revocation list, trusted roots, CA
// files) with its size checked before any byte is read (DESIGN 11): a hostile or mistaken
// path (a huge file, /dev/zero, a FIFO) cannot make the host allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr::detail {

inline constexpr size_t kMaxTextFileSize = size_t{16} << 20;  // revocation lists, PEM files

// A regular file of at most `max_size` bytes, whole. InvalidArgument (with `why`) when it is
// not a regular file or is larger; Io when it cannot be opened or read. A file that grows
// while it is read is refused as larger.
[[nodiscard]] Result<std::vector<uint8_t>> read_file_bounded(const std::string& path,
                                                             size_t max_size,
                                                             std::string* why = nullptr);

}  // namespace idr::detail
