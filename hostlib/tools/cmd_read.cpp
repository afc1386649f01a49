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

const char kHelp[] =
    "usage: idr read [--reader URI] [--json] [--fields LIST] [--photo-out FILE] [--wait SECONDS]\n"
    "                [--out FILE] [--trust PATH]... [--revoked FILE] [--counters DB] [--now T]\n"
    "                [--show-unverified] [--legacy]\n"
    "\n"
    "Finds a card (polling up to --wait seconds for one to be presented), reads it and prints\n"
    "it: aligned 'Label: value' lines, or with --json one JSON object with every typed field,\n"
    "coded fields with their meaning, photo and fingerprint as base64 with their sizes.\n"
    "\n"
    "  --reader URI       tcp://HOST:PORT or serial:/dev/ttyX[?baud=N]\n"
    "                     (default: $IDR_READER, else tcp://127.0.0.1:5000)\n"
    "  --json             JSON output\n"
    "  --fields LIST      comma list of text, photo, fingerprint, addresses, or all\n"
    "                     (default: text,photo)\n"
    "  --photo-out FILE   also write the photo bytes (1024; WLT on real cards) to FILE\n"
    "  --wait SECONDS     how long to wait for a card (default 5; 0 = look once)\n"
    "  --out FILE         write the signed record file ([COSE_Sign1, disclosures] exactly as\n"
    "                     the reader answered; idr verify FILE checks it again offline)\n"
    "\n"
    "After the fields come the checks on the data (ID number, codes, dates: each its own\n"
    "verdict) and, with --blocklist, the lost/stolen list status.\n";

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
  if (photo_out && !write_photo(*photo_out, *card)) return kExitUsage;
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

}  // namespace

int cmd_read(const Words& words) {
  if (wants_help(words)) {
    std::cout << kHelp << kAssessmentHelp << "\n" << kSignedReadHelp << "\n" << kExitCodeHelp;
    return kExitOk;
  }
  std::set<std::string> values{"reader", "fields", "photo-out", "wait", "out"};
  std::set<std::string> flags{"json"};
  add_assessment_options(values, flags);
  add_signed_read_options(values, flags);
  const Args args(words, values, flags);
  if (args.has_rest()) throw UsageError("read takes no command after --");
  unsigned fields = args.value("fields") ? parse_fields(*args.value("fields")) : unsigned{kBase};
  const auto photo_out = args.value("photo-out");
  if (photo_out) fields |= kPhoto;
  const auto wait = args.value("wait") ? parse_seconds("wait", *args.value("wait"))
                                       : std::chrono::milliseconds(5000);

  if (args.value("photo")) fields |= kPhoto;
  const auto record_out = args.value("out");
  const SignedReadOptions signed_options = signed_read_options(args);
  if (record_out && signed_options.legacy)
    throw UsageError("--out writes a signed record: not with --legacy");
  if (args.value("journal") && signed_options.legacy)
    throw UsageError("--journal records signed reads: not with --legacy");
  const AssessmentOptions assessment = assessment_options(args);
  Assessor assessor(assessment);
  int code = assessor.open("read");
  if (code != kExitOk) return code;
  Policy policy;
  code = load_policy("read", signed_options, assessment, policy);
  if (code != kExitOk) return code;
  const auto rs = open_session("read", reader_uri(args), std::move(policy), code);
  if (!rs) return code;
  if (signed_options.legacy)
    return show_legacy(*rs, fields, wait, photo_out, assessor, args.flag("json"));

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
    return kExitUsage;
  }
  const CardData* card = d.card();  // null unless the record verified
  std::optional<int64_t> journal_row;
  if (card) {
    if (photo_out && !write_photo(*photo_out, *card)) return kExitUsage;
    code = assessor.record("read", *card, &d, journal_row);
    if (code != kExitOk) return code;
  }
  if (args.flag("json")) {
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

}  // namespace idr::tool
