#pragma once
// What `idr read` and `idr watch` say and do about a card beyond its fields: the verdicts
// of the DESIGN 7 checks and of the lost/stolen list (run by the library: a Decision, or
// check_card_data for an unsigned read), the photo decoded to an image file, and the read
// journal. One module so both commands say it the same way.
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "idr/blocklist.h"
#include "idr/card.h"
#include "idr/checks.h"
#include "idr/journal.h"
#include "idr/session.h"

namespace idr::tool {

// The options shared by read and watch: --no-checks, --today, --blocklist, --photo,
// --journal (+ $IDR_JOURNAL_KEY), --journal-records.
struct AssessmentOptions {
  bool checks = true;
  std::string today;  // YYYYMMDD; default: the local date
  std::optional<std::string> blocklist_path;
  std::optional<std::string> photo_path;  // .png or .bmp
  std::optional<std::string> journal_path;
  bool journal_records = false;  // keep each record file in its journal row
};
// Declares --no-checks, --today, --blocklist, --photo, --journal and --journal-records on
// `app`, bound to `o`; returns --journal (it journals signed reads: the command makes its
// --legacy exclude it).
CLI::Option* add_assessment_options(CLI::App& app, AssessmentOptions& o);

// The photo file and the read journal for one card. The checks and the lost/stolen list are
// the session's (Policy: load_policy in signed_read.h), so every verdict is in the Decision.
class Assessor {
 public:
  explicit Assessor(AssessmentOptions options) : options_(std::move(options)) {}
  // Opens the journal once (a gate records many cards). 0 when ready, else an exit code (the
  // message is printed).
  [[nodiscard]] int open(const char* command);
  // Writes the photo and, for a verified record (`d`), appends its journal row. Returns 0 or
  // an exit code (photo/journal write failed). `d` is null for an unsigned --legacy read,
  // which cannot be journalled.
  [[nodiscard]] int record(const char* command, const CardData& card, const Decision* d,
                           std::optional<int64_t>& journal_row);

 private:
  AssessmentOptions options_;
  std::optional<Journal> journal_;
};

// True when no verdict FAILED and every required one SUCCEEDED (Decision::accepted's rule,
// for the verdicts of an unsigned --legacy read: check_card_data).
[[nodiscard]] bool passes(const std::vector<Verdict>& verdicts);

// "Checks:" with one line per card data verdict, "Lost/stolen:", "Journal row:" and
// "Verdict: accepted | REJECTED".
void print_assessment(std::ostream& out, const std::vector<Verdict>& verdicts, bool accepted,
                      const std::optional<int64_t>& journal_row);
// "checks" {"overall", "verdicts"}, "lost_stolen_listed" (true unless the list check
// succeeded) and "lost_stolen_reason", "journal_row", "accepted".
void add_assessment_json(nlohmann::json& card, const std::vector<Verdict>& verdicts, bool accepted,
                         const std::optional<int64_t>& journal_row);

}  // namespace idr::tool
