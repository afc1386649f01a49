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

constexpr std::chrono::milliseconds kPollInterval{50};

bool write_photo(const std::string& path, const CardData& card) {
  if (write_file(path, card.photo)) return true;
  std::cerr << "idr read: cannot write the photo to " << path << "\n";
  return false;
}

// --legacy: the unsigned read (30 01 / 30 10). Nothing in it is verified,
// and the output says so.
int show_legacy(Reader& reader, unsigned fields, const std::optional<std::string>& photo_out,
                Assessor& assessor, bool json) {
  Result<CardData> card = reader.read_card(fields);
  if (!card) return report("read", "read card", card.error());
  if (photo_out && !write_photo(*photo_out, *card)) return kExitUsage;
  Assessment assessment;
  const int code = assessor.assess("read", *card, nullptr, assessment);
  if (code != kExitOk) return code;
  if (json) {
    nlohmann::json j = card_json(*card);
    add_assessment_json(j, assessment);
    j["verified"] = false;
    j["signed"] = false;
    std::cout << to_text(j) << "\n";
  } else {
    std::cout << "Verification:    none (legacy unsigned read: not signed, not verified)\n";
    print_card(std::cout, *card);
    print_assessment(std::cout, assessment);
  }
  std::cout.flush();
  return assessment.accepted() ? kExitOk : kExitRejected;
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
  SignedReader signer(signed_read_options(args));
  if (record_out && signer.options().legacy)
    throw UsageError("--out writes a signed record: not with --legacy");
  if (args.value("journal") && signer.options().legacy)
    throw UsageError("--journal records signed reads: not with --legacy");
  Assessor assessor(assessment_options(args));
  int code = assessor.open("read");
  if (code != kExitOk) return code;
  code = signer.open("read");
  if (code != kExitOk) return code;
  const auto session = open_session("read", reader_uri(args), code);
  if (!session) return code;
  Reader& reader = *session->reader;

  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {  // ends at the deadline, on an error or when interrupted
    const Result<bool> found = reader.find_card();
    if (!found) return report("read", "find card", found.error());
    if (*found) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      std::cerr << "idr read: no card within " << static_cast<double>(wait.count()) / 1000.0
                << " s\n";
      return kExitNoCard;
    }
    if (session->interrupt.sleep_for(std::min(left, kPollInterval))) return kExitInterrupted;
  }

  if (signer.options().legacy)
    return show_legacy(reader, fields, photo_out, assessor, args.flag("json"));

  Result<SignedRead> read = signer.read(reader, fields);
  if (!read) {
    if (read.error() == Error::Sw3Unauthorized)
      std::cerr << "idr read: the reader signs nothing before it is provisioned (idr provision;"
                   " or read unsigned with --legacy)\n";
    return report("read", "signed read", read.error());
  }
  if (record_out && !write_file(*record_out, read->file)) {
    std::cerr << "idr read: cannot write the record to " << *record_out << "\n";
    return kExitUsage;
  }
  const VerifiedRecord& v = read->record;
  const CardData* card = v.card();  // null unless every required check succeeded
  Assessment assessment;
  if (card) {
    if (photo_out && !write_photo(*photo_out, *card)) return kExitUsage;
    code = assessor.assess("read", *card, &read->file, assessment);
    if (code != kExitOk) return code;
  }
  if (args.flag("json")) {
    nlohmann::json j = card ? card_json(*card) : nlohmann::json::object();
    add_verdict_json(j, v);
    if (card) add_assessment_json(j, assessment);
    if (!card && signer.options().show_unverified) add_unverified_json(j, v);
    if (!card) j["accepted"] = false;
    std::cout << to_text(j) << "\n";
  } else {
    print_verdict(std::cout, v);
    if (card) {
      print_card(std::cout, *card);
      print_assessment(std::cout, assessment);
    } else {
      if (signer.options().show_unverified) print_unverified(std::cout, v);
      std::cout << "NOT VERIFIED: " << failure_text(v) << "\n";
    }
  }
  std::cout.flush();
  return card && assessment.accepted() ? kExitOk : kExitRejected;
}

}  // namespace idr::tool
