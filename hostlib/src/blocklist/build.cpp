// Building a list from CSV and applying delta files. Everything is validated before the
// output is written; the output appears only by rename, so a failure leaves the old file.
#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "../core/hex.h"
#include "list_file.h"

namespace idr {

using blocklist::MixedKey;
using blocklist::u128;

namespace {

// A read-only mapping of an input file (RAII).
class MappedInput {
 public:
  ~MappedInput() {
    if (data_ && size_) ::munmap(const_cast<char*>(data_), size_);
  }
  bool open(const std::string& path, std::string* why) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      if (why) *why = path + ": " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return false;
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        if (why) *why = path + ": mmap: " + std::strerror(errno);
        ::close(fd);
        size_ = 0;
        return false;
      }
      data_ = static_cast<const char*>(p);
      ::madvise(p, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
    return true;
  }
  [[nodiscard]] std::string_view view() const { return {data_ ? data_ : "", size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// Splits "ID,VALID_FROM" and packs it; why gets "line N: ...".
bool parse_pair(std::string_view line, uint64_t line_no, MixedKey* key, std::string* why) {
  const size_t comma = line.find(',');
  std::string reason;
  if (comma == std::string_view::npos) {
    reason = "expected ID_NUMBER,VALID_FROM";
  } else if (blocklist::make_key(line.substr(0, comma), line.substr(comma + 1), key, &reason)) {
    return true;
  }
  if (why)
    *why = "line " + std::to_string(line_no) + ": " + reason + " ('" +
           std::string(line.substr(0, 60)) + "')";
  return false;
}

bool less(const MixedKey& a, const MixedKey& b) {
  return a.value() < b.value();
}
bool same(const MixedKey& a, const MixedKey& b) {
  return a.value() == b.value();
}

void sort_unique(std::vector<MixedKey>& keys) {
  std::sort(keys.begin(), keys.end(), less);
  keys.erase(std::unique(keys.begin(), keys.end(), same), keys.end());
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[32];
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, 0);
  return detail::to_hex(digest, sizeof digest);
}

Error fail(std::string* why, std::string text, Error e = Error::InvalidArgument) {
  if (why) *why = std::move(text);
  return e;
}

}  // namespace

Result<BlocklistInfo> build_blocklist(const std::string& csv_path, const std::string& out_path,
                                      std::string* why, const BlocklistProgress& progress) {
  MappedInput in;
  if (!in.open(csv_path, why)) return Error::Io;
  const std::string_view text = in.view();
  std::vector<MixedKey> keys;
  keys.reserve(text.size() / 28 + 16);  // "110105194912310021,20100101\n" is 28 bytes
  uint64_t line_no = 0;
  size_t pos = 0, next_report = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || (line_no == 1 && line == "id_number,valid_from"))
      continue;
    MixedKey k;
    if (!parse_pair(line, line_no, &k, why)) {
      if (why) *why = csv_path + ": " + *why;
      return Error::InvalidArgument;
    }
    keys.push_back(k);
    if (progress && pos >= next_report) {
      progress("parse", pos, text.size());
      next_report = pos + text.size() / 100 + 1;
    }
  }
  if (progress) progress("parse", text.size(), text.size());
  if (progress) progress("sort", 0, keys.size());
  sort_unique(keys);
  if (progress) progress("sort", keys.size(), keys.size());
  blocklist::ListWriter writer;
  if (!writer.begin(out_path, keys.size(), why)) return Error::Io;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!writer.add(keys[i], why)) return Error::Io;
    if (progress && (i & 0xFFFFF) == 0) progress("write", i, keys.size());
  }
  BlocklistInfo info;
  if (!writer.finish(&info, why)) return Error::Io;
  if (progress) progress("write", keys.size(), keys.size());
  return info;
}

Result<void> write_blocklist_delta(const std::string& path,
                                   const std::vector<std::pair<std::string, std::string>>& add,
                                   const std::vector<std::pair<std::string, std::string>>& remove,
                                   std::string* why) {
  std::string body = "idr-blocklist-delta 1\n";
  for (const auto& [id, from] : add) body += "+ " + id + "," + from + "\n";
  for (const auto& [id, from] : remove) body += "- " + id + "," + from + "\n";
  body += "sha256 " + sha256_hex(body) + "\n";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << body;
  if (!out.flush()) return fail(why, "cannot write " + path, Error::Io);
  return {};
}

