#include "assessment.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "idr/photo.h"

namespace idr::tool {

const char* const kAssessmentHelp =
    "  --no-checks        skip the checks on the card data (DESIGN 7)\n"
    "  --today YYYYMMDD   the date the checks take as today (default: the local date)\n"
    "  --blocklist FILE   check the card against a lost/stolen list (idr blocklist build)\n"
    "  --photo FILE       decode the photo to FILE (.png or .bmp)\n"
    "  --journal DB       append the verified read to the journal: the reader serial and\n"
    "                     counter of its signed record and the record's SHA-256, chained with\n"
    "                     HMAC-SHA-256 under the key in $IDR_JOURNAL_KEY (hex, >= 16 bytes),\n"
    "                     which also keys the stored ID number (idr journal verify DB)\n"
    "  --journal-records  also keep each record file in its journal row\n";

void add_assessment_options(std::set<std::string>& values, std::set<std::string>& flags) {
  values.insert({"today", "blocklist", "photo", "journal"});
  flags.insert({"no-checks", "journal-records"});
}

namespace {

std::string local_today() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y%m%d");
  return s.str();
}

std::string utc_now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return s.str();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The journal row's verdict: "SUCCEEDED", or "FAILED: " and the checks that reject.
std::string verdict_summary(const Decision& d) {
  if (d.accepted()) return "SUCCEEDED";
  std::string failed;
  for (const Verdict* v : d.reasons()) failed += (failed.empty() ? "" : ",") + v->name;
  return "FAILED: " + failed;
}

const Verdict* list_verdict(const std::vector<Verdict>& verdicts) {
  for (const Verdict& v : verdicts)
    if (v.source == CheckSource::LostStolen) return &v;
  return nullptr;
}

std::vector<Verdict> card_checks(const std::vector<Verdict>& verdicts) {
  std::vector<Verdict> out;
  for (const Verdict& v : verdicts)
    if (v.source == CheckSource::CardData) out.push_back(v);
  return out;
}

}  // namespace

AssessmentOptions assessment_options(const Args& args) {
  AssessmentOptions o;
  o.checks = !args.flag("no-checks");
  o.today = args.value("today").value_or(local_today());
  if (!is_calendar_date(o.today)) throw UsageError("--today takes a date YYYYMMDD");
  o.blocklist_path = args.value("blocklist");
  o.photo_path = args.value("photo");
  if (o.photo_path && !ends_with(*o.photo_path, ".png") && !ends_with(*o.photo_path, ".bmp"))
    throw UsageError("--photo takes a file name ending in .png or .bmp");
  o.journal_path = args.value("journal");
  o.journal_records = args.flag("journal-records");
  if (o.journal_records && !o.journal_path)
    throw UsageError("--journal-records keeps records in the journal: it needs --journal");
  return o;
}

bool passes(const std::vector<Verdict>& verdicts) {
  for (const Verdict& v : verdicts)
    if (v.status == CheckStatus::Failed || (v.required && v.status != CheckStatus::Succeeded))
      return false;
  return true;
}

int Assessor::open(const char* command) {
  if (options_.journal_path) {
    std::string why;
    Result<std::vector<uint8_t>> key = journal_key_from_env(&why);
    if (!key) {
      std::cerr << "idr " << command << ": --journal: " << why << "\n";
      return kExitUsage;
    }
    JournalOptions jo;
    jo.key = std::move(*key);
    jo.keep_records = options_.journal_records;
    Result<Journal> j = Journal::open(*options_.journal_path, jo, &why);
    if (!j) {
      std::cerr << "idr " << command << ": journal " << *options_.journal_path << ": "
                << (why.empty() ? message(j.error()) : why) << "\n";
      return exit_code_for(j.error());
    }
    journal_.emplace(std::move(*j));
  }
  return kExitOk;
}

int Assessor::record(const char* command, const CardData& card, const Decision* d,
                     std::optional<int64_t>& journal_row) {
  journal_row.reset();
  if (options_.photo_path) {
    const Result<Image> image = decode_photo(card.photo.data(), card.photo.size());
    if (!image) {
      std::cerr << "idr " << command << ": photo: " << message(image.error()) << "\n";
      return kExitMalformed;
    }
    const auto bytes =
        ends_with(*options_.photo_path, ".bmp") ? encode_bmp(*image) : encode_png(*image);
    if (!write_file(*options_.photo_path, bytes)) {
      std::cerr << "idr " << command << ": cannot write " << *options_.photo_path << "\n";
      return kExitUsage;
    }
  }
  if (journal_) {
    std::string why;
    if (!d) {  // the commands refuse --journal with --legacy before reading
      std::cerr << "idr " << command << ": journal: an unsigned read has no record to journal\n";
      return kExitUsage;
    }
    const Result<int64_t> row = journal_->append(
        {utc_now_iso(), d->record(), card.type, card.id_number, verdict_summary(*d)}, &why);
    if (!row) {
      std::cerr << "idr " << command << ": journal: " << (why.empty() ? message(row.error()) : why)
                << "\n";
      return exit_code_for(row.error());
    }
    journal_row = *row;
  }
  return kExitOk;
}

void print_assessment(std::ostream& out, const std::vector<Verdict>& verdicts, bool accepted,
                      const std::optional<int64_t>& journal_row) {
  const std::vector<Verdict> checks = card_checks(verdicts);
  if (!checks.empty()) {
    out << "Checks:          " << to_string(CheckReport{checks}.overall()) << "\n";
    for (const auto& v : checks) {
      out << "  " << std::left << std::setw(34) << v.name << std::setw(12) << to_string(v.status)
          << v.message << "\n";
    }
  }
  if (const Verdict* l = list_verdict(verdicts))
    out << "Lost/stolen:     "
        << (l->reason == "listed"       ? "LISTED"
            : l->reason == "not_listed" ? "not listed"
                                        : l->message)
        << "\n";
  if (journal_row) out << "Journal row:     " << *journal_row << "\n";
  out << "Verdict:         " << (accepted ? "accepted" : "REJECTED") << "\n";
}

void add_assessment_json(nlohmann::json& card, const std::vector<Verdict>& verdicts, bool accepted,
                         const std::optional<int64_t>& journal_row) {
  const std::vector<Verdict> checks = card_checks(verdicts);
  if (!checks.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : checks)
      list.push_back({{"name", v.name},
                      {"status", to_string(v.status)},
                      {"reason", v.reason},
                      {"message", v.message}});
    card["checks"] = {{"overall", to_string(CheckReport{checks}.overall())}, {"verdicts", list}};
  }
  if (const Verdict* l = list_verdict(verdicts))
    card["lost_stolen_listed"] = l->status != CheckStatus::Succeeded;
  if (journal_row) card["journal_row"] = *journal_row;
  card["accepted"] = accepted;
}

}  // namespace idr::tool
