// idr-ingest: the fleet layer's ingester service (DESIGN 13). Takes signed reads from the
// JetStream record stream (pull consumer resumed from its progress in PostgreSQL), verifies each
// again and stores it in PostgreSQL, acknowledging only after the commit; runs until SIGTERM or
// SIGINT, then finishes what it took and prints its figures.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include "idr/fleet.h"
#include "ingester.h"

namespace {

// "PROVINCE.SITE=LAT,LON" -> the place (ranges are Ingester::open's to check); nullopt when
// not that shape or a number does not parse whole.
std::optional<idr::fleet::SitePlace> parse_site(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return std::nullopt;
  const std::string coords = text.substr(eq + 1);
  const auto comma = coords.find(',');
  if (comma == std::string::npos) return std::nullopt;
  auto number = [](const std::string& t, double& out) {
    if (t.empty() || std::isspace(static_cast<unsigned char>(t[0]))) return false;
    char* end = nullptr;
    errno = 0;
    out = std::strtod(t.c_str(), &end);
    return errno == 0 && end == t.c_str() + t.size() && std::isfinite(out);
  };
  idr::fleet::SitePlace p;
  p.site = text.substr(0, eq);
  if (!number(coords.substr(0, comma), p.latitude) ||
      !number(coords.substr(comma + 1), p.longitude))
    return std::nullopt;
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "idr-ingest: signed reads from NATS JetStream into PostgreSQL (DESIGN 13).\n"
      "Every record is verified again (trust roots, revocation), its reader counter kept in\n"
      "PostgreSQL; a record is acknowledged only after its transaction commits, and one\n"
      "delivered again is recognised by (reader serial, counter): restarting loses and repeats\n"
      "nothing. Each record also goes through the detections (DESIGN 13) in the transaction\n"
      "that stores it: the same ID number with another holder, a chip UID with another ID\n"
      "number, a cloned reader, impossible travel between --site places, a card on a --list\n"
      "or a --follow list (kept at the authority's published version without a restart);\n"
      "alerts are rows of 'alerts', published after the commit on alerts.KIND (stream\n"
      "IDR_ALERTS). Prints 'idr-ingest: ready' once bound, and on SIGTERM/SIGINT a last line\n"
      "'ingest: stored N; duplicates N; rejected N; alerts N; p50 X ms; p99 Y ms' (publish to\n"
      "commit). Exit status: 0 stopped, 64 bad options, 2 an engine failed."};
  std::string nats, pg;
  idr::fleet::IngestOptions o;
  int64_t ack_wait_ms = 30000;
  app.add_option("--nats", nats, "NATS URLs, comma separated (nats://host:port,...)")->required();
  app.add_option("--pg", pg, "libpq connection string of the store")->required();
  app.add_option("--trust", o.trust, "trust roots: PEM file or directory (repeat per province)")
      ->required();
  app.add_option("--revoked", o.revoked,
                 "revocation list (repeatable); none: revoked.txt beside each --trust");
  app.add_option("--workers", o.workers, "worker threads, each with a PostgreSQL connection")
      ->check(CLI::Range(1, 64));
  app.add_option("--batch", o.batch, "records per fetch and per transaction")
      ->check(CLI::Range(1, 1024));
  app.add_option("--durable", o.durable,
                 "the name of its progress in PostgreSQL, and of its consumers (NAME-<16 hex>); "
                 "one idr-ingest per name: another waits 10 s for it, then exits 2");
  app.add_option("--replicas", o.replicas, "the stream's copies when this creates it")
      ->check(CLI::Range(1, 5));
  app.add_option("--ack-wait-ms", ack_wait_ms, "redelivery after this without acknowledgement")
      ->check(CLI::Range(int64_t{1000}, int64_t{3'600'000}));
  std::vector<std::string> lists, sites;
  app.add_option("--list", lists,
                 "NAME=FILE: a list file (idr blocklist build) the detections check each card\n"
                 "against, alert listed-NAME (e.g. lost-stolen, document-control); repeatable;\n"
                 "loaded at start only (--follow takes a list's new versions as they come)")
      ->type_name("NAME=FILE");
  std::string gate;
  CLI::Option* follow =
      app.add_option(
             "--follow", o.follow.names,
             "NAME: a list the authority publishes on the cluster (`idr lists publish`),\n"
             "followed as a gate follows it (`idr lists follow`): each version verified with\n"
             "--authority, applied atomically in --lists-dir, reported as NAME.GATE, and\n"
             "checked by the detections from then on (alert listed-NAME); a refused update\n"
             "(forged, rollback, gap) leaves the list in force; repeatable")
          ->type_name("NAME");
  // Meaningless without --follow: refused alone rather than ignored.
  app.add_option("--authority", o.follow.authority,
                 "with --follow: the authority's public key (PEM), the lists' trust anchor")
      ->needs(follow);
  app.add_option("--lists-dir", o.follow.dir,
                 "with --follow: the followed lists' directory (NAME.idrbl, NAME.state)")
      ->needs(follow);
  app.add_option("--gate", gate,
                 "with --follow: this ingester's name in the lists' reports (default: --durable)")
      ->needs(follow);
  app.add_option("--max-kmh", o.max_kmh, "impossible travel: faster than this between two sites")
      ->check(CLI::Range(1.0, 100000.0))
      ->default_str("900");
  app.add_option("--site", sites,
                 "PROVINCE.SITE=LAT,LON: a gate's place in degrees (as `idr watch --site` names\n"
                 "it), stored in fleet_sites for impossible travel; repeatable")
      ->type_name("PROVINCE.SITE=LAT,LON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help: printed on stdout, exit 0
    return app.exit(e);
  } catch (const CLI::ParseError& e) {  // every bad option exits 64, as the checks below do
    std::cerr << "idr-ingest: " << e.what() << "\nRun with --help for more information.\n";
    return 64;
  }
  for (const auto& l : lists) {
    const auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == l.size()) {
      std::cerr << "idr-ingest: --list " << l << ": expected NAME=FILE\n";
      return 64;
    }
    o.lists.push_back({l.substr(0, eq), l.substr(eq + 1)});
  }
  for (const auto& s : sites) {
    auto place = parse_site(s);
    if (!place) {
      std::cerr << "idr-ingest: --site " << s
                << ": expected PROVINCE.SITE=LAT,LON (degrees, e.g. beijing.gate-1=39.9,116.4)\n";
      return 64;
    }
    o.sites.push_back(*place);
  }
  o.follow.gate = gate.empty() ? o.durable : gate;
  o.follow.on_event = [](const std::string& list, const std::string& what) {
    std::fprintf(stderr, "idr-ingest: list %s: %s\n", list.c_str(), what.c_str());
  };
  o.ack_wait = std::chrono::milliseconds(ack_wait_ms);
  o.conninfo = pg;
  std::string why;
  auto servers = idr::fleet::parse_servers(nats, &why);
  if (!servers) {
    std::cerr << "idr-ingest: --nats: " << why << "\n";
    return 64;
  }
  o.servers = *servers;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // taken by the watcher below

  auto ingester = idr::fleet::Ingester::open(o, &why);
  if (!ingester) {
    std::cerr << "idr-ingest: " << why << "\n";
    return ingester.error() == idr::Error::InvalidArgument ? 64 : 2;
  }
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&set, &sig);
    ingester->request_stop();
  });
  std::cout << "idr-ingest: ready" << std::endl;
  const auto end = ingester->run(&why);
  if (!end) {
    std::cerr << "idr-ingest: " << why << "\n";
    ::kill(::getpid(), SIGTERM);  // ends the watcher
    watcher.join();
    return 2;
  }
  watcher.join();
  const auto s = ingester->stats();
  std::printf(
      "ingest: stored %llu; duplicates %llu; rejected %llu; alerts %llu; p50 %.1f ms; p99 %.1f "
      "ms\n",
      static_cast<unsigned long long>(s.stored), static_cast<unsigned long long>(s.duplicates),
      static_cast<unsigned long long>(s.rejected), static_cast<unsigned long long>(s.alerts),
      s.p50_ms, s.p99_ms);
  return 0;
}
