#pragma once
// What the record_verify target and the seed maker share: the fixed test root, the nonce
// and the clock of the seed records (made once by make_seeds, committed in data/ and
// corpus/record_verify/).
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "idr/signed.h"

namespace idr::fuzz {

inline const std::string kRecordRoot =
    std::string(IDR_SOURCE_DIR) + "/tests/fuzz/data/record_root.der";
inline constexpr ReadNonce kRecordNonce = {0x6E, 0x6F, 0x6E, 0x63, 0x65, 0x2D, 0x66, 0x75,
                                           0x7A, 0x7A, 0x2D, 0x73, 0x65, 0x65, 0x64, 0x73};
inline constexpr int64_t kRecordNow = 1'750'000'000;

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace idr::fuzz
