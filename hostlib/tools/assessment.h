#pragma once
// What `idr read` and `idr watch` say about a card beyond its fields: the checks of
// DESIGN 7 (each its own verdict), the lost/stolen list status, the photo decoded to an
// image file, and the read journal. One module so both commands say it the same way.
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
// Value options and flags to add to a command's Args.
extern const char* const kAssessmentHelp;
void add_assessment_options(std::set<std::string>& values, std::set<std::string>& flags);
[[nodiscard]] AssessmentOptions assessment_options(const Args& args);

struct Assessment {
  std::optional<CheckReport> checks;  // when text was read and checks are on
  std::optional<bool> listed;         // when a list was given and text was read
  std::optional<int64_t> journal_row;
  [[nodiscard]] bool accepted() const;  // no FAILED check and not listed
};

// Opens the list and the journal once (a gate assesses many cards). Throws UsageError for a
// bad option; open failures are reported by open() with the exit code to use.
class Assessor {
 public:
  explicit Assessor(AssessmentOptions options) : options_(std::move(options)) {}
  // 0 when ready, else an exit code (the message is printed).
  [[nodiscard]] int open(const char* command);
  // Runs everything for one card; returns 0 or an exit code (photo/journal write failed).
  // `record`: the verified signed record file the card data came from (journalled with the
  // reader serial and counter it names); null for an unsigned --legacy read, which cannot be
  // journalled.
  [[nodiscard]] int assess(const char* command, const CardData& card,
                           const std::vector<uint8_t>* record, Assessment& out);

 private:
  AssessmentOptions options_;
  std::optional<Blocklist> list_;
  std::optional<Journal> journal_;
};

void print_assessment(std::ostream& out, const Assessment& a);
void add_assessment_json(nlohmann::json& card, const Assessment& a);

}  // namespace idr::tool
