// idr read: find a card (waiting up to --wait), read it, print it.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "assessment.h"
#include "cli.h"
#include "commands.h"
#include "idr/photo.h"
#include "output.h"
#include "reader_session.h"
#include "signed_read.h"

namespace idr::tool {

namespace {

// The options of `idr read`, as parsed.
struct ReadOptions {
  std::string reader;
  bool json = false;
  unsigned fields = kBase;
  std::optional<std::string> photo_out;
  std::chrono::milliseconds wait{5000};
  std::optional<std::string> record_out;  // --out
  SignedReadOptions signed_read;
  AssessmentOptions assessment;
};

bool write_photo(const std::string& path, const CardData& card) {
  if (write_file(path, card.photo)) return true;
  std::cerr << "idr read: cannot write the photo to " << path << "\n";
  return false;
}

int no_card(std::chrono::milliseconds wait) {
  std::cerr << "idr read: no card within " << static_cast<double>(wait.count()) / 1000.0 << " s\n";
  return kExitNoCard;
}

// --legacy: the unsigned read (30 01 / 30 10) after the reader's own find loop. Nothing in
// it is verified, and the output says so; the checks and the list still run on its data.
int show_legacy(ReaderSession& rs, unsigned fields, std::chrono::milliseconds wait,
                const std::optional<std::string>& photo_out, Assessor& assessor, bool json) {
  Result<CardData> card = rs.reader->wait_for_card(wait, fields);
  if (!card && card.error() == Error::Timeout) return no_card(wait);
  if (!card) return report("read", "read card", card.error());
  if (photo_out && !write_photo(*photo_out, *card)) return kExitError;
  std::optional<int64_t> journal_row;
  const int code = assessor.record("read", *card, nullptr, journal_row);
  if (code != kExitOk) return code;
  const std::vector<Verdict> verdicts = check_card_data(*card, rs.session->policy());
  const bool accepted = passes(verdicts);
  if (json) {
    nlohmann::json j = card_json(*card);
    add_assessment_json(j, verdicts, accepted, journal_row);
    j["verified"] = false;
    j["signed"] = false;
    std::cout << to_text(j) << "\n";
  } else {
    std::cout << "Verification:    none (legacy unsigned read: not signed, not verified)\n";
    print_card(std::cout, *card);
    print_assessment(std::cout, verdicts, accepted, journal_row);
  }
  std::cout.flush();
  return accepted ? kExitOk : kExitRejected;
}

int run_read(ReadOptions o) {
  finish_signed_read_options(o.signed_read);
  unsigned fields = o.fields;
  const auto& photo_out = o.photo_out;
  if (photo_out) fields |= kPhoto;
  if (o.assessment.photo_path) fields |= kPhoto;
  const auto wait = o.wait;
  const auto& record_out = o.record_out;
  const SignedReadOptions& signed_options = o.signed_read;
  const AssessmentOptions& assessment = o.assessment;
  Assessor assessor(assessment);
  int code = assessor.open("read");
  if (code != kExitOk) return code;
  Policy policy;
  code = load_policy("read", signed_options, assessment, policy);
  if (code != kExitOk) return code;
  const auto rs = open_session("read", o.reader, std::move(policy), code);
  if (!rs) return code;
  if (signed_options.legacy) return show_legacy(*rs, fields, wait, photo_out, assessor, o.json);

  // Find (waiting up to --wait), READ_SIGNED with a fresh nonce, verify, check: one call.
  const Result<Decision> read = rs->session->read_verified(fields, wait);
  if (!read && read.error() == Error::NoCard) return no_card(wait);
  if (!read) {
    if (read.error() == Error::Sw3Unauthorized)
      std::cerr << "idr read: the reader signs nothing before it is provisioned (idr provision;"
                   " or read unsigned with --legacy)\n";
    return report("read", "signed read", read.error());
  }
  const Decision& d = *read;
  if (record_out && !write_file(*record_out, d.record())) {
    std::cerr << "idr read: cannot write the record to " << *record_out << "\n";
    return kExitError;
  }
  const CardData* card = d.card();  // null unless the record verified
  std::optional<int64_t> journal_row;
  if (card) {
    if (photo_out && !write_photo(*photo_out, *card)) return kExitError;
    code = assessor.record("read", *card, &d, journal_row);
    if (code != kExitOk) return code;
  }
  if (o.json) {
    nlohmann::json j = card ? card_json(*card) : nlohmann::json::object();
    add_verdict_json(j, d);
    if (card) add_assessment_json(j, d.verdicts(), d.accepted(), journal_row);
    if (!card && signed_options.show_unverified) add_unverified_json(j, d);
    if (!card) j["accepted"] = false;
    std::cout << to_text(j) << "\n";
  } else {
    print_verdict(std::cout, d);
    if (card) {
      print_card(std::cout, *card);
      print_assessment(std::cout, d.verdicts(), d.accepted(), journal_row);
    } else {
      if (signed_options.show_unverified) print_unverified(std::cout, d);
      std::cout << "NOT VERIFIED: " << failure_text(d) << "\n";
    }
  }
  std::cout.flush();
  return d.accepted() ? kExitOk : kExitRejected;
}

}  // namespace

Command add_read(CLI::App& idr) {
  auto o = std::make_shared<ReadOptions>();
  CLI::App* app = add_command(
      idr, "read", "find a card, read it (signed and verified), print it",
      "Finds a card (polling up to --wait seconds for one to be presented), reads it and prints\n"
      "it: aligned 'Label: value' lines, or with --json one JSON object with every typed field,\n"
      "coded fields with their meaning, photo and fingerprint as base64 with their sizes.\n"
      "After the fields come the checks on the data (ID number, codes, dates: each its own\n"
      "verdict) and, with --blocklist, the lost/stolen list status.\n"
      "\n" +
          std::string(kSignedReadHelp));
  add_reader_option(*app, o->reader);
  app->add_flag("--json", o->json, "JSON output");
  add_fields_option(*app, o->fields, "text,photo");
  app->add_option_function<std::string>(
         "--photo-out", [o](const std::string& path) { o->photo_out = path; },
         "also write the photo bytes (1024; WLT on real cards) to FILE")
      ->type_name("FILE");
  add_seconds_option(*app, "--wait", o->wait, "how long to wait for a card (0 = look once)")
      ->default_str("5");
  CLI::Option* out =
      app->add_option_function<std::string>(
             "--out", [o](const std::string& path) { o->record_out = path; },
             "write the signed record file ([COSE_Sign1, disclosures] exactly as the reader "
             "answered; idr verify FILE checks it again offline)")
          ->type_name("FILE");
  CLI::Option* legacy = add_signed_read_options(*app, o->signed_read);
  CLI::Option* journal = add_assessment_options(*app, o->assessment);
  legacy->excludes(out);
  legacy->excludes(journal);
  return {app, [o](const std::optional<Words>&) { return run_read(*o); }};
}

}  // namespace idr::tool
