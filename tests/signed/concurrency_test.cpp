// One TrustStore shared by several threads verifying at once (DESIGN 11 thread-safety
// contract of idr/verify.h). Labelled `concurrency` so the ThreadSanitizer preset runs it;
// under it a race on mbedTLS's cached tables inside the roots is reported.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
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
