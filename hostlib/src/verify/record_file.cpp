// Reading a record file with its size bounded before any byte is read (DESIGN 11).
#include "../core/bounded_file.h"
#include "idr/verify.h"

namespace idr {

Result<Bytes> read_record_file(const std::string& path, std::string* why) {
  return detail::read_file_bounded(path, kMaxRecordSize, why);
}

}  // namespace idr
