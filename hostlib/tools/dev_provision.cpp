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
    const Result<ReadNonce> challenge = ca::random_nonce();
    if (!challenge) fail("challenge", message(challenge.error()));
    const Result<ProvisionedKey> key = reader->provision_key(*challenge);
    if (!key) fail("ProvisionKey", message(key.error()));
    Result<std::vector<Bytes>> chain = ca->issue_reader(*key, *challenge, now, kDevYears, &why);
    if (!chain) fail("device certificate", why);
    if (const Result<void> stored = reader->provision_certs(*chain); !stored)
      fail("ProvisionCerts", message(stored.error()));
    // The reader's clock goes into every record ("time"); a fresh simulator has none.
    if (const Result<void> t = reader->set_time(static_cast<uint64_t>(now)); !t)
      fail("SetTime", message(t.error()));
    serial_ = reader_serial_for(key->public_key.data());
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
