// idr read: find a card (waiting up to --wait), read it, print it.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "assessment.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "reader_session.h"

namespace idr::tool {

namespace {

const char kHelp[] =
    "usage: idr read [--reader URI] [--json] [--fields LIST] [--photo-out FILE] [--wait SECONDS]\n"
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
    "\n"
    "After the fields come the checks on the data (ID number, codes, dates: each its own\n"
    "verdict) and, with --blocklist, the lost/stolen list status.\n";

constexpr std::chrono::milliseconds kPollInterval{50};

}  // namespace

int cmd_read(const Words& words) {
  if (wants_help(words)) {
    std::cout << kHelp << kAssessmentHelp << "\n" << kExitCodeHelp;
    return kExitOk;
  }
  std::set<std::string> values{"reader", "fields", "photo-out", "wait"};
  std::set<std::string> flags{"json"};
  add_assessment_options(values, flags);
  const Args args(words, values, flags);
  if (args.has_rest()) throw UsageError("read takes no command after --");
  unsigned fields = args.value("fields") ? parse_fields(*args.value("fields")) : unsigned{kBase};
  const auto photo_out = args.value("photo-out");
  if (photo_out) fields |= kPhoto;
  const auto wait = args.value("wait") ? parse_seconds("wait", *args.value("wait"))
                                       : std::chrono::milliseconds(5000);

  if (args.value("photo")) fields |= kPhoto;
  Assessor assessor(assessment_options(args, reader_uri(args)));
  int code = assessor.open("read");
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

  Result<CardData> card = reader.read_card(fields);
  if (!card) return report("read", "read card", card.error());

  if (photo_out) {
    std::ofstream f(*photo_out, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(card->photo.data()),
            static_cast<std::streamsize>(card->photo.size()));
    if (!f) {
      std::cerr << "idr read: cannot write the photo to " << *photo_out << "\n";
      return kExitUsage;
    }
  }
  Assessment assessment;
  code = assessor.assess("read", *card, assessment);
  if (code != kExitOk) return code;
  if (args.flag("json")) {
    nlohmann::json j = card_json(*card);
    add_assessment_json(j, assessment);
    std::cout << to_text(j) << "\n";
  } else {
    print_card(std::cout, *card);
    print_assessment(std::cout, assessment);
  }
  std::cout.flush();
  return assessment.accepted() ? kExitOk : kExitRejected;
}

}  // namespace idr::tool
