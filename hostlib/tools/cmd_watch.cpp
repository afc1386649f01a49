// idr watch: for gates. Prints each card once as it is presented. A card that was read is
// found again only after it leaves the field and comes back (DESIGN 8: REQB is answered
// only by a card in IDLE), so reading on every find answered 9F reads each card once.
#include <iostream>

#include "assessment.h"
#include "cli.h"
#include "commands.h"
#include "gate_follow.h"
#include "idr/fleet.h"
#include "output.h"
#include "reader_session.h"
#include "signed_read.h"

namespace idr::tool {

namespace {

// The options of `idr watch`, as parsed.
struct WatchOptions {
  std::string reader;
  bool json = false;
  unsigned fields = kText;
  uint64_t count = 0;  // 0: no limit
  SignedReadOptions signed_read;
  AssessmentOptions assessment;
  // --publish (DESIGN 13): the cluster, where this gate is, its spool, what leaves it.
  std::string publish, site, spool, disclose;
  // --follow (DESIGN 13): the lost/stolen list followed in this process.
  GateFollowOptions follow;
};

// The fleet publisher of --publish; nullopt without it. Exit code in `code` when refused.
std::optional<fleet::Publisher> open_publisher(const WatchOptions& o, int& code) {
  code = kExitOk;
  if (o.publish.empty()) return std::nullopt;
  std::string why;
  fleet::PublisherOptions po;
  auto servers = fleet::parse_servers(o.publish, &why);
  const auto dot = o.site.find('.');
  if (!servers || dot == std::string::npos || o.spool.empty()) {
    std::cerr << "idr watch: --publish needs nats:// URLs (" << (why.empty() ? "ok" : why)
              << "), --site PROVINCE.SITE and --spool FILE\n";
    code = kExitUsage;
    return std::nullopt;
  }
  po.servers = *servers;
  po.site = {o.site.substr(0, dot), o.site.substr(dot + 1)};
  po.spool = o.spool;
  for (size_t start = 0; !o.disclose.empty() && start <= o.disclose.size();) {
    const size_t comma = std::min(o.disclose.find(',', start), o.disclose.size());
    po.disclose.push_back(o.disclose.substr(start, comma - start));
    start = comma + 1;
  }
  auto pub = fleet::Publisher::open(po, &why);
  if (!pub) {
    std::cerr << "idr watch: --publish: " << why << "\n";
    code = pub.error() == Error::InvalidArgument ? kExitUsage
                                                 : report("watch", "publish", pub.error());
    return std::nullopt;
  }
  return std::move(*pub);
}

constexpr std::chrono::milliseconds kPollInterval{50};

// The --legacy loop ends on what the exit-code table calls unreachable, interrupted or usage.
bool ends_legacy_watch(Error e) {
  const int code = exit_code_for(e);
  return code == kExitUnreachable || code == kExitInterrupted || code == kExitUsage;
}

// One card line (or JSON line): `d` is its decision, null for a --legacy read, whose
// verdicts are `legacy_verdicts`.
int show_card(Assessor& assessor, const CardData& card, const Decision* d,
              const std::vector<Verdict>& legacy_verdicts, bool json) {
  std::optional<int64_t> journal_row;
  const int code = assessor.record("watch", card, d, journal_row);
  if (code != kExitOk) return code;
  const std::vector<Verdict>& verdicts = d ? d->verdicts() : legacy_verdicts;
  const bool accepted = d ? d->accepted() : passes(legacy_verdicts);
  if (json) {
    nlohmann::json j = card_json(card);
    if (d)
      add_verdict_json(j, *d);
    else
      j["verified"] = false;
    add_assessment_json(j, verdicts, accepted, journal_row);
    std::cout << to_text(j) << std::endl;
  } else {
    std::cout << card_line(card) << "  " << (d ? "verified" : "unsigned") << "  "
              << (accepted ? "accepted" : "REJECTED") << std::endl;
  }
  return kExitOk;
}

// --legacy: the unsigned read on every find answered 9F (DESIGN 8).
int watch_legacy(ReaderSession& rs, unsigned fields, uint64_t count, Assessor& assessor,
                 bool json) {
  uint64_t seen = 0;
  while (count == 0 || seen < count) {  // unbounded only without --count: a gate runs until stopped
    if (rs.interrupt.interrupted()) return kExitInterrupted;
    const Result<bool> found = rs.reader->find_card();
    if (!found) {
      if (ends_legacy_watch(found.error())) return report("watch", "find card", found.error());
      (void)report("watch", "find card", found.error());
    } else if (*found) {
      const Result<CardData> card = rs.reader->read_card(fields);
      if (card) {
        ++seen;
        const int code =
            show_card(assessor, *card, nullptr, check_card_data(*card, rs.session->policy()), json);
        if (code != kExitOk) return code;
        continue;  // look for the next card at once
      }
      if (ends_legacy_watch(card.error())) return report("watch", "read card", card.error());
      (void)report("watch", "read card", card.error());
    }
    if (rs.interrupt.sleep_for(kPollInterval)) return kExitInterrupted;
  }
  return kExitOk;
}

int run_watch(WatchOptions o) {
  finish_signed_read_options(o.signed_read);
  unsigned fields = o.fields;
  if (o.assessment.photo_path) fields |= kPhoto;
  const uint64_t count = o.count;
  const bool json = o.json;
  const SignedReadOptions& signed_options = o.signed_read;
  const AssessmentOptions& assessment = o.assessment;
  Assessor assessor(assessment);
  int code = assessor.open("watch");
  if (code != kExitOk) return code;
  Policy policy;
  code = load_policy("watch", signed_options, assessment, policy);
  if (code != kExitOk) return code;
  // --follow: the Session checks the holder the follower loads each version into.
  std::unique_ptr<GateListFollower> follower;
  if (!o.follow.list.empty()) {
    policy.lost_stolen = std::make_shared<BlocklistHolder>();
    follower = GateListFollower::start("watch", o.follow, policy.lost_stolen, code);
    if (!follower) return code;
  }
  std::optional<fleet::Publisher> publisher = open_publisher(o, code);
  if (code != kExitOk) return code;
  if (publisher && signed_options.legacy) {
    std::cerr << "idr watch: --publish sends signed records: not with --legacy\n";
    return kExitUsage;
  }
  const auto rs = open_session("watch", o.reader, std::move(policy), code);
  if (!rs) return code;
  if (signed_options.legacy) return watch_legacy(*rs, fields, count, assessor, json);

  // Each presentation decided by the session (fresh nonce, verified, checked); a card error
  // is reported and watching goes on; a link error or SIGINT/SIGTERM (cancel) ends it.
  uint64_t seen = 0;
  int exit_code = kExitOk;
  const Result<void> end = rs->session->watch(fields, [&](const Presentation& p) {
    if (!p) {
      (void)report("watch", "signed read", p.error());
      return true;
    }
    ++seen;
    // A verified record goes to the fleet (spooled first), accepted or not: a listed card's
    // read is what the detections need.
    if (publisher && p->verified()) {
      const Result<void> sent = publisher->publish(*p);
      if (!sent) (void)report("watch", "publish", sent.error());
    }
    if (const CardData* card = p->card()) {
      exit_code = show_card(assessor, *card, &*p, {}, json);
      if (exit_code != kExitOk) return false;
    } else if (json) {  // no card data: it did not verify
      nlohmann::json j = nlohmann::json::object();
      add_verdict_json(j, *p);
      j["accepted"] = false;
      std::cout << to_text(j) << std::endl;
    } else {
      std::cout << "NOT VERIFIED (" << failure_text(*p) << ")  REJECTED" << std::endl;
    }
    return count == 0 || seen < count;
  });
  // What the drain thread has not sent yet goes now (each send waits at most its ack wait);
  // anything the cluster does not take stays in the spool for the next run.
  if (publisher) (void)publisher->drain();
  if (!end) return report("watch", "signed read", end.error());
  return exit_code;
}

}  // namespace

Command add_watch(CLI::App& idr) {
  auto o = std::make_shared<WatchOptions>();
  CLI::App* app = add_command(
      idr, "watch", "print each card once as it is presented (gates)",
      "Polls the reader and prints each card once as it is presented: one line per card, or\n"
      "with --json one JSON object per line (the fields of `idr read --json`). Runs until N\n"
      "cards were read or SIGINT/SIGTERM (exit 130). A card error (removed during the read,\n"
      "a reader SW3 error, malformed data) is reported on stderr and watching goes on; a\n"
      "transport error ends it (exit 2).\n"
      "\n"
      "Each card is also checked (DESIGN 7) and, with --blocklist or --follow, looked up in the\n"
      "lost/stolen list: the line ends with 'accepted' or 'REJECTED' (JSON: \"accepted\",\n"
      "\"checks\", \"lost_stolen_listed\", \"lost_stolen_reason\"). --blocklist FILE is opened\n"
      "once, at start; with --follow the gate follows the list the authority publishes and\n"
      "checks each new version from the next read on, without a restart (DESIGN 13).\n"
      "Each read is signed and verified first (below): a card whose record is not verified is\n"
      "printed as 'NOT VERIFIED (check: why)  REJECTED' without its data.\n"
      "\n" +
          std::string(kSignedReadHelp));
  add_reader_option(*app, o->reader);
  app->add_flag("--json", o->json, "JSON lines");
  add_fields_option(*app, o->fields, "text");
  add_number_option(*app, "--count", o->count, 1, 1'000'000'000,
                    "stop after N cards (default: no limit)");
  app->add_option("--publish", o->publish,
                  "send each verified record to the fleet's NATS JetStream cluster "
                  "(nats://host:port,...; DESIGN 13) through the --spool")
      ->type_name("URLS");
  app->add_option("--site", o->site, "where this gate is, for --publish: PROVINCE.SITE")
      ->type_name("PROVINCE.SITE");
  app->add_option("--spool", o->spool,
                  "SQLite file keeping records until the cluster acknowledges them")
      ->type_name("FILE");
  app->add_option("--disclose", o->disclose,
                  "fields that leave the gate, comma separated (default: id_number,name,birth,"
                  "valid_from,valid_to)")
      ->type_name("FIELDS");
  CLI::Option* legacy = add_signed_read_options(*app, o->signed_read);
  CLI::Option* journal = add_assessment_options(*app, o->assessment);
  legacy->excludes(journal);
  // Both name the list the Session checks.
  add_gate_follow_options(*app, o->follow)->excludes(app->get_option("--blocklist"));
  return {app, [o](const std::optional<Words>&) { return run_watch(*o); }};
}

}  // namespace idr::tool
