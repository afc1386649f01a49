// TrustStore: strict PEM/DER roots from files or directories and the revocation list
// (DESIGN 11): issuer + serial, public key, reader serial, certificate fingerprint.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

#include "../core/bounded_file.h"
#include "../core/hex.h"
#include "certificate.h"
#include "trust_store_impl.h"

namespace idr {

namespace {

constexpr size_t kMaxListedSerial = 32;  // bytes of an issuer-serial entry's serial number

bool ends_with(const std::string& s, const char* suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

// A SHA-256 as 64 hex digits (either case).
bool parse_hash(const std::string& hex, std::array<uint8_t, 32>& out) {
  return detail::from_hex(hex, out.data(), out.size());
}

}  // namespace

std::array<uint8_t, 32> certificate_fingerprint(const Bytes& der) {
  return detail::sha256(der.data(), der.size());
}

Result<RevocationKeys> revocation_keys(const Bytes& der, std::string* why) {
  std::string w;
  detail::X509Ptr crt;
  if (!detail::strict_certificate(der.data(), der.size(), w) ||
      (!(crt = detail::parse_certificate(der.data(), der.size())) &&
       (w = "it does not parse", true))) {
    if (why != nullptr) *why = "not a strict DER certificate: " + w;
    return Error::InvalidArgument;
  }
  return detail::revocation_keys_of(crt.get());
}

bool is_reader_serial_entry(const std::string& serial) {
  if (serial.empty() || serial.size() > 64) return false;
  return std::none_of(serial.begin(), serial.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '#';
  });
}

std::string revocation_entries(const RevocationKeys& k, bool reader) {
  // The CN is whatever the certificate holds: one line in the comment whatever it is.
  std::string cn = k.subject_cn.empty() ? std::string("(no CN)") : k.subject_cn;
  for (char& c : cn)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  std::string out = "# " + cn + "\n";
  // A serial number the list cannot hold (RFC 5280 allows 20 bytes; a hostile certificate
  // may carry more) gets no issuer-serial line: the spki line revokes the key anyway.
  if (!k.serial.empty() && k.serial.size() <= kMaxListedSerial)
    out += "issuer-serial " + detail::to_hex(k.issuer_name_hash.data(), 32) + " " +
           detail::to_hex(k.serial.data(), k.serial.size()) + "\n";
  out += "spki " + detail::to_hex(k.spki_hash.data(), 32) + "\n";
  // Only a CN the list can hold names the reader (else the list would not load, or a CN
  // with a line break would add entries of its own); the keys above revoke it anyway.
  if (reader && is_reader_serial_entry(k.subject_cn)) out += "reader " + k.subject_cn + "\n";
  return out;
}

std::string revocation_list_beside(const std::string& trust_path) {
  struct stat st {};
  if (::stat(trust_path.c_str(), &st) != 0) return {};
  std::string dir = trust_path;
  if (!S_ISDIR(st.st_mode)) {
    const size_t slash = trust_path.find_last_of('/');
    dir = slash == std::string::npos ? "." : trust_path.substr(0, slash == 0 ? 1 : slash);
  }
  const std::string list = dir + "/revoked.txt";
  return ::stat(list.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? list : std::string();
}

TrustStore::TrustStore() : impl_(std::make_unique<Impl>()) {}
TrustStore::~TrustStore() = default;
TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;

size_t TrustStore::root_count() const {
  return impl_->roots.size();
}

Result<void> TrustStore::add_root_der(const Bytes& der, std::string* why) {
  std::string w;
  if (!detail::strict_certificate(der.data(), der.size(), w)) {
    if (why != nullptr) *why = "the root certificate is not strict DER: " + w;
    return Error::InvalidArgument;
  }
  const detail::X509Ptr crt = detail::parse_certificate(der.data(), der.size());
  if (!crt) {
    if (why != nullptr) *why = "the root certificate does not parse";
    return Error::InvalidArgument;
  }
  if (detail::check_profile(crt.get(), detail::CertRole::Ca, w) != Reason::Ok) {
    if (why != nullptr) *why = "the root certificate is refused: " + w;
    return Error::InvalidArgument;
  }
  impl_->roots.push_back(der);
  impl_->chains.clear();  // verdicts were judged against the old roots
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
  const size_t before = impl_->roots.size();
  for (const auto& file : files) {
    std::string w;
    auto bytes = detail::read_file_bounded(file, detail::kMaxTextFileSize, &w);
    if (!bytes) return fail(w);
    const std::string pem(bytes->begin(), bytes->end());
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      if (S_ISDIR(st.st_mode)) continue;  // e.g. a key file named *.pem next to the roots
      return fail(file + ": no PEM certificate in it");
    }
    auto ders = detail::pem_certificates(pem, w);
    if (!ders) return fail(file + ": " + w);
    for (const Bytes& der : *ders)
      if (!add_root_der(der, &w)) return fail(file + ": " + w);
  }
  if (impl_->roots.size() == before) return fail(path + ": no root certificate found");
  return {};
}

Result<void> TrustStore::load_revoked(const std::string& file, std::string* why) {
  std::string w;
  auto bytes = detail::read_file_bounded(file, detail::kMaxTextFileSize, &w);
  if (!bytes) {
    if (why != nullptr) *why = w;
    return Error::InvalidArgument;
  }
  return load_revoked_text(std::string(bytes->begin(), bytes->end()), file, why);
}

Result<void> TrustStore::load_revoked_text(const std::string& text, const std::string& source,
                                           std::string* why) {
  std::istringstream lines(text);
  std::string line;
  size_t number = 0;
  int version = 0;  // 0: not known yet (no meaningful line seen)
  Impl parsed;      // applied only when the whole list is good
  auto fail = [&](const std::string& what) -> Result<void> {
    if (why != nullptr) *why = source + ":" + std::to_string(number) + ": " + what;
    return Error::InvalidArgument;
  };
  while (std::getline(lines, line)) {
    ++number;
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.empty() || w[0][0] == '#') continue;
    if (version == 0) {
      if (w[0] == "idr-revocation-list") {
        if (w.size() != 2 || w[1] != "2")
          return fail("revocation list version '" + (w.size() > 1 ? w[1] : "") +
                      "' is not supported (this idr reads version 2, and version 1 lists of "
                      "certificate fingerprints)");
        version = 2;
        continue;
      }
      version = 1;
    }
    if (version == 1) {
      std::string hex;
      for (char c : line)
        if (!std::isspace(static_cast<unsigned char>(c)) && c != ':') hex.push_back(c);
      std::array<uint8_t, 32> fp{};
      if (!parse_hash(hex, fp))
        return fail(
            "not a SHA-256 fingerprint (64 hex digits) of a version 1 list, and the list does "
            "not start with 'idr-revocation-list 2'");
      parsed.revoked_certs.insert(fp);
      continue;
    }
    std::array<uint8_t, 32> h{};
    if (w[0] == "issuer-serial" && w.size() == 3 && parse_hash(w[1], h)) {
      const std::optional<Bytes> serial = detail::from_hex(w[2]);
      if (!serial || serial->empty() || serial->size() > kMaxListedSerial)
        return fail("issuer-serial: the serial is not hex (at most 32 bytes)");
      parsed.revoked_issuer_serial.emplace(h, *serial);
    } else if (w[0] == "spki" && w.size() == 2 && parse_hash(w[1], h)) {
      parsed.revoked_spki.insert(h);
    } else if (w[0] == "cert" && w.size() == 2 && parse_hash(w[1], h)) {
      parsed.revoked_certs.insert(h);
    } else if (w[0] == "reader" && w.size() == 2 && w[1].size() <= 64) {
      parsed.revoked_readers.insert(w[1]);
    } else {
      return fail(
          "not 'issuer-serial <sha256> <serial>', 'spki <sha256>', 'reader <serial>' "
          "or 'cert <sha256>'");
    }
  }
  impl_->revoked_certs.insert(parsed.revoked_certs.begin(), parsed.revoked_certs.end());
  impl_->revoked_spki.insert(parsed.revoked_spki.begin(), parsed.revoked_spki.end());
  impl_->revoked_issuer_serial.insert(parsed.revoked_issuer_serial.begin(),
                                      parsed.revoked_issuer_serial.end());
  impl_->revoked_readers.insert(parsed.revoked_readers.begin(), parsed.revoked_readers.end());
  impl_->has_list = true;
  return {};
}

