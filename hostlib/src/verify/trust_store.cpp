// TrustStore: PEM roots from files or directories and the revocation list of reader
// certificates (SHA-256 fingerprints of their DER, one a line).
#include <dirent.h>
#include <mbedtls/sha256.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include "trust_store_impl.h"

namespace idr {

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return static_cast<bool>(f) || f.eof();
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::array<uint8_t, 32> certificate_fingerprint(const Bytes& der) {
  std::array<uint8_t, 32> out{};
  mbedtls_sha256_ret(der.data(), der.size(), out.data(), 0);
  return out;
}

TrustStore::TrustStore() : impl_(std::make_unique<Impl>()) {}
TrustStore::~TrustStore() = default;
TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;

size_t TrustStore::root_count() const {
  return impl_->count;
}

Result<void> TrustStore::add_root_der(const Bytes& der, std::string* why) {
  if (mbedtls_x509_crt_parse_der(&impl_->roots, der.data(), der.size()) != 0) {
    if (why != nullptr) *why = "the root certificate does not parse";
    return Error::InvalidArgument;
  }
  ++impl_->count;
  return {};
}

Result<void> TrustStore::add_roots(const std::string& path, std::string* why) {
  auto fail = [&](const std::string& w) -> Result<void> {
    if (why != nullptr) *why = w;
    return Error::InvalidArgument;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(path + ": no such file or directory");
  std::vector<std::string> files;
  if (S_ISDIR(st.st_mode)) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return fail(path + ": cannot open the directory");
    while (const dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (ends_with(name, ".pem") || ends_with(name, ".crt")) files.push_back(path + "/" + name);
    }
    ::closedir(dir);
    std::sort(files.begin(), files.end());
    if (files.empty()) return fail(path + ": no *.pem or *.crt files");
  } else {
    files.push_back(path);
  }
  for (const auto& file : files) {
    std::string pem;
    if (!read_file(file, pem)) return fail(file + ": cannot read");
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      if (S_ISDIR(st.st_mode)) continue;  // e.g. a key file named *.pem next to the roots
      return fail(file + ": no PEM certificate in it");
    }
    // mbedtls_x509_crt_parse wants the PEM NUL-terminated, length including the NUL.
    const int bad = mbedtls_x509_crt_parse(
        &impl_->roots, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
    if (bad != 0) return fail(file + ": a certificate in it does not parse");
    size_t n = 0;
    for (size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos;
         at = pem.find("-----BEGIN CERTIFICATE-----", at + 1))
      ++n;
    impl_->count += n;
  }
  if (impl_->count == 0) return fail(path + ": no root certificate found");
  return {};
}

Result<void> TrustStore::load_revoked(const std::string& file, std::string* why) {
  std::string text;
  if (!read_file(file, text)) {
    if (why != nullptr) *why = file + ": cannot read";
    return Error::InvalidArgument;
  }
  std::istringstream lines(text);
  std::string line;
  size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string hex;
    for (char c : line)
      if (!std::isspace(static_cast<unsigned char>(c)) && c != ':') hex.push_back(c);
    if (hex.empty() || hex[0] == '#') continue;
    std::array<uint8_t, 32> fp{};
    bool ok = hex.size() == 64;
    for (size_t i = 0; ok && i < 32; ++i) {
      const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      fp[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    if (!ok) {
      if (why != nullptr)
        *why = file + ":" + std::to_string(number) + ": not a SHA-256 fingerprint (64 hex digits)";
      return Error::InvalidArgument;
    }
    impl_->revoked.insert(fp);
  }
  return {};
}

void TrustStore::revoke_fingerprint(const std::array<uint8_t, 32>& sha256_of_der) {
  impl_->revoked.insert(sha256_of_der);
}

bool TrustStore::is_revoked(const Bytes& der) const {
  return impl_->revoked.count(certificate_fingerprint(der)) != 0;
}

}  // namespace idr
