// idr-ingest: the fleet layer's ingester service (DESIGN 13). Takes signed reads from the
// JetStream record stream (durable pull consumer), verifies each again and stores it in
// PostgreSQL, acknowledging only after the commit; runs until SIGTERM or SIGINT, then
// finishes what it took and prints its figures.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <thread>

#include "idr/fleet.h"
#include "ingester.h"

int main(int argc, char** argv) {
  CLI::App app{
      "idr-ingest: signed reads from NATS JetStream into PostgreSQL (DESIGN 13).\n"
      "Every record is verified again (trust roots, revocation), its reader counter kept in\n"
      "PostgreSQL; a record is acknowledged only after its transaction commits, and one\n"
      "delivered again is recognised by (reader serial, counter): restarting loses and repeats\n"
      "nothing. Prints 'idr-ingest: ready' once bound, and on SIGTERM/SIGINT a last line\n"
      "'ingest: stored N; duplicates N; rejected N; p50 X ms; p99 Y ms' (publish to commit)."};
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
  app.add_option("--durable", o.durable, "the durable consumer's name");
  app.add_option("--replicas", o.replicas, "the stream's copies when this creates it")
      ->check(CLI::Range(1, 5));
  app.add_option("--ack-wait-ms", ack_wait_ms, "redelivery after this without acknowledgement")
      ->check(CLI::Range(int64_t{1000}, int64_t{3'600'000}));
  CLI11_PARSE(app, argc, argv);
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
  std::printf("ingest: stored %llu; duplicates %llu; rejected %llu; p50 %.1f ms; p99 %.1f ms\n",
              static_cast<unsigned long long>(s.stored),
              static_cast<unsigned long long>(s.duplicates),
              static_cast<unsigned long long>(s.rejected), s.p50_ms, s.p99_ms);
  return 0;
}
