#pragma once
// What `idr read` and `idr watch` do by default (DESIGN 5): a fresh 16-byte nonce,
// READ_SIGNED, and verify_record with the trust store, the revocation list, the counter store
// and that nonce. Card data is shown only from the VerifiedRecord, so nothing unverified is
// ever printed as card data (--show-unverified prints the disclosed values marked as such).
// One module so both commands verify and say it the same way.
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "idr/reader.h"
#include "idr/verify.h"

namespace idr::tool {

// The options shared by read and watch: --legacy, --trust (repeatable), --revoked,
// --counters, --now, --show-unverified, --out (read only).
struct SignedReadOptions {
  bool legacy = false;  // the old unsigned 30 01 / 30 10 path, nothing verified
  bool show_unverified = false;
  std::vector<std::string> trust;    // PEM files or directories: --trust..., else $IDR_TRUST
  std::vector<std::string> revoked;  // revocation lists (verify.h); none given: the
                                     // revoked.txt beside each trust path (DESIGN 11)
  std::string counters;              // the counter store (SQLite)
  std::optional<int64_t> now;        // Unix seconds for certificate validity; else the clock
  std::optional<std::string> out;    // write the record file here
};

extern const char* const kSignedReadHelp;
void add_signed_read_options(std::set<std::string>& values, std::set<std::string>& flags);
// Throws UsageError for a bad value.
[[nodiscard]] SignedReadOptions signed_read_options(const Args& args);
// --counters, else $IDR_COUNTERS, else $XDG_DATA_HOME/idr/counters.db, else
// ~/.local/share/idr/counters.db.
[[nodiscard]] std::string default_counters_path();

// One signed read: the record file exactly as the reader answered it, and its verification.
struct SignedRead {
  Bytes file;
  VerifiedRecord record;
};

// Loads the trust material and the counter store once (a gate verifies many cards).
class SignedReader {
 public:
  explicit SignedReader(SignedReadOptions options) : options_(std::move(options)) {}
  // 0 when ready, else an exit code (the message is printed).
  [[nodiscard]] int open(const char* command);
  // READ_SIGNED of the card found by find_card() with a fresh nonce, verified.
  [[nodiscard]] Result<SignedRead> read(Reader& reader, unsigned fields);
  [[nodiscard]] const SignedReadOptions& options() const { return options_; }

 private:
  SignedReadOptions options_;
  TrustStore trust_;
  std::optional<CounterStore> counters_;
};

// "Verification:    VERIFIED" or "NOT VERIFIED", then one line per check.
void print_verdict(std::ostream& out, const VerifiedRecord& v);
// The disclosed values of a record that did not verify, each line marked UNVERIFIED.
void print_unverified(std::ostream& out, const VerifiedRecord& v);
// "verified", "verdict" (one object per check), "reader", "counter".
void add_verdict_json(nlohmann::json& j, const VerifiedRecord& v);
// "unverified_disclosures": {field: text or {"size", "base64"}}.
void add_unverified_json(nlohmann::json& j, const VerifiedRecord& v);
// The first required check that did not succeed, as "check[field]: message".
[[nodiscard]] std::string failure_text(const VerifiedRecord& v);

}  // namespace idr::tool
