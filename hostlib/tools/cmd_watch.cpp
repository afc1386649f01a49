// idr watch: for gates. Prints each card once as it is presented. A card that was read is
// found again only after it leaves the field and comes back (DESIGN 8: REQB is answered
// only by a card in IDLE), so reading on every find answered 9F reads each card once.
#include <iostream>

#include "assessment.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "reader_session.h"
#include "signed_read.h"

namespace idr::tool {

namespace {

const char kHelp[] =
    "usage: idr watch [--reader URI] [--json] [--fields LIST] [--count N]\n"
    "                 [--trust PATH]... [--revoked FILE] [--counters DB] [--now T] [--legacy]\n"
    "\n"
    "Polls the reader and prints each card once as it is presented: one line per card, or\n"
    "with --json one JSON object per line (the fields of `idr read --json`). Runs until N\n"
    "cards were read or SIGINT/SIGTERM (exit 130). A card error (removed during the read,\n"
    "a reader SW3 error, malformed data) is reported on stderr and watching goes on; a\n"
    "transport error ends it (exit 2).\n"
    "\n"
    "  --reader URI     tcp://HOST:PORT or serial:/dev/ttyX[?baud=N]\n"
    "                   (default: $IDR_READER, else tcp://127.0.0.1:5000)\n"
    "  --json           JSON lines\n"
    "  --fields LIST    comma list of text, photo, fingerprint, addresses, or all\n"
    "                   (default: text)\n"
    "  --count N        stop after N cards (default: no limit)\n"
    "\n"
    "Each card is also checked (DESIGN 7) and, with --blocklist, looked up in the lost/stolen\n"
    "list: the line ends with 'accepted' or 'REJECTED' (JSON: \"accepted\", \"checks\").\n"
    "Each read is signed and verified first (below): a card whose record is not verified is\n"
    "printed as 'NOT VERIFIED (check: why)  REJECTED' without its data.\n";

constexpr std::chrono::milliseconds kPollInterval{50};

bool ends_watch(Error e) {
  const int code = exit_code_for(e);
  return code == kExitUnreachable || code == kExitInterrupted || code == kExitUsage;
}

// One card line (or JSON line): `v` is its verification, null for a --legacy read.
// `record` is the signed record file `v` verified (null with `v`).
int show_card(Assessor& assessor, const CardData& card, const VerifiedRecord* v,
              const std::vector<uint8_t>* record, bool json) {
  Assessment a;
  const int code = assessor.assess("watch", card, record, a);
  if (code != kExitOk) return code;
  if (json) {
    nlohmann::json j = card_json(card);
    if (v)
      add_verdict_json(j, *v);
    else
      j["verified"] = false;
    add_assessment_json(j, a);
    std::cout << to_text(j) << std::endl;
  } else {
    std::cout << card_line(card) << "  " << (v ? "verified" : "unsigned") << "  "
              << (a.accepted() ? "accepted" : "REJECTED") << std::endl;
  }
  return kExitOk;
}

}  // namespace

int cmd_watch(const Words& words) {
  if (wants_help(words)) {
    std::cout << kHelp << kAssessmentHelp << "\n" << kSignedReadHelp << "\n" << kExitCodeHelp;
    return kExitOk;
  }
  std::set<std::string> values{"reader", "fields", "count"};
  std::set<std::string> flags{"json"};
  add_assessment_options(values, flags);
  add_signed_read_options(values, flags);
  const Args args(words, values, flags);
  if (args.has_rest()) throw UsageError("watch takes no command after --");
  unsigned fields = args.value("fields") ? parse_fields(*args.value("fields")) : unsigned{kText};
  if (args.value("photo")) fields |= kPhoto;
  const uint64_t count =
      args.value("count") ? parse_count("count", *args.value("count"), 1, 1'000'000'000) : 0;
  const bool json = args.flag("json");

  SignedReader signer(signed_read_options(args));
  if (args.value("journal") && signer.options().legacy)
    throw UsageError("--journal records signed reads: not with --legacy");
  Assessor assessor(assessment_options(args));
  int code = assessor.open("watch");
  if (code != kExitOk) return code;
  code = signer.open("watch");
  if (code != kExitOk) return code;
  const auto session = open_session("watch", reader_uri(args), code);
  if (!session) return code;
  Reader& reader = *session->reader;

  uint64_t seen = 0;
  while (count == 0 || seen < count) {  // unbounded only without --count: a gate runs until stopped
    if (session->interrupt.interrupted()) return kExitInterrupted;
    const Result<bool> found = reader.find_card();
    if (!found) {
      if (ends_watch(found.error())) return report("watch", "find card", found.error());
      (void)report("watch", "find card", found.error());
    } else if (*found) {
      if (signer.options().legacy) {
        const Result<CardData> card = reader.read_card(fields);
        if (card) {
          ++seen;
          code = show_card(assessor, *card, nullptr, nullptr, json);
          if (code != kExitOk) return code;
          continue;  // look for the next card at once
        }
        if (ends_watch(card.error())) return report("watch", "read card", card.error());
        (void)report("watch", "read card", card.error());
      } else {
        const Result<SignedRead> read = signer.read(reader, fields);
        if (read) {
          ++seen;
          const VerifiedRecord& v = read->record;
          if (v.card()) {
            code = show_card(assessor, *v.card(), &v, &read->file, json);
            if (code != kExitOk) return code;
          } else if (json) {  // no card data: it did not verify
            nlohmann::json j = nlohmann::json::object();
            add_verdict_json(j, v);
            j["accepted"] = false;
            std::cout << to_text(j) << std::endl;
          } else {
            std::cout << "NOT VERIFIED (" << failure_text(v) << ")  REJECTED" << std::endl;
          }
          continue;
        }
        if (ends_watch(read.error())) return report("watch", "signed read", read.error());
        (void)report("watch", "signed read", read.error());
      }
    }
    if (session->interrupt.sleep_for(kPollInterval)) return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace idr::tool
