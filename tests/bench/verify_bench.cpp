// idr-bench-verify [RECORDS]: offline verification of signed records (DESIGN 5, 11) at the
// speed of the primitive. Makes RECORDS records (default 4000) of 16 readers under one PKI
// (a reader certificate + intermediate each; the root trusted, an empty revocation list),
// every text field, photo and fingerprint disclosed, then verifies them with
// idr::verify_records (batches of 256) on 1 thread and on 2, and runs `openssl speed -seconds 3
// ecdsap256` in the same run for raw P-256 verifications per second. Prints records/s (wall clock
// and per second of CPU time: the machine may be shared), the ratio to OpenSSL's verify/s on one
// core, and the 2-thread speed-up. Checks only that every record verifies.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../signed/test_signer.h"
#include "bench_args.h"
#include "idr/verify.h"

using namespace idr;
using namespace idr::test;
using Clock = std::chrono::steady_clock;

namespace {

// CPU time of the whole process (all threads), seconds.
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// OpenSSL's own P-256 verifications per second (`openssl speed`, CPU user time); 0 when
// the command is missing or its output has no nistp256 line.
double openssl_verify_per_second() {
  FILE* p = ::popen("openssl speed -seconds 3 ecdsap256 2>/dev/null", "r");
  if (p == nullptr) return 0;
  char line[512];
  double verify = 0;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  41000.0  13000.0"
    if (std::strstr(line, "(nistp256)") == nullptr || std::strstr(line, "bits ecdsa") == nullptr)
      continue;
    double sign_s = 0, verify_s = 0, signs = 0, verifies = 0;
    const char* at = std::strchr(line, ')');
    if (at != nullptr &&
        std::sscanf(at + 1, " %lfs %lfs %lf %lf", &sign_s, &verify_s, &signs, &verifies) == 4)
      verify = verifies;
  }
  ::pclose(p);
  return verify;
}

constexpr size_t kBatch = 256;

struct Run {
  double wall = 0, cpu = 0;  // records per second
};

Run verify_all(const std::vector<Bytes>& records, const VerifyOptions& o, unsigned threads,
               int rounds) {
  std::vector<double> wall, cpu;
  for (int round = 0; round < rounds; ++round) {
    const auto t = Clock::now();
    const double c = process_cpu_seconds();
    size_t refused = 0;
    // In batches of kBatch, as an ingest point takes records in and lets results go.
    for (size_t at = 0; at < records.size(); at += kBatch) {
      const std::vector<Bytes> batch(
          records.begin() + static_cast<std::ptrdiff_t>(at),
          records.begin() + static_cast<std::ptrdiff_t>(std::min(records.size(), at + kBatch)));
      for (const VerifiedRecord& v : verify_records(batch, o, threads))
        refused += v.verified() ? 0 : 1;
    }
    const double c_used = process_cpu_seconds() - c;
    const double seconds = std::chrono::duration<double>(Clock::now() - t).count();
    if (refused != 0) {
      std::fprintf(stderr, "%zu records did not verify\n", refused);
      std::exit(1);
    }
    wall.push_back(static_cast<double>(records.size()) / seconds);
    cpu.push_back(static_cast<double>(records.size()) / c_used);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace

const char kUsage[] =
    "usage: idr-bench-verify [RECORDS]\n"
    "  makes RECORDS signed records (default 4000, at least 1) of 16 readers and verifies them\n"
    "  offline with idr::verify_records on 1 and 2 threads, next to `openssl speed -seconds 3\n"
    "  ecdsap256` run in the same process; prints records/s and the ratios\n";

int main(int argc, char** argv) {
  uint64_t wanted = 4000;
  const int exit_status = idr::bench::count_argument(
      argc, argv, "idr-bench-verify", "RECORDS must be a whole number from 1", 9, kUsage, wanted);
  if (exit_status >= 0) return exit_status;
  const size_t count = static_cast<size_t>(wanted);
  constexpr size_t kReaders = 16;
  constexpr int kRounds = 5;
  const Pki pki = make_pki("Bench", kNow - 86400 * 30, kNow + 86400 * 3650);
  TrustStore trust;
  if (!trust.add_root_der(pki.root.cert_der) || !trust.load_revoked_text("idr-revocation-list 2\n"))
    return std::fprintf(stderr, "trust store setup failed\n"), 1;

  const auto t_make = Clock::now();
  std::vector<Bytes> records;
  {
    std::vector<DeviceKey> keys(kReaders);
    std::vector<std::vector<Bytes>> chains;
    for (const DeviceKey& k : keys) chains.push_back(reader_chain(pki, k));
    RecordSpec spec;
    spec.fields = resident_fields({});
    spec.fields.push_back({"photo", Bytes(1024, 0x5A)});
    spec.fields.push_back({"fingerprint", Bytes(1024, 0xA5)});
    for (size_t i = 0; i < count; ++i) {
      spec.counter = i + 1;
      records.push_back(make_record(keys[i % kReaders], chains[i % kReaders], spec).file);
    }
  }
  std::printf("idr-bench-verify: %zu records of %zu readers (%zu bytes each), made in %.1f s\n",
              count, kReaders, records[0].size(),
              std::chrono::duration<double>(Clock::now() - t_make).count());

  VerifyOptions o;
  o.trust = &trust;
  o.now = kNow;
  o.require_nonce = false;  // offline: forwarded records, no nonce or counter to compare
  o.require_counter = false;
  (void)verify_records(records, o, 1);  // the 16 chains judged once (the cache is warm)
  const Run one = verify_all(records, o, 1, kRounds);
  const Run two = verify_all(records, o, 2, kRounds);
  const double openssl = openssl_verify_per_second();

  std::printf("1 thread              %8.0f records/s (CPU time), %8.0f records/s (wall clock)\n",
              one.cpu, one.wall);
  std::printf(
      "2 threads             %8.0f records/s (CPU time, both threads), %8.0f records/s "
      "(wall clock)\n",
      two.cpu, two.wall);
  std::printf(
      "openssl speed         %8.0f P-256 verify/s (`openssl speed -seconds 3 ecdsap256`, "
      "CPU user time)\n",
      openssl);
  if (openssl > 0)
    std::printf("ratio, one core       %8.2f x raw OpenSSL P-256 verify (target >= 0.5)\n",
                one.cpu / openssl);
  std::printf(
      "2 threads / 1 thread  %8.2f x wall clock (2 cores: 2.0 is linear), %.2f x per "
      "CPU second (1.0: no cost of sharing)\n",
      two.wall / one.wall, two.cpu / one.cpu);
  return 0;
}
