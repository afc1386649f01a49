#include "assessment.h"

#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "idr/photo.h"
#include "output.h"

namespace idr::tool {

namespace {

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

CLI::Option* add_assessment_options(CLI::App& app, AssessmentOptions& o) {
  app.add_flag(
      "--no-checks", [&o](int64_t) { o.checks = false; },
      "skip the checks on the card data (DESIGN 7)");
  o.today = CheckClock::local().today;
  app.add_option("--today", o.today, "the date the checks take as today (default: the local date)")
      ->type_name("YYYYMMDD")
      ->check(CLI::Validator(
          [](std::string& date) {
            return is_calendar_date(date) ? std::string() : "takes a date YYYYMMDD";
          },
          ""));
  app.add_option_function<std::string>(
         "--blocklist", [&o](const std::string& path) { o.blocklist_path = path; },
         "check the card against a lost/stolen list (idr blocklist build), opened at start\n"
         "(idr serve: also at each reader reconnect); a newer FILE is not taken while running\n"
         "(watch and serve: --follow takes each version the authority publishes)")
      ->type_name("FILE");
  app.add_option_function<std::string>(
         "--photo", [&o](const std::string& path) { o.photo_path = path; },
         "decode the photo to FILE (.png or .bmp)")
      ->type_name("FILE")
      ->check(CLI::Validator(
          [](std::string& path) {
            return ends_with(path, ".png") || ends_with(path, ".bmp")
                       ? std::string()
                       : "takes a file name ending in .png or .bmp";
          },
          ""));
  CLI::Option* journal =
      app.add_option_function<std::string>(
             "--journal", [&o](const std::string& path) { o.journal_path = path; },
             "append the verified read to the journal: the reader serial and counter of its "
             "signed record and the record's SHA-256, chained with HMAC-SHA-256 under the key "
             "in $IDR_JOURNAL_KEY (hex, >= 16 bytes), which also keys the stored ID number "
             "(idr journal verify DB)")
          ->type_name("DB");
  app.add_flag("--journal-records", o.journal_records,
               "also keep each record file in its journal row")
      ->needs(journal);
  return journal;
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
      return kExitError;
    }
    JournalOptions jo;
    jo.key = std::move(*key);
    jo.keep_records = options_.journal_records;
    Result<Journal> j = Journal::open(*options_.journal_path, jo, &why);
    if (!j) {
      std::cerr << "idr " << command << ": journal " << *options_.journal_path << ": "
                << (why.empty() ? message(j.error()) : why) << "\n";
      return kExitError;
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
      return kExitError;
    }
  }
  if (journal_) {
    std::string why;
    if (!d) {  // the commands refuse --journal with --legacy before reading
      std::cerr << "idr " << command << ": journal: an unsigned read has no record to journal\n";
      return kExitUsage;
    }
    const Result<int64_t> row = journal_->append(
        {utc_now_text(), d->record(), card.type, card.id_number, verdict_summary(*d)}, &why);
    if (!row) {
      std::cerr << "idr " << command << ": journal: " << (why.empty() ? message(row.error()) : why)
                << "\n";
      return kExitError;
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
  if (const Verdict* l = list_verdict(verdicts)) {
    card["lost_stolen_listed"] = l->status != CheckStatus::Succeeded;  // not cleared: rejected
    // Why: listed, not_listed, no_list (a followed list with no version yet), no_id_number,
    // malformed_key.
    card["lost_stolen_reason"] = l->reason;
  }
  if (journal_row) card["journal_row"] = *journal_row;
  card["accepted"] = accepted;
}

}  // namespace idr::tool
