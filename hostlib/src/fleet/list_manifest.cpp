// The signed list manifest (list_manifest.h): strict text, ECDSA P-256 with OpenSSL 3.
#include "list_manifest.h"
#include "fleet_fail.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "../core/hex.h"

namespace idr::fleet {

namespace {

constexpr size_t kMaxManifest = 4096;
constexpr size_t kMaxKeyFile = 16 * 1024;
constexpr char kFirstLine[] = "idr-list-publication 1";

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Lowercase hex digits only (the manifest is strict text: one spelling of each value), at
// least one byte, decoded by the library's one decoder.
bool unhex(const std::string& s, std::vector<unsigned char>& out) {
  if (s.empty() || std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'F'; }))
    return false;
  auto bytes = detail::from_hex(s);
  if (!bytes) return false;
  out.assign(bytes->begin(), bytes->end());
  return true;
}

bool is_hex64(const std::string& s) {
  std::vector<unsigned char> b;
  return s.size() == 64 && unhex(s, b);
}

// Decimal without sign or leading zeros, at most 19 digits (fits int64).
bool parse_number(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

bool is_p256(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) !=
      1)
    return false;
  return std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "P-256") == 0;
}

std::string body_of(const ListManifest& m) {
  std::ostringstream o;
  o << kFirstLine << "\nlist " << m.list << "\nversion " << m.version << "\nkind "
    << (m.kind == ListKind::Full ? "full" : "delta") << "\nbase " << m.base << "\ncontent-sha256 "
    << m.content_sha256 << "\ncontent-bytes " << m.content_bytes << "\nchunks " << m.chunks
    << "\ndata-seq " << m.data_seq << "\nlist-sha256 " << m.list_sha256 << "\nlist-entries "
    << m.list_entries << "\nissued-at " << m.issued_at << "\n";
  return o.str();
}

std::string check_fields(const ListManifest& m) {
  if (!valid_list_name(m.list)) return "list name must be 1-32 characters a-z, 0-9 or '-'";
  if (m.version == 0) return "version must be at least 1";
  if (m.kind == ListKind::Full && m.base != 0) return "a full list has base 0";
  if (m.kind == ListKind::Full && m.content_sha256 != m.list_sha256)
    return "a full list's content is the list: its two SHA-256 must be equal";
  if (m.kind == ListKind::Delta && m.base + 1 != m.version)
    return "a delta's base must be its version - 1";
  if (!is_hex64(m.content_sha256) || !is_hex64(m.list_sha256)) return "bad SHA-256 hex";
  if (m.chunks == 0 || m.data_seq == 0) return "chunks and data-seq must be at least 1";
  if (m.issued_at < 0) return "issued-at must not be negative";
  return {};
}

}  // namespace

bool valid_list_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string sha256_hex(const void* data, size_t size) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
  return detail::to_hex(md, sizeof md);
}

Result<std::string> sha256_file_hex(const std::string& path, std::string* why) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return fail<std::string>(why, Error::Io, path + ": " + std::strerror(errno));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<unsigned char> buf(1 << 20);
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) EVP_DigestUpdate(ctx, buf.data(), n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  if (failed) return fail<std::string>(why, Error::Io, path + ": read error");
  return detail::to_hex(md, sizeof md);
}

ListKey::ListKey(ListKey&& o) noexcept : key_(o.key_), private_(o.private_) {
  o.key_ = nullptr;
}
ListKey& ListKey::operator=(ListKey&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(key_);
    key_ = o.key_;
    private_ = o.private_;
    o.key_ = nullptr;
  }
  return *this;
}
ListKey::~ListKey() {
  EVP_PKEY_free(key_);
}

Result<ListKey> ListKey::generate(std::string* why) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) return fail<ListKey>(why, Error::Io, "key generation: " + openssl_error());
  return ListKey(key, true);
}

Result<ListKey> ListKey::load(const std::string& path, std::string* why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail<ListKey>(why, Error::Io, path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(kMaxKeyFile))
    return fail<ListKey>(why, Error::InvalidArgument,
                         path + ": not a regular file of at most 16 KiB");
  std::ifstream in(path, std::ios::binary);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  const bool is_private = pem.find("PRIVATE KEY-----") != std::string::npos;
  EVP_PKEY* key = is_private ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key)
    return fail<ListKey>(why, Error::InvalidArgument,
                         path + ": no PEM key that parses (" + openssl_error() + ")");
  if (!is_p256(key)) {
    EVP_PKEY_free(key);
    return fail<ListKey>(why, Error::InvalidArgument, path + ": not a P-256 key");
  }
  return ListKey(key, is_private);
}

