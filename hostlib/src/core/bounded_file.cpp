#include "bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace idr::detail {

Result<std::vector<uint8_t>> read_file_bounded(const std::string& path, size_t max_size,
                                               std::string* why) {
  auto fail = [&](Error e, const std::string& what) -> Result<std::vector<uint8_t>> {
    if (why != nullptr) *why = path + ": " + what;
    return e;
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(Error::Io, std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(Error::Io, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(Error::InvalidArgument, "not a regular file");
  const auto too_large = [&]() {
    return fail(Error::InvalidArgument,
                "larger than the " + std::to_string(max_size) + "-byte maximum");
  };
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_size) return too_large();
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  size_t at = 0;
  for (;;) {
    if (at == out.size()) {
      // One byte more than fstat said means the file grew: refuse rather than follow it.
      uint8_t extra = 0;
      const ssize_t n = ::read(fd, &extra, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(Error::Io, std::strerror(errno));
      if (n > 0) return too_large();
      return out;
    }
    const ssize_t n = ::read(fd, out.data() + at, out.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Error::Io, std::strerror(errno));
    if (n == 0) {
      out.resize(at);  // shrank meanwhile: what is there
      return out;
    }
    at += static_cast<size_t>(n);
  }
}

}  // namespace idr::detail
