// idr watch: for gates. Prints each card once as it is presented. A card that was read is
// found again only after it leaves the field and comes back (DESIGN 8: REQB is answered
// only by a card in IDLE), so reading on every find answered 9F reads each card once.
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "reader_session.h"

namespace idr::tool {

namespace {

const char kHelp[] =
    "usage: idr watch [--reader URI] [--json] [--fields LIST] [--count N]\n"
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
    "  --count N        stop after N cards (default: no limit)\n";

constexpr std::chrono::milliseconds kPollInterval{50};

bool ends_watch(Error e) {
  const int code = exit_code_for(e);
  return code == kExitUnreachable || code == kExitInterrupted || code == kExitUsage;
}

}  // namespace

int cmd_watch(const Words& words) {
  if (wants_help(words)) {
    std::cout << kHelp << "\n" << kExitCodeHelp;
    return kExitOk;
  }
  const Args args(words, {"reader", "fields", "count"}, {"json"});
  if (args.has_rest()) throw UsageError("watch takes no command after --");
  const unsigned fields =
      args.value("fields") ? parse_fields(*args.value("fields")) : unsigned{kText};
  const uint64_t count =
      args.value("count") ? parse_count("count", *args.value("count"), 1, 1'000'000'000) : 0;
  const bool json = args.flag("json");

  int code = kExitOk;
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
      const Result<CardData> card = reader.read_card(fields);
      if (card) {
        ++seen;
        std::cout << (json ? to_text(card_json(*card)) : card_line(*card)) << std::endl;
        continue;  // look for the next card at once
      }
      if (ends_watch(card.error())) return report("watch", "read card", card.error());
      (void)report("watch", "read card", card.error());
    }
    if (session->interrupt.sleep_for(kPollInterval)) return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace idr::tool