Result<DeltaStats> apply_blocklist_delta(const std::string& list_path,
                                         const std::string& delta_path, const std::string& out_path,
                                         std::string* why) {
  std::string delta;
  {
    std::ifstream in(delta_path, std::ios::binary);
    if (!in) return fail(why, delta_path + ": " + std::strerror(errno), Error::Io);
    std::ostringstream ss;
    ss << in.rdbuf();
    delta = ss.str();
  }
  // The checksum line is the last line; it covers every byte before it.
  const size_t body_end = delta.rfind("sha256 ");
  if (delta.rfind("idr-blocklist-delta 1\n", 0) != 0)
    return fail(why, delta_path + ": offset 0: not an idr-blocklist-delta 1 file");
  if (body_end == std::string::npos || (body_end > 0 && delta[body_end - 1] != '\n'))
    return fail(why, delta_path + ": no 'sha256' checksum line at the end");
  std::string stated = delta.substr(body_end + 7);
  while (!stated.empty() && (stated.back() == '\n' || stated.back() == '\r')) stated.pop_back();
  const std::string body = delta.substr(0, body_end);
  if (stated != sha256_hex(body))
    return fail(why, delta_path + ": offset " + std::to_string(body_end) +
                         ": checksum mismatch (stated " + stated + ")");

  std::vector<MixedKey> adds, removes;
  uint64_t line_no = 0;
  for (size_t pos = 0; pos < body.size();) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) nl = body.size();
    std::string_view line(body.data() + pos, nl - pos);
    pos = nl + 1;
    if (++line_no == 1) continue;  // the format line
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    MixedKey k;
    if (line.size() < 3 || (line[0] != '+' && line[0] != '-') || line[1] != ' ') {
      return fail(why, delta_path + ": line " + std::to_string(line_no) +
                           ": expected '+ ID,DATE' or '- ID,DATE'");
    }
    if (!parse_pair(line.substr(2), line_no, &k, why)) {
      if (why) *why = delta_path + ": " + *why;
      return Error::InvalidArgument;
    }
    (line[0] == '+' ? adds : removes).push_back(k);
  }
  sort_unique(adds);
  sort_unique(removes);
  for (size_t a = 0, r = 0; a < adds.size() && r < removes.size();) {
    if (same(adds[a], removes[r])) {
      std::string id, from;
      blocklist::unmake_key(adds[a], &id, &from);
      return fail(why, delta_path + ": " + id + "," + from + " is both added and removed");
    }
    less(adds[a], removes[r]) ? ++a : ++r;
  }

  std::string list_why;
  auto old = Blocklist::open(list_path, &list_why);
  if (!old) return fail(why, "old list: " + list_why, old.error());

  // Count what changes: membership tests need the keys in the old list's terms.
  DeltaStats stats;
  auto present = [&](const MixedKey& k) {
    std::string id, from;
    blocklist::unmake_key(k, &id, &from);
    return old->contains(id, from).value();
  };
  std::vector<MixedKey> new_adds, real_removes;
  for (const auto& k : adds) {
    if (present(k)) {
      ++stats.already_present;
    } else {
      new_adds.push_back(k);
      ++stats.added;
    }
  }
  for (const auto& k : removes) {
    if (present(k)) {
      real_removes.push_back(k);
      ++stats.removed;
    } else {
      ++stats.not_present;
    }
  }

  blocklist::ListWriter writer;
  const uint64_t total = old->size() + stats.added - stats.removed;
  if (!writer.begin(out_path, total, why)) return Error::Io;
  size_t a = 0, r = 0;
  bool ok = true;
  BlocklistAccess::for_each_key(*old, [&](MixedKey k) {
    while (ok && a < new_adds.size() && less(new_adds[a], k)) ok = writer.add(new_adds[a++], why);
    if (r < real_removes.size() && same(real_removes[r], k)) {
      ++r;
      return ok;
    }
    ok = ok && writer.add(k, why);
    return ok;
  });
  while (ok && a < new_adds.size()) ok = writer.add(new_adds[a++], why);
  if (!ok || !writer.finish(&stats.result, why)) return Error::Io;
  return stats;
}

}  // namespace idr
