#include "dev_provision.h"

#include <stdlib.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "idr/ca.h"
#include "idr/reader.h"

namespace idr::tool {

namespace {

constexpr int kDevYears = 1;  // a throwaway CA: short-lived on purpose

std::string make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/idr-sim-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr)
    throw std::runtime_error("cannot create a temp directory from " + pattern);
  return buffer.data();
}

[[noreturn]] void fail(const std::string& step, const std::string& why) {
  throw std::runtime_error(step + ": " + why);
}

}  // namespace

DevProvisioning::DevProvisioning(const std::string& uri) : dir_(make_temp_dir()) {
  try {
    const auto now = static_cast<int64_t>(std::time(nullptr));
    std::string why;
    Result<ca::CaDirectory> ca =
        ca::CaDirectory::create(dir_ + "/ca", "idr sim dev CA (throwaway)", now, kDevYears, &why);
    if (!ca) fail("dev CA", why);
    Result<Reader> reader = Reader::open(uri);
    if (!reader) fail("open " + uri, message(reader.error()));
    // The reader's clock goes into every record ("time"); provisioning sets it.
    const Result<ca::Provisioned> done = ca::provision_reader(*reader, *ca, now, kDevYears, &why);
    if (!done) fail("provisioning", why);
    serial_ = done->serial;
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

DevProvisioning::~DevProvisioning() {
  std::error_code ec;  // best effort: a leftover temp directory is not worth failing for
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace idr::tool