Result<void> ListKey::save(const std::string& private_path, const std::string& public_path,
                           std::string* why) const {
  auto write = [&](const std::string& path, bool priv) -> bool {
    FILE* f = std::fopen(path.c_str(), "wx");  // never overwrite a key
    if (!f) {
      if (why) *why = path + ": " + std::strerror(errno);
      return false;
    }
    if (priv) ::fchmod(fileno(f), 0600);
    const int ok = priv ? PEM_write_PrivateKey(f, key_, nullptr, nullptr, 0, nullptr, nullptr)
                        : PEM_write_PUBKEY(f, key_);
    const bool closed = std::fclose(f) == 0;
    if (ok != 1 || !closed) {
      if (why) *why = path + ": write failed";
      return false;
    }
    return true;
  };
  if (!private_) return fail<void>(why, Error::InvalidArgument, "no private key to save");
  if (!write(private_path, true) || !write(public_path, false)) return Error::Io;
  return {};
}

Result<std::string> sign_manifest(const ListManifest& m, const ListKey& key, std::string* why) {
  if (!key.has_private())
    return fail<std::string>(why, Error::InvalidArgument, "the key has no private part");
  const std::string bad = check_fields(m);
  if (!bad.empty()) return fail<std::string>(why, Error::InvalidArgument, bad);
  const std::string body = body_of(m);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::array<unsigned char, 80> sig{};
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(body.data()),
                           body.size()) == 1 &&
            len <= sig.size();
  len = sig.size();
  ok = ok && EVP_DigestSign(ctx, sig.data(), &len,
                            reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return fail<std::string>(why, Error::Io, "signing: " + openssl_error());
  return body + "signature " + detail::to_hex(sig.data(), len) + "\n";
}

Result<ListManifest> verify_manifest(const std::string& text, const ListKey& anchor,
                                     std::string* why) {
  auto malformed = [&](const std::string& what) {
    return fail<ListManifest>(why, Error::InvalidArgument, "malformed manifest: " + what);
  };
  if (text.size() > kMaxManifest) return malformed("longer than 4096 bytes");
  if (text.empty() || text.back() != '\n') return malformed("does not end with a newline");
  static const char* const kKeys[] = {"list",           "version",       "kind",      "base",
                                      "content-sha256", "content-bytes", "chunks",    "data-seq",
                                      "list-sha256",    "list-entries",  "issued-at", "signature"};
  std::vector<std::string> values;
  size_t pos = 0, line_no = 0, signature_at = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    if (line_no == 0) {
      if (line != kFirstLine)
        return malformed("first line is not '" + std::string(kFirstLine) + "'");
    } else {
      if (line_no > std::size(kKeys)) return malformed("lines after the signature");
      const std::string key = kKeys[line_no - 1];
      if (line.compare(0, key.size() + 1, key + " ") != 0)
        return malformed("line " + std::to_string(line_no + 1) + " is not '" + key + " ...'");
      if (key == "signature") signature_at = pos;
      values.push_back(line.substr(key.size() + 1));
    }
    pos = end + 1;
    ++line_no;
  }
  if (values.size() != std::size(kKeys)) return malformed("missing lines");
  ListManifest m;
  m.list = values[0];
  uint64_t v[12] = {};
  for (size_t i : {1, 3, 5, 6, 7, 9, 10})
    if (!parse_number(values[i], v[i]))
      return malformed(std::string(kKeys[i]) + " is not a number");
  m.version = v[1];
  if (values[2] == "full")
    m.kind = ListKind::Full;
  else if (values[2] == "delta")
    m.kind = ListKind::Delta;
  else
    return malformed("kind is neither full nor delta");
  m.base = v[3];
  m.content_sha256 = values[4];
  m.content_bytes = v[5];
  if (v[6] > UINT32_MAX) return malformed("chunks out of range");
  m.chunks = static_cast<uint32_t>(v[6]);
  m.data_seq = v[7];
  m.list_sha256 = values[8];
  m.list_entries = v[9];
  m.issued_at = static_cast<int64_t>(v[10]);
  const std::string bad = check_fields(m);
  if (!bad.empty()) return malformed(bad);
  std::vector<unsigned char> sig;
  if (!unhex(values[11], sig) || sig.size() > 80) return malformed("signature is not hex DER");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, anchor.pkey()) == 1 &&
      EVP_DigestVerify(ctx, sig.data(), sig.size(),
                       reinterpret_cast<const unsigned char*>(text.data()), signature_at) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  if (!ok)
    return fail<ListManifest>(why, Error::InvalidArgument,
                              "signature does not verify with the authority key");
  return m;
}

}  // namespace idr::fleet
