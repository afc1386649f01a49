// idr serve: the counter clerk's screen (DESIGN 12). A local web page that shows each card
// as it is presented: photo, fields, one verdict and every check, from a verified read only.
#include <iostream>
#include <memory>

#include "assessment.h"
#include "cli.h"
#include "commands.h"
#include "gate_follow.h"
#include "interrupt.h"
#include "serve/feed.h"
#include "serve/reader_loop.h"
#include "serve/server.h"
#include "signed_read.h"

namespace idr::tool {

namespace {

const char kDescription[] =
    "Serves the counter page on a loopback address: open the URL it prints in a browser on\n"
    "this computer. Each card presented to the reader is read signed, verified and checked\n"
    "(as `idr watch`) and shown with its photo, fields, verdict and every check; a record that\n"
    "did not verify is shown as NOT VERIFIED without any of its fields. Card data stays in\n"
    "memory (the last N presentations) and is never written to disk.\n"
    "\n"
    "The first line on stdout is 'serving: http://HOST:PORT/#token=T': T is a random token made\n"
    "at each start; the API refuses requests without it (401) or with another (403). Runs\n"
    "until SIGINT/SIGTERM (exit 130). A reader that cannot be reached is shown on the page\n"
    "and opened again every 2 s.\n"
    "\n"
    "Verification (DESIGN 5): the reader signs each read with a fresh nonce and the record\n"
    "is verified (signature, certificate chain, revocation, nonce, counter, SAM, each\n"
    "field's digest); the page shows a card's data only when every required check\n"
    "SUCCEEDED. Without --revoked, the revocation list is revoked.txt beside each trust path\n"
    "(in the directory, or next to the file); with none the revocation check is NOT_CHECKED\n"
    "and no read verifies. Bad trust, revocation, counter or list files: exit 7 at start.\n"
    "\n"
    "--blocklist FILE is opened at start and at each reader reconnect; with --follow the\n"
    "counter follows the list the authority publishes and checks each new version from the\n"
    "next read on, without a restart (DESIGN 13).\n";

struct ServeOptions {
  std::string reader;
  std::string listen;  // HOST:PORT as given; parsed by serve::parse_listen
  SignedReadOptions signed_read;
  AssessmentOptions assessment;
  bool today_given = false;
  std::string host = "127.0.0.1";
  int port = 8080;
  size_t keep = 10;
  unsigned clear_after = 60;
  unsigned fields = kBase;
  serve::ReaderLoop::Config loop;
  GateFollowOptions follow;  // --follow (DESIGN 13)
};

int run_serve(ServeOptions o) {
  if (!o.listen.empty()) {
    std::string why;
    if (!serve::parse_listen(o.listen, o.host, o.port, &why)) throw UsageError(why);
  }
  finish_signed_read_options(o.signed_read);
  const SignedReadOptions& s = o.signed_read;
  const AssessmentOptions& a = o.assessment;
  o.loop.files.trust = s.trust;
  o.loop.files.revoked = s.revoked;
  o.loop.files.counters = s.counters;
  o.loop.files.lost_stolen = a.blocklist_path.value_or("");
  o.loop.now = s.now;
  o.loop.checks = a.checks;
  // Without --today the date is taken at each read (a counter runs past midnight).
  if (o.today_given) o.loop.today = a.today;
  // Refuse bad trust, revocation, counter or list files before serving anything.
  std::string why;
  if (!Policy::load(o.loop.files, &why)) {
    std::cerr << "idr serve: " << why << "\n";
    return kExitError;
  }
  // --follow: every Session checks the holder the follower loads each version into.
  std::unique_ptr<GateListFollower> follower;
  if (!o.follow.list.empty()) {
    o.loop.lost_stolen = std::make_shared<BlocklistHolder>();
    int code = kExitOk;
    follower = GateListFollower::start("serve", o.follow, o.loop.lost_stolen, code);
    if (!follower) return code;
  }
  InterruptWatcher interrupt;
  serve::Feed feed(o.keep, o.clear_after);
  serve::Server server(feed, serve::make_token());
  const int port = server.bind(o.host, o.port);
  if (port < 0) {
    std::cerr << "idr serve: cannot listen on " << o.host << ":" << o.port << "\n";
    return kExitUnreachable;
  }
  o.loop.uri = o.reader;
  o.loop.fields = o.fields;
  serve::ReaderLoop loop(feed, o.loop);
  interrupt.on_interrupt([&](int) {
    loop.stop();
    server.stop();
  });
  const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::cout << "serving: http://" << host << ":" << port << "/#token=" << server.token()
            << std::endl;
  loop.start();
  server.run();
  interrupt.on_interrupt(nullptr);
  loop.stop();
  return interrupt.interrupted() ? kExitInterrupted : kExitOk;
}

}  // namespace

Command add_serve(CLI::App& idr) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* app = add_command(
      idr, "serve", "the counter page: a local web page showing each card and its verdict",
      kDescription);
  add_reader_option(*app, o->reader);
  app->add_option("--listen", o->listen,
                  "loopback address to serve on (default 127.0.0.1:8080; port 0: any free "
                  "one); a non-loopback address is refused")
      ->type_name("HOST:PORT");
  add_number_option(
      *app, "--keep", [o](uint64_t v) { o->keep = static_cast<size_t>(v); }, 1, 100,
      "presentations kept for the page's history (default 10)");
  add_number_option(
      *app, "--clear-after", [o](uint64_t v) { o->clear_after = static_cast<unsigned>(v); }, 0,
      86400, "the page clears a card after N seconds (default 60; 0: never)");
  add_fields_option(*app, o->fields, "text,photo");
  (void)add_signed_read_options(*app, o->signed_read);
  (void)add_assessment_options(*app, o->assessment);
  // The option groups are shared with read and watch; serve shows verified reads only and
  // writes no card data (DESIGN 12), so it does not take (nor list in --help) the options
  // for the others: given, they are unknown options, a usage error.
  for (const char* f :
       {"--legacy", "--show-unverified", "--photo", "--journal-records", "--journal"})
    app->remove_option(app->get_option(f));
  // Both name the list the Sessions check.
  add_gate_follow_options(*app, o->follow)->excludes(app->get_option("--blocklist"));
  return {app, [o, app](const std::optional<Words>&) {
            o->today_given = app->get_option("--today")->count() > 0;
            return run_serve(*o);
          }};
}

}  // namespace idr::tool