void TrustStore::revoke_fingerprint(const std::array<uint8_t, 32>& sha256_of_der) {
  impl_->revoked_certs.insert(sha256_of_der);
  impl_->has_list = true;
}

Result<void> TrustStore::revoke_certificate(const Bytes& der, std::string* why) {
  auto keys = revocation_keys(der, why);
  if (!keys) return keys.error();
  impl_->revoked_issuer_serial.emplace(keys->issuer_name_hash, keys->serial);
  impl_->revoked_spki.insert(keys->spki_hash);
  impl_->has_list = true;
  return {};
}

void TrustStore::revoke_reader(const std::string& serial) {
  impl_->revoked_readers.insert(serial);
  impl_->has_list = true;
}

bool TrustStore::has_revocation_list() const {
  return impl_->has_list;
}

const char* TrustStore::revoked_by(const RevocationKeys& k) const {
  if (impl_->revoked_issuer_serial.count({k.issuer_name_hash, k.serial}) != 0)
    return "issuer and serial number";
  if (impl_->revoked_spki.count(k.spki_hash) != 0) return "public key";
  if (impl_->revoked_certs.count(k.certificate_hash) != 0) return "certificate fingerprint";
  return nullptr;
}

bool TrustStore::is_reader_revoked(const std::string& serial) const {
  return impl_->revoked_readers.count(serial) != 0;
}

bool TrustStore::is_revoked(const Bytes& der) const {
  auto keys = revocation_keys(der);
  return keys && revoked_by(*keys) != nullptr;
}

}  // namespace idr
