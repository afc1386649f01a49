// The trust store's loaders (hostlib/src/verify/trust_store.cpp, DESIGN 11): root files (PEM,
// one file or a directory of *.pem / *.crt beside other files), the revocation list (as a
// file beside the roots and as text: version 1 fingerprints, version 2 entries) and one
// certificate's revocation keys, written back as list entries (what `idr ca revoke` appends)
// and loaded again. Files live in a per-process temp directory. The file loaders run with
// library calls failing now and then (failure_injection.h); the rest runs without, so its
// checks are exact.
//
// Input (fuzz_input.h): mode, the roots (one file, or a count and per file a kind and its
// bytes), the revocation list text, a certificate's DER.
//   mode bit 0: the roots are a directory (else the file roots.pem)
//   mode bit 1: the list is also the file revoked.txt beside the roots
//   mode bit 2: the certificate is a reader's (revocation_entries names its CN)
//   mode bit 3: the roots path does not exist
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "failure_injection.h"
#include "fuzz_input.h"
#include "idr/verify.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

struct Dir {
  fs::path path = fs::temp_directory_path() / ("idr-fuzz-trust-store-" + std::to_string(getpid()));
  ~Dir() { fs::remove_all(path); }
};

void write(const fs::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

size_t lines_in(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

// A revocation list loaded whole or not at all: a list that does not load changes nothing
// (and says which line), one that loads revokes `der` when it must.
bool load_all_or_nothing(const std::string& text, const Bytes& der, bool must_revoke) {
  idr::TrustStore store;
  std::string why;
  const bool ok = static_cast<bool>(store.load_revoked_text(text, "list", &why));
  if (ok != store.has_revocation_list()) abort();
  if (!ok && (why.rfind("list:", 0) != 0 || store.is_revoked(der))) abort();
  if (ok && must_revoke && !store.is_revoked(der)) abort();
  return ok;
}

// One certificate's keys: what revocation_entries writes for it loads as a version 2 list
// (exactly the comment, issuer-serial for a serial of at most 32 bytes, spki and, for a
// reader whose CN can be a list entry, reader lines) and revokes it, as revoke_certificate
// does; a certificate without keys is refused everywhere.
void check_certificate(idr::TrustStore& roots, const Bytes& der, bool reader,
                       const std::string& list) {
  std::string why;
  const auto keys = idr::revocation_keys(der, &why);
  const size_t before = roots.root_count();
  const bool root_ok = static_cast<bool>(roots.add_root_der(der));
  if (roots.root_count() != before + (root_ok ? 1 : 0)) abort();
  idr::TrustStore by_cert;
  const bool revoked_ok = static_cast<bool>(by_cert.revoke_certificate(der));
  if (!keys) {
    if (why.empty() || root_ok || revoked_ok || by_cert.is_revoked(der)) abort();
    return;
  }
  if (keys->certificate_hash != idr::certificate_fingerprint(der)) abort();  // one encoding
  if (!revoked_ok || !by_cert.is_revoked(der)) abort();
  idr::TrustStore by_fingerprint;
  by_fingerprint.revoke_fingerprint(idr::certificate_fingerprint(der));
  const char* by = by_fingerprint.revoked_by(*keys);
  if (by == nullptr || std::string(by) != "certificate fingerprint") abort();

  const std::string entries = idr::revocation_entries(*keys, reader);
  const bool names_reader = reader && idr::is_reader_serial_entry(keys->subject_cn);
  const bool names_serial = !keys->serial.empty() && keys->serial.size() <= 32;
  if (lines_in(entries) != 2u + (names_serial ? 1u : 0u) + (names_reader ? 1u : 0u)) abort();
  idr::TrustStore listed;
  if (!listed.load_revoked_text("idr-revocation-list 2\n" + entries) || !listed.is_revoked(der) ||
      listed.revoked_by(*keys) == nullptr)
    abort();
  if (names_reader && !listed.is_reader_revoked(keys->subject_cn)) abort();
  // The input's list with these entries after it: revokes the certificate when it loads.
  (void)load_all_or_nothing(list + "\n" + entries, der, true);
}

int one_input(const Dir& dir, const uint8_t* data, size_t size) {
  idr::fuzz::Input in(data, size);
  const uint8_t mode = in.u8();
  const bool as_dir = (mode & 1) != 0, list_file = (mode & 2) != 0, reader = (mode & 4) != 0,
             missing = (mode & 8) != 0;
  fs::remove_all(dir.path);
  fs::create_directories(dir.path);
  fs::path roots_path = dir.path / "roots.pem";
  if (as_dir) {
    roots_path = dir.path / "roots";
    fs::create_directories(roots_path);
    const unsigned count = in.u8() % 8;
    for (unsigned i = 0; i < count; ++i) {
      static const char* const kNames[] = {".pem", ".crt", ".key", ".pem"};
      const uint8_t kind = in.u8() % 4;
      const fs::path file = roots_path / ("f" + std::to_string(i) + kNames[kind]);
      const Bytes bytes = in.chunk();
      if (kind == 3)
        fs::create_directories(file);  // a directory named like a root file
      else
        write(file, bytes);
    }
  } else {
    write(roots_path, in.chunk());
  }
  if (missing) roots_path = dir.path / "no-such-roots";
  const Bytes list_bytes = in.chunk();
  const std::string list(list_bytes.begin(), list_bytes.end());
  const fs::path list_path = (as_dir ? roots_path : dir.path) / "revoked.txt";
  if (list_file && !missing) write(list_path, list_bytes);
  const Bytes der = in.chunk();

  // The revocation list beside the roots: found exactly when it is there.
  const std::string beside = idr::revocation_list_beside(roots_path.string());
  if (beside != (list_file && !missing ? list_path.string() : std::string())) abort();

  // The file loaders, their library calls failing now and then: a failure they return says
  // why; an allocation failure may surface (std::bad_alloc).
  idr::TrustStore roots;
  bool roots_ok = false, file_ok = false, threw = false;
  std::string roots_why, file_why;
  uint64_t injected = 0;
  {
    idr::fuzz::FailureInjection failures(data, size);
    try {
      roots_ok = static_cast<bool>(roots.add_roots(roots_path.string(), &roots_why));
      if (!beside.empty())
        file_ok = static_cast<bool>(idr::TrustStore().load_revoked(beside, &file_why));
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    injected = idr::fuzz::FailureInjection::injected();
  }
  if (roots_ok && (roots.root_count() == 0 || missing)) abort();
  if (!threw && !roots_ok && roots_why.empty()) abort();
  if (!threw && !beside.empty() && !file_ok && file_why.empty()) abort();

  const bool text_ok = load_all_or_nothing(list, der, false);
  if (injected == 0 && !beside.empty() && file_ok != text_ok)
    abort();  // the file reads as its text
  check_certificate(roots, der, reader, list);
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Dir dir;
  return one_input(dir, data, size);
}
