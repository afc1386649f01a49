#pragma once
// The signed manifest of one publication of a card list (DESIGN 13, list distribution): the
// authority signs, for each new version of the lost/stolen or document-control list, what
// the version is, what it applies to and the SHA-256 of its content and of the resulting
// list file. Gates verify it with the authority's public key (the trust anchor) before
// fetching or applying anything.
//
// Text format, every line in this order, nothing else (at most 4096 bytes):
//   idr-list-publication 1
//   list NAME                  [a-z0-9-]{1,32}
//   version N                  1, 2, ...: one more than the previous publication
//   kind full|delta
//   base N                     delta: the only version it applies to (version - 1); full: 0
//   content-sha256 HEX         SHA-256 of the content (the list file, or the delta file)
//   content-bytes N
//   chunks N                   messages carrying the content (DESIGN 13)
//   data-seq N                 stream sequence of the first chunk
//   list-sha256 HEX            SHA-256 of the list file once this version is applied
//   list-entries N
//   issued-at UNIX_SECONDS
//   signature HEX              ECDSA P-256 (DER) over SHA-256 of every byte before this line
// Numbers are decimal without leading zeros; hex is lower case.
#include <cstdint>
#include <memory>
#include <string>

#include "idr/error.h"

struct evp_pkey_st;

namespace idr::fleet {

enum class ListKind : uint8_t { Full, Delta };

struct ListManifest {
  std::string list;
  uint64_t version = 0;
  ListKind kind = ListKind::Full;
  uint64_t base = 0;
  std::string content_sha256;
  uint64_t content_bytes = 0;
  uint32_t chunks = 0;
  uint64_t data_seq = 0;
  std::string list_sha256;
  uint64_t list_entries = 0;
  int64_t issued_at = 0;
};

// A P-256 key: the authority's private key, or the trust anchor (public key only). Owns an
// OpenSSL EVP_PKEY; immutable after load, so one key may verify from any number of threads.
class ListKey {
 public:
  // A new P-256 key pair.
  [[nodiscard]] static Result<ListKey> generate(std::string* why = nullptr);
  // PEM: a private key ("PRIVATE KEY" or "EC PRIVATE KEY") or a public key ("PUBLIC KEY").
  // Anything but a P-256 key is InvalidArgument. Files above 16 KiB are refused.
  [[nodiscard]] static Result<ListKey> load(const std::string& path, std::string* why = nullptr);
  // Writes the private key (mode 0600) and the public key PEM files.
  [[nodiscard]] Result<void> save(const std::string& private_path, const std::string& public_path,
                                  std::string* why = nullptr) const;
  [[nodiscard]] bool has_private() const { return private_; }

  ListKey(ListKey&&) noexcept;
  ListKey& operator=(ListKey&&) noexcept;
  ~ListKey();
  [[nodiscard]] evp_pkey_st* pkey() const { return key_; }

 private:
  ListKey(evp_pkey_st* key, bool has_private) : key_(key), private_(has_private) {}
  evp_pkey_st* key_ = nullptr;
  bool private_ = false;
};

[[nodiscard]] bool valid_list_name(const std::string& name);

// The signed text of `m`. InvalidArgument when `key` has no private part or a field is out of
// range (bad name, kind/base mismatch).
[[nodiscard]] Result<std::string> sign_manifest(const ListManifest& m, const ListKey& key,
                                                std::string* why = nullptr);
// Parses the text strictly and checks the signature with `anchor`. InvalidArgument with
// *why = "malformed manifest: ..." or "signature does not verify with the authority key".
[[nodiscard]] Result<ListManifest> verify_manifest(const std::string& text, const ListKey& anchor,
                                                   std::string* why = nullptr);

// Lower-case hex SHA-256 of bytes / of a file (Io when it cannot be read).
[[nodiscard]] std::string sha256_hex(const void* data, size_t size);
[[nodiscard]] Result<std::string> sha256_file_hex(const std::string& path,
                                                  std::string* why = nullptr);

}  // namespace idr::fleet
