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
    "  --journal DB       append the read to a hash-chained journal; the ID number is stored\n"
    "                     as HMAC-SHA-256 with the key in $IDR_JOURNAL_KEY (hex, >= 16 bytes)\n";

void add_assessment_options(std::set<std::string>& values, std::set<std::string>& flags) {
  values.insert({"today", "blocklist", "photo", "journal"});
  flags.insert("no-checks");
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

std::vector<uint8_t> hex_key(const char* text) {
  std::vector<uint8_t> key;
  const std::string s = text ? text : "";
  if (s.size() % 2 != 0) return {};
  for (size_t i = 0; i < s.size(); i += 2) {
    const std::string byte = s.substr(i, 2);
    if (byte.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return {};
    key.push_back(static_cast<uint8_t>(std::stoul(byte, nullptr, 16)));
  }
  return key;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string verdict_summary(const Assessment& a) {
  if (a.accepted()) return "SUCCEEDED";
  std::string failed;
  if (a.listed.value_or(false)) failed = "blocklist.listed";
  if (a.checks) {
    for (const auto& v : a.checks->verdicts) {
      if (v.status != CheckStatus::Failed) continue;
      failed += (failed.empty() ? "" : ",") + v.name;
    }
  }
  return "FAILED: " + failed;
}

}  // namespace

AssessmentOptions assessment_options(const Args& args, const std::string& reader) {
  AssessmentOptions o;
  o.checks = !args.flag("no-checks");
  o.today = args.value("today").value_or(local_today());
  if (!is_calendar_date(o.today)) throw UsageError("--today takes a date YYYYMMDD");
  o.blocklist_path = args.value("blocklist");
  o.photo_path = args.value("photo");
  if (o.photo_path && !ends_with(*o.photo_path, ".png") && !ends_with(*o.photo_path, ".bmp"))
    throw UsageError("--photo takes a file name ending in .png or .bmp");
  o.journal_path = args.value("journal");
  o.reader = reader;
  return o;
}

bool Assessment::accepted() const {
  if (listed.value_or(false)) return false;
  return !checks || checks->overall() != CheckStatus::Failed;
}

int Assessor::open(const char* command) {
  if (options_.blocklist_path) {
    std::string why;
    Result<Blocklist> list = Blocklist::open(*options_.blocklist_path, &why);
    if (!list) {
      std::cerr << "idr " << command << ": lost/stolen list " << *options_.blocklist_path
                << " refused: " << (why.empty() ? message(list.error()) : why) << "\n";
      return kExitMalformed;
    }
    list_.emplace(std::move(*list));
  }
  if (options_.journal_path) {
    JournalOptions jo;
    jo.key = hex_key(std::getenv("IDR_JOURNAL_KEY"));
    if (jo.key.size() < 16) {
      std::cerr << "idr " << command
                << ": --journal needs $IDR_JOURNAL_KEY (hex, at least 16 bytes)\n";
      return kExitUsage;
    }
    std::string why;
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

int Assessor::assess(const char* command, const CardData& card, Assessment& out) {
  out = Assessment{};
  const bool have_text = (card.fields_read & kText) != 0;
  if (options_.checks && have_text) out.checks = check_card(card, CheckClock{options_.today});
  if (list_ && have_text) {
    const Result<bool> listed = list_->contains(card.id_number, card.validity.from);
    // A number the list cannot even key is not "not listed": say so as a failed check.
    out.listed = listed ? *listed : true;
  }
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
    const Result<int64_t> row = journal_->append(
        {utc_now_iso(), options_.reader, 0, card.type, card.id_number, verdict_summary(out)}, &why);
    if (!row) {
      std::cerr << "idr " << command << ": journal: " << (why.empty() ? message(row.error()) : why)
                << "\n";
      return exit_code_for(row.error());
    }
    out.journal_row = *row;
  }
  return kExitOk;
}

void print_assessment(std::ostream& out, const Assessment& a) {
  if (a.checks) {
    out << "Checks:          " << to_string(a.checks->overall()) << "\n";
    for (const auto& v : a.checks->verdicts) {
      out << "  " << std::left << std::setw(34) << v.name << std::setw(12) << to_string(v.status)
          << v.message << "\n";
    }
  }
  if (a.listed) out << "Lost/stolen:     " << (*a.listed ? "LISTED" : "not listed") << "\n";
  if (a.journal_row) out << "Journal row:     " << *a.journal_row << "\n";
  out << "Verdict:         " << (a.accepted() ? "accepted" : "REJECTED") << "\n";
}

void add_assessment_json(nlohmann::json& card, const Assessment& a) {
  if (a.checks) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : a.checks->verdicts)
      list.push_back({{"name", v.name},
                      {"status", to_string(v.status)},
                      {"reason", v.reason},
                      {"message", v.message}});
    card["checks"] = {{"overall", to_string(a.checks->overall())}, {"verdicts", list}};
  }
  if (a.listed) card["lost_stolen_listed"] = *a.listed;
  if (a.journal_row) card["journal_row"] = *a.journal_row;
  card["accepted"] = a.accepted();
}

}  // namespace idr::tool
