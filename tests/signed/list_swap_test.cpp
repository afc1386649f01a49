// The lost/stolen list swapped while decisions run (session.h thread-safety contract, DESIGN
// 13 List distribution): a gate's follower loads each new version into the
// BlocklistHolder its Policy points to while other threads decide reads. Every decision that
// starts after a reload returned uses the new list, a list taken before a reload keeps
// answering, and a holder with no list yet rejects the card. Labelled `concurrency`: the
// ThreadSanitizer preset runs it.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "idr/blocklist.h"
#include "idr/session.h"
#include "idr/testing/temp_dir.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

// The card of the records below (ResidentCard's defaults) and another one.
constexpr const char* kCard = "110105200001010013,20200101";
constexpr const char* kOther = "11010519491231002X,20100101";

std::string build_list(const std::string& dir, const std::string& name, const char* line) {
  const std::string csv = dir + "/" + name + ".csv", out = dir + "/" + name + ".idrbl";
  std::ofstream(csv) << "id_number,valid_from\n" << line << "\n";
  std::string why;
  const bool built = static_cast<bool>(build_blocklist(csv, out, &why));
  INFO(why);
  REQUIRE(built);
  return out;
}

// The "lost_stolen" verdict's reason, or "" when there is none.
std::string list_reason(const Decision& d) {
  for (const Verdict& v : d.verdicts())
    if (v.name == "lost_stolen") return v.reason;
  return "";
}

}  // namespace

TEST_CASE("the lost/stolen list swapped under concurrent decisions: each uses the list in force",
          "[signed][concurrency]") {
  testing::TempDir dir("idr-list-swap");
  const std::string listing = build_list(dir.path, "listing", kCard);
  const std::string other = build_list(dir.path, "other", kOther);

  const Pki pki = make_pki("Swap", kNow - 86400 * 30, kNow + 86400 * 3650);
  DeviceKey key;
  const std::vector<Bytes> chain = reader_chain(pki, key);
  RecordSpec spec;
  spec.fields = resident_fields({});
  const Bytes record = make_record(key, chain, spec).file;

  Policy policy;
  REQUIRE(policy.trust.add_root_der(pki.root.cert_der));
  REQUIRE(policy.trust.load_revoked_text("idr-revocation-list 2\n"));
  policy.now = kNow;
  policy.checks = false;
  policy.lost_stolen = std::make_shared<BlocklistHolder>();

  SECTION("no list loaded yet: NOT_CHECKED, rejected") {
    const Decision d = decide_record(record, policy);
    CHECK(d.verified());
    CHECK(list_reason(d) == "no_list");
    CHECK_FALSE(d.accepted());
  }

  SECTION("a list taken before a reload keeps answering from its own file") {
    REQUIRE(policy.lost_stolen->reload(listing));
    const std::shared_ptr<const Blocklist> taken = policy.lost_stolen->current();
    REQUIRE(policy.lost_stolen->reload(other));
    CHECK(taken->contains("110105200001010013", "20200101").value());
    CHECK(list_reason(decide_record(record, policy)) == "not_listed");
    // A file that does not load leaves the list in force.
    std::ofstream(dir.path + "/bad.idrbl") << "not a list";
    std::string why;
    CHECK_FALSE(policy.lost_stolen->reload(dir.path + "/bad.idrbl", &why));
    CHECK_FALSE(why.empty());
    CHECK(list_reason(decide_record(record, policy)) == "not_listed");
  }

  SECTION("reloads while threads decide") {
    REQUIRE(policy.lost_stolen->reload(other));
    // Generation g: the g-th reload returned (odd: `listing` in force, even: `other`);
    // started: the last reload begun.
    std::atomic<int> generation{0}, started{0};
    std::atomic<bool> done{false};
    std::atomic<int> wrong{0}, listed{0}, not_listed{0};
    constexpr int kThreads = 4, kReloads = 24;
    // The generation each thread last saw its decision made entirely under.
    std::vector<std::atomic<int>> seen(kThreads);
    for (auto& s : seen) s = -1;
    std::vector<std::thread> pool;
    for (int t = 0; t < kThreads; ++t) {
      pool.emplace_back([&, t] {
        while (!done.load()) {
          const int before = generation.load();
          const std::string reason = list_reason(decide_record(record, policy));
          const int after = started.load();
          if (reason == "listed")
            ++listed;
          else if (reason == "not_listed")
            ++not_listed;
          else
            ++wrong;  // never malformed, never without a list
          // A reload begun since `before` returned (under way, or done): either list is right.
          if (before != after) continue;
          if (reason != (before % 2 == 1 ? "listed" : "not_listed")) ++wrong;
          seen[t] = before;
        }
      });
    }
    // Each reload, then every thread decides under it at least once before the next: both
    // lists are used by every thread, whatever the scheduling. Bounded: a hang fails.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    bool stuck = false;
    for (int g = 1; g <= kReloads && !stuck; ++g) {
      started = g;
      REQUIRE(policy.lost_stolen->reload(g % 2 == 1 ? listing : other));
      generation = g;
      for (int t = 0; t < kThreads; ++t)
        while (seen[t].load() < g && !stuck) {
          stuck = std::chrono::steady_clock::now() > deadline;
          std::this_thread::yield();
        }
    }
    done = true;
    for (auto& th : pool) th.join();
    CHECK_FALSE(stuck);
    CHECK(wrong == 0);
    CHECK(listed >= kThreads * kReloads / 2);
    CHECK(not_listed >= kThreads * kReloads / 2);
  }
}
