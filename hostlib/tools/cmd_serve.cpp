// idr serve: the counter clerk's screen (DESIGN 12). A local web page that shows each card
// as it is presented: photo, fields, one verdict and every check, from a verified read only.
#include <iostream>

#include "assessment.h"
#include "cli.h"
#include "commands.h"
#include "interrupt.h"
#include "serve/feed.h"
#include "serve/reader_loop.h"
#include "serve/server.h"
#include "signed_read.h"

namespace idr::tool {

namespace {

const char kHelp[] =
    "usage: idr serve [--reader URI] [--listen HOST:PORT] [--keep N] [--clear-after SECONDS]\n"
    "                 [--fields LIST] [--trust PATH]... [--revoked FILE] [--counters DB]\n"
    "                 [--now T] [--today YYYYMMDD] [--no-checks] [--blocklist FILE]\n"
    "\n"
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
    "  --reader URI         tcp://HOST:PORT or serial:/dev/ttyX[?baud=N]\n"
    "                       (default: $IDR_READER, else tcp://127.0.0.1:5000)\n"
    "  --listen HOST:PORT   loopback address to serve on (default 127.0.0.1:8080; port 0:\n"
    "                       any free one); a non-loopback address is refused\n"
    "  --keep N             presentations kept for the page's history (default 10, 1..100)\n"
    "  --clear-after S      the page clears a card after S seconds (default 60; 0: never)\n"
    "  --fields LIST        comma list of text, photo, fingerprint, addresses, or all\n"
    "                       (default: text,photo)\n"
    "  --trust, --revoked, --counters, --now: as `idr read` (below)\n"
    "  --today, --no-checks, --blocklist: as `idr read` (below)\n"
    "\n";

struct ServeOptions {
  std::string reader;
  std::string host = "127.0.0.1";
  int port = 8080;
  size_t keep = 10;
  unsigned clear_after = 60;
  unsigned fields = kBase;
  serve::ReaderLoop::Config loop;
};

int run_serve(ServeOptions o) {
  // Refuse bad trust, revocation, counter or list files before serving anything.
  std::string why;
  if (!Policy::load(o.loop.files, &why)) {
    std::cerr << "idr serve: " << why << "\n";
    return kExitUsage;
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

int cmd_serve(const Words& words) {
  if (wants_help(words)) {
    std::cout << kHelp << kSignedReadHelp << "\n" << kAssessmentHelp << "\n" << kExitCodeHelp;
    return kExitOk;
  }
  std::set<std::string> values{"reader", "listen", "keep", "clear-after", "fields"};
  std::set<std::string> flags;
  add_assessment_options(values, flags);
  add_signed_read_options(values, flags);
  const Args args(words, values, flags);
  if (args.has_rest()) throw UsageError("serve takes no command after --");
  for (const char* f : {"legacy", "show-unverified", "journal-records"})
    if (args.flag(f)) throw UsageError(std::string("serve shows verified reads only: no --") + f);
  for (const char* v : {"photo", "journal"})
    if (args.value(v)) throw UsageError(std::string("serve writes no card data: no --") + v);

  ServeOptions o;
  o.reader = reader_uri(args);
  if (const auto listen = args.value("listen")) {
    std::string why;
    if (!serve::parse_listen(*listen, o.host, o.port, &why)) throw UsageError(why);
  }
  if (args.value("keep")) o.keep = parse_count("keep", *args.value("keep"), 1, 100);
  if (args.value("clear-after"))
    o.clear_after =
        static_cast<unsigned>(parse_count("clear-after", *args.value("clear-after"), 0, 86400));
  if (args.value("fields")) o.fields = parse_fields(*args.value("fields"));
  const SignedReadOptions s = signed_read_options(args);
  const AssessmentOptions a = assessment_options(args);
  o.loop.files.trust = s.trust;
  o.loop.files.revoked = s.revoked;
  o.loop.files.counters = s.counters;
  o.loop.files.lost_stolen = a.blocklist_path.value_or("");
  o.loop.now = s.now;
  o.loop.checks = a.checks;
  // Without --today the date is taken at each read (a counter runs past midnight).
  if (args.value("today")) o.loop.today = a.today;
  return run_serve(std::move(o));
}

}  // namespace idr::tool
