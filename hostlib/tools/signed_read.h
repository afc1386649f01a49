#pragma once
// What `idr read` and `idr watch` do by default (DESIGN 5): an idr::Session (session.h) waits
// for the card, reads it signed with a fresh nonce and decides on it. This module turns the
// options into the session's Policy and prints the Decision's record part. Card data is
// shown only from Decision::card(), so nothing unverified is ever printed as card data
// (--show-unverified prints the disclosed values marked as such). One module so both
// commands verify and say it the same way.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assessment.h"
#include "cli.h"
#include "idr/session.h"

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

// What the verification does, for the commands' help.
extern const char* const kSignedReadHelp;
// Declares --legacy, --trust, --revoked, --counters, --now, --show-unverified on `app`,
// bound to `o` (--legacy excludes the others); returns --legacy, which the command's own
// signed-only options exclude too.
CLI::Option* add_signed_read_options(CLI::App& app, SignedReadOptions& o);
// After parsing: the defaults from the environment ($IDR_TRUST, the counter store). Throws
// UsageError when there is no counter store path.
void finish_signed_read_options(SignedReadOptions& o);
// --counters, else $IDR_COUNTERS, else $XDG_DATA_HOME/idr/counters.db, else
// ~/.local/share/idr/counters.db.
[[nodiscard]] std::string default_counters_path();

// The session's Policy from the options: trust roots, revocation lists (else the
// revoked.txt beside each trust path), the counter store, and from the assessment options
// the lost/stolen list, the checks and their today, and --now. With --legacy only the list
// and the checks (on the unsigned data). 0 when loaded, else an exit code (printed).
[[nodiscard]] int load_policy(const char* command, const SignedReadOptions& options,
                              const AssessmentOptions& assessment, Policy& out);

// "Verification:    VERIFIED" or "NOT VERIFIED", then one line per check of the record.
void print_verdict(std::ostream& out, const Decision& d);
// The disclosed values of a record that did not verify, each line marked UNVERIFIED.
void print_unverified(std::ostream& out, const Decision& d);
// "verified", "verdict" (one object per check of the record), "reader", "counter".
void add_verdict_json(nlohmann::json& j, const Decision& d);
// "unverified_disclosures": {field: text or {"size", "base64"}}.
void add_unverified_json(nlohmann::json& j, const Decision& d);
// The first reason of a record that did not verify, as "check[field]: message".
[[nodiscard]] std::string failure_text(const Decision& d);

}  // namespace idr::tool
