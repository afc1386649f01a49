// One TrustStore shared by several threads verifying at once (DESIGN 11 thread-safety
// contract of idr/verify.h), directly and through verify_records; the chain cache inside it
// re-checks time and revocation on every record. Labelled `concurrency` so the
// ThreadSanitizer preset runs it: a race on the cache or on OpenSSL objects shared by
// threads is reported there.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "idr/verify.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

constexpr int kRecordsPerThread = 12;

}  // namespace

TEST_CASE("a TrustStore shared by threads verifies every record in each of them",
          "[signed][concurrency]") {
  const Pki pki = make_pki("Shared", kNow - 86400 * 30, kNow + 86400 * 3650);
  TrustStore trust;
  REQUIRE(trust.add_root_der(pki.root.cert_der));
  REQUIRE(trust.load_revoked_text("idr-revocation-list 2\n"));
  DeviceKey revoked_key;
  const std::vector<Bytes> revoked_chain = reader_chain(pki, revoked_key);
  REQUIRE(trust.revoke_certificate(revoked_chain[0]));

  // Records made before the threads start: the threads only verify.
  DeviceKey key;
  const std::vector<Bytes> chain = reader_chain(pki, key);
  RecordSpec spec;
  spec.fields = resident_fields({});
  const Bytes good = make_record(key, chain, spec).file;
  const Bytes bad = make_record(revoked_key, revoked_chain, spec).file;

  const unsigned threads = std::max(4u, std::thread::hardware_concurrency());
  std::atomic<int> verified{0}, refused{0}, wrong{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      VerifyOptions o;
      o.trust = &trust;
      o.now = kNow;
      o.require_nonce = false;
      o.require_counter = false;
      for (int i = 0; i < kRecordsPerThread; ++i) {
        const bool expect = (i + static_cast<int>(t)) % 3 != 0;
        const VerifiedRecord v = verify_record(expect ? good : bad, o);
        if (v.verified() != expect) ++wrong;
        ++(v.verified() ? verified : refused);
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  go = true;
  for (auto& th : pool) th.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%u threads, %d verifications: %.1f verifications/s\n", threads,
              verified.load() + refused.load(), (verified + refused) / seconds);
  CHECK(wrong == 0);
  CHECK(verified + refused == static_cast<int>(threads) * kRecordsPerThread);
  CHECK(verified > 0);
  CHECK(refused > 0);
}

TEST_CASE("verify_records on several threads gives what verify_record gives in order",
          "[signed][concurrency]") {
  const Pki pki = make_pki("Batch", kNow - 86400 * 30, kNow + 86400 * 3650);
  TrustStore trust;
  REQUIRE(trust.add_root_der(pki.root.cert_der));
  REQUIRE(trust.load_revoked_text("idr-revocation-list 2\n"));
  DeviceKey a, b, revoked;
  const std::vector<Bytes> chain_a = reader_chain(pki, a), chain_b = reader_chain(pki, b);
  const std::vector<Bytes> chain_r = reader_chain(pki, revoked);
  REQUIRE(trust.revoke_certificate(chain_r[0]));
  RecordSpec spec;
  spec.fields = resident_fields({});
  std::vector<Bytes> records;
  std::vector<bool> expect;
  for (int i = 0; i < 24; ++i) {
    const int kind = i % 4;
    Bytes file = kind == 0   ? make_record(a, chain_a, spec).file
                 : kind == 1 ? make_record(b, chain_b, spec).file
                 : kind == 2 ? make_record(revoked, chain_r, spec).file
                             : flip_bit(make_record(a, chain_a, spec).file, 40);
    records.push_back(std::move(file));
    expect.push_back(kind < 2);
  }
  VerifyOptions o;
  o.trust = &trust;
  o.now = kNow;
  o.require_nonce = false;
  o.require_counter = false;
  for (unsigned threads : {0u, 1u, 2u, 4u}) {
    INFO(threads);
    const std::vector<VerifiedRecord> out = verify_records(records, o, threads);
    REQUIRE(out.size() == records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      INFO(i);
      CHECK(out[i].verified() == expect[i]);
      const VerifiedRecord alone = verify_record(records[i], o);
      const RecordCheckResult* single = alone.verdict().first_failure();
      const RecordCheckResult* batch = out[i].verdict().first_failure();
      CHECK((single == nullptr) == (batch == nullptr));
      if (single != nullptr && batch != nullptr) CHECK(single->message == batch->message);
    }
  }
  CHECK(verify_records({}, o, 2).empty());
}

TEST_CASE("verify_records reports a thread it cannot start, after joining the started ones",
          "[signed][concurrency]") {
  const Pki pki = make_pki("NoThread", kNow - 86400 * 30, kNow + 86400 * 3650);
  TrustStore trust;
  REQUIRE(trust.add_root_der(pki.root.cert_der));
  DeviceKey a;
  RecordSpec spec;
  spec.fields = resident_fields({});
  const std::vector<Bytes> records(4, make_record(a, reader_chain(pki, a), spec).file);
  VerifyOptions o;
  o.trust = &trust;
  o.now = kNow;
  o.require_nonce = false;
  o.require_counter = false;
  // A child under a process limit that lets one thread start and not the next (as root, the
  // limit applies only after dropping to a user with no other process): exit 0 when
  // std::system_error reaches the caller, an abort (std::terminate on the started thread,
  // never joined) otherwise.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(54321) != 0 || ::setuid(54321) != 0)) ::_exit(3);
    const rlimit two{2, 2};  // this process and one thread
    if (::setrlimit(RLIMIT_NPROC, &two) != 0) ::_exit(4);
    try {
      (void)verify_records(records, o, 4);
    } catch (const std::system_error&) {
      ::_exit(0);
    } catch (...) {
      ::_exit(5);
    }
    ::_exit(6);  // every thread started: the limit did not hold
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a cached chain is re-checked for time and revocation at every record",
          "[signed][concurrency]") {
  const Pki pki = make_pki("Cache", kNow - 86400 * 30, kNow + 86400 * 3650);
  TrustStore trust;
  REQUIRE(trust.load_revoked_text("idr-revocation-list 2\n"));
  DeviceKey key;
  const std::vector<Bytes> chain = reader_chain(pki, key, kNow - 86400, kNow + 86400);
  RecordSpec spec;
  spec.fields = resident_fields({});
  const Bytes file = make_record(key, chain, spec).file;
  VerifyOptions o;
  o.trust = &trust;
  o.now = kNow;
  o.require_nonce = false;
  o.require_counter = false;
  auto failure = [&] {
    const VerifiedRecord v = verify_record(file, o);
    const RecordCheckResult* f = v.verdict().first_failure();
    return f == nullptr ? std::string("verified")
                        : std::string(to_string(f->check)) + ":" + to_string(f->reason);
  };
  CHECK(failure() == "chain:no_trust_store");
  REQUIRE(trust.add_root_der(pki.intermediate.cert_der));  // a root added: judged anew
  CHECK(failure() == "verified");
  o.now = kNow + 2 * 86400;  // the same chain, cached, later
  CHECK(failure() == "chain:expired");
  o.now = kNow - 2 * 86400;
  CHECK(failure() == "chain:not_yet_valid");
  o.now = kNow;
  CHECK(failure() == "verified");
  trust.revoke_reader(key.serial());  // the list changed after the chain was cached
  CHECK(failure() == "revocation:revoked");
}
