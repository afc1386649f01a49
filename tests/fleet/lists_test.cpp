// List distribution (hostlib/src/fleet: list_manifest.h, list_distribution.h, DESIGN 13):
// the signed manifest's strict format; the authority publishes full lists and deltas over a
// real JetStream cluster; a running gate applies them; forged, replayed, tampered and gapped
// updates are refused with the list in force kept; an offline gate catches up.
#include <nats/nats.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>

#include "idr/blocklist.h"
#include "idr/testing/fleet_engines.h"
#include "idr/testing/temp_dir.h"
#include "jetstream.h"
#include "list_authority.h"
#include "list_distribution.h"
#include "list_manifest.h"

namespace {

using namespace std::chrono_literals;
using idr::fleet::ListKey;
using idr::fleet::ListKind;
using idr::fleet::ListManifest;
using idr::fleet_test::Authority;
using idr::fleet_test::new_key;
using idr::fleet_test::publish;
using idr::fleet_test::publish_forged;
using idr::fleet_test::report_of;
using idr::testing::FleetEngines;
using idr::testing::TempDir;

ListManifest sample_manifest() {
  ListManifest m;
  m.list = "lost-stolen";
  m.version = 7;
  m.kind = ListKind::Delta;
  m.base = 6;
  m.content_sha256 = std::string(64, 'a');
  m.content_bytes = 120;
  m.chunks = 1;
  m.data_seq = 42;
  m.list_sha256 = std::string(64, 'b');
  m.list_entries = 3;
  m.issued_at = 1764806400;
  return m;
}

const char* kA = "11010519491231002X,20100101";
const char* kB = "440524188001010014,20150301";
const char* kC = "310101199001011234,20180505";
const char* kD = "510107198506157213,20200220";

bool listed(const std::string& path, const char* line) {
  std::string why;
  auto l = idr::Blocklist::open(path, &why);
  INFO(why);
  REQUIRE(l);
  const std::string s = line;
  return l->contains(s.substr(0, 18), s.substr(19)).value();
}

}  // namespace

TEST_CASE("lists: manifest signs and verifies and refuses every alteration", "[fleet][lists]") {
  const ListKey key = new_key();
  std::string why;
  const auto text = idr::fleet::sign_manifest(sample_manifest(), key, &why);
  INFO(why);
  REQUIRE(text);
  auto m = idr::fleet::verify_manifest(*text, key, &why);
  REQUIRE(m);
  CHECK(m->version == 7);
  CHECK(m->base == 6);
  CHECK(m->kind == ListKind::Delta);
  CHECK(m->data_seq == 42);

  SECTION("another key: refused") {
    const ListKey other = new_key();
    REQUIRE(!idr::fleet::verify_manifest(*text, other, &why));
    CHECK(why == "signature does not verify with the authority key");
  }
  SECTION("every single-byte change before the signature: refused") {
    const size_t sig = text->find("signature ");
    for (size_t i = 0; i < sig; ++i) {
      std::string t = *text;
      t[i] = static_cast<char>(t[i] ^ 0x01);
      REQUIRE(!idr::fleet::verify_manifest(t, key, &why));
    }
  }
  SECTION("malformed: leading zero, extra line, missing line, bad kind, too long") {
    std::string t = *text;
    t.replace(t.find("version 7"), 9, "version 07");
    REQUIRE(!idr::fleet::verify_manifest(t, key, &why));
    CHECK(why.find("malformed manifest: version") == 0);
    REQUIRE(!idr::fleet::verify_manifest(*text + "extra 1\n", key, &why));
    CHECK(why.find("lines after the signature") != std::string::npos);
    t = *text;
    t.erase(t.find("chunks "), t.find("data-seq") - t.find("chunks "));
    REQUIRE(!idr::fleet::verify_manifest(t, key, &why));
    CHECK(why.find("malformed manifest") == 0);
    REQUIRE(!idr::fleet::verify_manifest(std::string(5000, 'x') + "\n", key, &why));
    CHECK(why.find("4096") != std::string::npos);
  }
  SECTION("hex: lowercase only, whole bytes, hex digits only") {
    // The signature is outside what it signs: another spelling of it must not verify either.
    const size_t at = text->find("signature ") + 10;
    const size_t end = text->find('\n', at);
    const std::string sig = text->substr(at, end - at);
    const size_t letter = sig.find_first_of("abcdef");
    REQUIRE(letter != std::string::npos);
    std::string t = *text;
    t[at + letter] = static_cast<char>(t[at + letter] - 'a' + 'A');
    REQUIRE(!idr::fleet::verify_manifest(t, key, &why));
    CHECK(why == "malformed manifest: signature is not hex DER");
    t = *text;
    t.erase(end - 1, 1);  // an odd number of digits
    REQUIRE(!idr::fleet::verify_manifest(t, key, &why));
    CHECK(why == "malformed manifest: signature is not hex DER");
    t = *text;
    t[at] = 'g';
    REQUIRE(!idr::fleet::verify_manifest(t, key, &why));
    CHECK(why == "malformed manifest: signature is not hex DER");
    // A SHA-256 in capitals: refused before the signature is checked.
    t = *text;
    const size_t sha = t.find("list-sha256 ") + 12;
    const size_t digit = t.find_first_of("abcdef", sha);
    REQUIRE(digit < sha + 64);
    t[digit] = static_cast<char>(t[digit] - 'a' + 'A');
    REQUIRE(!idr::fleet::verify_manifest(t, key, &why));
    CHECK(why == "malformed manifest: bad SHA-256 hex");
  }
  SECTION("signing refuses inconsistent fields and a public key") {
    ListManifest bad = sample_manifest();
    bad.base = 5;  // a delta must continue version - 1
    REQUIRE(!idr::fleet::sign_manifest(bad, key, &why));
    CHECK(why.find("base") != std::string::npos);
    bad = sample_manifest();
    bad.list = "Lost";
    REQUIRE(!idr::fleet::sign_manifest(bad, key, &why));
    TempDir dir("idr-lists-key");
    REQUIRE(key.save(dir.path + "/k.pem", dir.path + "/p.pem", &why));
    auto pub = ListKey::load(dir.path + "/p.pem", &why);
    REQUIRE(pub);
    REQUIRE(!idr::fleet::sign_manifest(sample_manifest(), *pub, &why));
    CHECK(why.find("private") != std::string::npos);
    // Keys are never overwritten.
    REQUIRE(!key.save(dir.path + "/k.pem", dir.path + "/p2.pem", &why));
  }
  SECTION("a key file that is not a P-256 PEM key: refused") {
    TempDir dir("idr-lists-key");
    std::ofstream(dir.path + "/junk.pem")
        << "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    REQUIRE(!ListKey::load(dir.path + "/junk.pem", &why));
    CHECK(why.find("no PEM key") != std::string::npos);
    REQUIRE(std::system(("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out " +
                         dir.path + "/p384.pem 2>/dev/null")
                            .c_str()) == 0);
    REQUIRE(!ListKey::load(dir.path + "/p384.pem", &why));
    CHECK(why.find("not a P-256 key") != std::string::npos);
  }
}

namespace {

// One engine set per test process.
FleetEngines& engines(int nodes) {
  static FleetEngines e([nodes] {
    idr::testing::FleetOptions o;
    o.nats_nodes = nodes;
    o.postgres = false;
    return o;
  }());
  return e;
}

idr::fleet::JetStream link_to(const FleetEngines& e) {
  std::string why;
  auto l = idr::fleet::JetStream::connect(e.nats_urls(), 10000, &why);
  INFO(why);
  REQUIRE(l);
  return std::move(*l);
}

// Each section starts with no stream and no buckets (the engines outlive a section).
idr::fleet::JetStream fresh_link_to(const FleetEngines& e) {
  auto link = link_to(e);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  (void)js_DeleteStream(link.js(), idr::fleet::kListStream, nullptr, &jerr);
  (void)js_DeleteKeyValue(link.js(), idr::fleet::kListBucket);
  (void)js_DeleteKeyValue(link.js(), idr::fleet::kGateBucket);
  return link;
}

idr::fleet::FollowOptions gate_options(const std::string& dir) {
  idr::fleet::FollowOptions o;
  o.list = "lost-stolen";
  o.dir = dir;
  o.gate = "gate-1";
  return o;
}

}  // namespace

TEST_CASE("lists: a running gate applies the authority's updates and refuses a forged one",
          "[fleet][lists]") {
  auto& e = engines(3);
  Authority a;
  auto link = fresh_link_to(e);
  TempDir gate_dir("idr-lists-gate");

  // The gate follows in its own thread, as `idr lists follow` does.
  std::mutex mutex;
  std::condition_variable changed;
  uint64_t applied = 0;
  std::vector<std::string> errors;
  auto o = gate_options(gate_dir.path);
  o.replicas = 3;
  o.on_applied = [&](const std::string&, const ListManifest& m, std::string*) -> idr::Result<void> {
    std::lock_guard<std::mutex> lock(mutex);
    applied = m.version;
    changed.notify_all();
    return {};
  };
  std::atomic<bool> stop{false};
  auto gate_link = link_to(e);
  idr::fleet::ListFollower gate(gate_link, a.anchor, o);
  struct Joiner {  // a failed REQUIRE below still stops and joins the follower
    std::atomic<bool>& stop;
    std::thread thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } follower{stop, std::thread([&] {
               std::string why;
               (void)gate.run(
                   stop, 200,
                   [&](const std::string& error) {
                     std::lock_guard<std::mutex> lock(mutex);
                     errors.push_back(error);
                     changed.notify_all();
                   },
                   &why);
             })};
  // Generous bounds: the event is waited for, never timed (timing is bench-fleet's job).
  auto wait_until = [&](auto done) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, 60s, done);
  };

  const auto v1 = publish(link, a, a.list({kA, kB}), true, 3);
  CHECK(wait_until([&] { return applied == 1; }));
  const auto v2 = publish(link, a, a.delta({kC}), false, 3);
  CHECK(v2.version == 2);
  CHECK(wait_until([&] { return applied == 2; }));
  {
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(listed(gate_dir.path + "/lost-stolen.idrbl", kC));
  }
  std::string why;
  CHECK(idr::fleet::sha256_file_hex(gate_dir.path + "/lost-stolen.idrbl", &why).value() ==
        v2.list_sha256);

  publish_forged(link, v2, a.delta({kD}));
  CHECK(wait_until([&] {
    for (const auto& err : errors)
      if (err.find("signature does not verify with the authority key") != std::string::npos)
        return true;
    return false;
  }));
  stop = true;
  follower.thread.join();
  CHECK(applied == 2);
  CHECK(gate.state().version == 2);
  CHECK(!listed(gate_dir.path + "/lost-stolen.idrbl", kD));
  CHECK(idr::fleet::sha256_file_hex(gate_dir.path + "/lost-stolen.idrbl", &why).value() ==
        v2.list_sha256);
  const std::string report = report_of(link, "gate-1");
  CHECK(report.find("version 2\n") == 0);
  CHECK(report.find("error version pointer of lost-stolen: signature does not verify") !=
        std::string::npos);
  (void)v1;
}

// The gate's user cannot take a version (idr-ingest: its detections' BlocklistHolder fails
// to load it; here once, from a path that is not there): the version is refused like a bad
// update. The list in force is put back, the state and the report keep the version the user
// still uses, and the next sync takes the version.
TEST_CASE("lists: a version the gate's user cannot take is refused, then taken at the next sync",
          "[fleet][lists]") {
  auto& e = engines(1);
  Authority a;
  auto link = fresh_link_to(e);
  TempDir gate_dir("idr-lists-gate");
  const auto v1 = publish(link, a, a.list({kA}), true);
  idr::BlocklistHolder holder;  // what the detections look cards up in
  bool fail_next = false;
  auto o = gate_options(gate_dir.path);
  o.on_applied = [&](const std::string& path, const ListManifest&,
                     std::string* why) -> idr::Result<void> {
    const std::string from = fail_next ? path + ".gone" : path;
    fail_next = false;
    return holder.reload(from, why);
  };
  idr::fleet::ListFollower gate(link, a.anchor, o);
  std::string why;
  REQUIRE(gate.sync(&why));
  REQUIRE(gate.state().version == 1);
  const std::string c = kC;
  auto holds_c = [&] { return holder.contains(c.substr(0, 18), c.substr(19)).value(); };
  const auto v2 = publish(link, a, a.delta({kC}), false);
  fail_next = true;
  CHECK_FALSE(gate.sync(&why));
  INFO(why);
  CHECK(why.find("version 2 not taken: ") != std::string::npos);
  CHECK(why.find("; version 1 kept") != std::string::npos);
  // The version reported is the one the user uses.
  CHECK(holds_c() == (gate.state().version == 2));
  CHECK(gate.state().version == 1);
  const std::string report = report_of(link, "gate-1");
  CHECK(report.rfind("version 1\n", 0) == 0);
  CHECK(report.find("error version 2 not taken") != std::string::npos);
  CHECK(idr::fleet::sha256_file_hex(gate.list_path(), &why).value() == v1.list_sha256);
  CHECK(idr::fleet::read_gate_state(gate_dir.path, "lost-stolen", &why).value().version == 1);
  // Retried: the next sync takes it.
  REQUIRE(gate.sync(&why));
  CHECK(gate.state().version == 2);
  CHECK(holds_c());
  CHECK(report_of(link, "gate-1").rfind("version 2\n", 0) == 0);
  CHECK(idr::fleet::sha256_file_hex(gate.list_path(), &why).value() == v2.list_sha256);
  // A first version not taken leaves no list at all (nothing in force, version 0).
  TempDir fresh_dir("idr-lists-gate");
  auto fresh_options = gate_options(fresh_dir.path);
  fresh_options.gate = "gate-2";
  fresh_options.on_applied = [](const std::string&, const ListManifest&,
                                std::string* failed) -> idr::Result<void> {
    *failed = "cannot load (test)";
    return idr::Error::Io;
  };
  idr::fleet::ListFollower fresh(link, a.anchor, fresh_options);
  CHECK_FALSE(fresh.sync(&why));
  CHECK(fresh.state().version == 0);
  CHECK(::access(fresh.list_path().c_str(), F_OK) != 0);
  CHECK(report_of(link, "gate-2").rfind("version 0\n", 0) == 0);
}

TEST_CASE("lists: a replayed old version is refused (no rollback)", "[fleet][lists]") {
  auto& e = engines(1);
  Authority a;
  auto link = fresh_link_to(e);
  TempDir gate_dir("idr-lists-gate");
  publish(link, a, a.list({kA}), true);
  std::string why;
  auto kv = link.open_kv(idr::fleet::kListBucket, &why);
  REQUIRE(kv);
  // One store per bucket however often it is asked for (sync and report ask every poll).
  for (int i = 0; i < 3; ++i) {
    CHECK(link.open_kv(idr::fleet::kListBucket).value() == *kv);
    CHECK(link.ensure_kv(idr::fleet::kListBucket, 1).value() == *kv);
  }
  kvEntry* old = nullptr;
  REQUIRE(kvStore_Get(&old, *kv, "lost-stolen") == NATS_OK);
  const std::string v1_text(static_cast<const char*>(kvEntry_Value(old)),
                            static_cast<size_t>(kvEntry_ValueLen(old)));
  kvEntry_Destroy(old);
  publish(link, a, a.delta({kB}), false);

  idr::fleet::ListFollower gate(link, a.anchor, gate_options(gate_dir.path));
  REQUIRE(gate.sync(&why));
  REQUIRE(gate.state().version == 2);
  uint64_t rev = 0;
  REQUIRE(kvStore_Put(&rev, *kv, "lost-stolen", v1_text.data(), static_cast<int>(v1_text.size())) ==
          NATS_OK);
  REQUIRE(!gate.sync(&why));
  CHECK(why.find("below version 2 in force: rollback refused") != std::string::npos);
  CHECK(gate.state().version == 2);
  CHECK(listed(gate.list_path(), kB));
  // The list beside the state altered (or lost): it is fetched again, but the state's
  // version stays the floor, so the replayed version 1 is still refused.
  std::ofstream(gate.list_path(), std::ios::trunc) << "altered";
  idr::fleet::ListFollower again(link, a.anchor, gate_options(gate_dir.path));
  REQUIRE(!again.sync(&why));
  CHECK(why.find("below version 2 once applied: rollback refused") != std::string::npos);
  // A state file that does not parse is refused, not read as "no version yet".
  std::ofstream(gate_dir.path + "/lost-stolen.state", std::ios::trunc) << "version x\n";
  idr::fleet::ListFollower third(link, a.anchor, gate_options(gate_dir.path));
  REQUIRE(!third.sync(&why));
  CHECK(why.find("lost-stolen.state: malformed") != std::string::npos);
  // A fresh gate with no list takes version 1 from the replayed pointer: it is genuine and
  // newer than nothing; it reaches version 2 when the pointer does.
}

TEST_CASE("lists: a manifest that lost the compare-and-set is not taken for its version",
          "[fleet][lists]") {
  auto& e = engines(1);
  Authority a;
  auto link = fresh_link_to(e);
  TempDir gate_dir("idr-lists-gate");
  const auto v1 = publish(link, a, a.list({kA}), true);
  const auto v2 = publish(link, a, a.delta({kB}), false);
  // Signed by the authority, for version 2, after the winner's manifest in the stream.
  publish_forged(link, v1, a.delta({kD}), &a.key, false);
  idr::fleet::ListFollower gate(link, a.anchor, gate_options(gate_dir.path));
  std::string why;
  INFO(why);
  REQUIRE(gate.sync(&why));
  CHECK(gate.state().version == 2);
  CHECK(gate.state().list_sha256 == v2.list_sha256);
  CHECK(listed(gate.list_path(), kB));
  CHECK(!listed(gate.list_path(), kD));
  CHECK(why.find("is not the one the version pointer names") != std::string::npos);
}

TEST_CASE("lists: a version pointer older than the maximum age is reported (freeze)",
          "[fleet][lists]") {
  auto& e = engines(1);
  Authority a;
  auto link = fresh_link_to(e);
  TempDir gate_dir("idr-lists-gate");
  a.issued_at = static_cast<int64_t>(std::time(nullptr)) - 8 * 86400;  // default limit 7 days
  publish(link, a, a.list({kA}), true);
  idr::fleet::ListFollower gate(link, a.anchor, gate_options(gate_dir.path));
  std::string why;
  REQUIRE(!gate.sync(&why));
  CHECK(why.find("more than the maximum age of 604800 s: updates may be withheld (freeze)") !=
        std::string::npos);
  CHECK(gate.state().version == 1);  // genuine and newer than nothing: applied all the same
  REQUIRE(!gate.sync(&why));         // and reported again while the pointer stays old
  CHECK(report_of(link, "gate-1").find("(freeze)") != std::string::npos);
  auto lenient = gate_options(gate_dir.path);
  lenient.max_age_s = 9 * 86400;
  idr::fleet::ListFollower tolerant(link, a.anchor, lenient);
  CHECK(tolerant.sync(&why));
}

TEST_CASE("lists: a gate offline for many versions catches up and a new gate starts from a full",
          "[fleet][lists]") {
  auto& e = engines(1);
  Authority a;
  auto link = fresh_link_to(e);
  TempDir gate_dir("idr-lists-gate"), new_gate_dir("idr-lists-new-gate");
  std::string why;
  publish(link, a, a.list({kA}), true);
  {
    idr::fleet::ListFollower gate(link, a.anchor, gate_options(gate_dir.path));
    REQUIRE(gate.sync(&why));
    REQUIRE(gate.state().version == 1);
  }
  // While the gate is off: deltas, a new full list, more deltas.
  publish(link, a, a.delta({kB}), false);
  publish(link, a, a.delta({kC}), false);
  publish(link, a, a.list({kA, kB, kC, "120101197709093330,20110808"}), true);
  const auto last = publish(link, a, a.delta({kD}), false);
  REQUIRE(last.version == 5);

  idr::fleet::ListFollower gate(link, a.anchor, gate_options(gate_dir.path));
  auto st = gate.sync(&why);
  INFO(why);
  REQUIRE(st);
  CHECK(st->version == 5);
  CHECK(st->list_sha256 == last.list_sha256);
  for (const char* line : {kA, kB, kC, kD}) CHECK(listed(gate.list_path(), line));
  CHECK(idr::fleet::sha256_file_hex(gate.list_path(), &why).value() ==
        idr::fleet::sha256_file_hex(a.dir.path + "/lost-stolen.idrbl", &why).value());

  auto o = gate_options(new_gate_dir.path);
  o.gate = "gate-2";
  idr::fleet::ListFollower fresh(link, a.anchor, o);
  REQUIRE(fresh.sync(&why));
  CHECK(fresh.state().version == 5);
  CHECK(report_of(link, "gate-2").find("version 5\n") == 0);

  SECTION("a state file that does not match the list (crash between renames): full again") {
    std::ofstream(gate_dir.path + "/lost-stolen.idrbl", std::ios::app) << "x";
    idr::fleet::ListFollower again(link, a.anchor, gate_options(gate_dir.path));
    REQUIRE(again.sync(&why));
    CHECK(again.state().version == 5);
    CHECK(idr::fleet::sha256_file_hex(again.list_path(), &why).value() == last.list_sha256);
  }
}

TEST_CASE("lists: tampered content and a gap in the versions are refused", "[fleet][lists]") {
  auto& e = engines(1);
  Authority a;
  auto link = fresh_link_to(e);
  TempDir gate_dir("idr-lists-gate");
  std::string why;
  publish(link, a, a.list({kA}), true);
  idr::fleet::ListFollower gate(link, a.anchor, gate_options(gate_dir.path));
  REQUIRE(gate.sync(&why));
  const std::string v1_sha = gate.state().list_sha256;

  SECTION("a delta's content replaced in the stream") {
    const auto v2 = publish(link, a, a.delta({kB}), false);
    jsErrCode jerr = static_cast<jsErrCode>(0);
    REQUIRE(js_DeleteMsg(link.js(), idr::fleet::kListStream, v2.data_seq, nullptr, &jerr) ==
            NATS_OK);
    std::ifstream in(a.delta({kD}), std::ios::binary);
    const std::string other((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(link.publish("lists.lost-stolen.data.2", other.data(), other.size(), "tamper", &why,
                         "Idr-Chunk", "0"));
    REQUIRE(!gate.sync(&why));
    CHECK(why.find("differs from the signed manifest (tampered)") != std::string::npos);
  }
  SECTION("a version's manifest gone from the stream: gap") {
    publish(link, a, a.delta({kB}), false);
    // The stream's sequence of version 2's manifest: the message after its one chunk.
    auto m2 = link.next_on_subject(idr::fleet::kListStream, "lists.lost-stolen.manifest", 3, &why);
    REQUIRE(m2);
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const char* seq = nullptr;
    REQUIRE(natsMsgHeader_Get(m2->get(), "Nats-Sequence", &seq) == NATS_OK);
    REQUIRE(js_DeleteMsg(link.js(), idr::fleet::kListStream, std::strtoull(seq, nullptr, 10),
                         nullptr, &jerr) == NATS_OK);
    publish(link, a, a.delta({kC}), false);
    REQUIRE(!gate.sync(&why));
    CHECK(why.find("no publication continues version 1 towards 3 (gap)") != std::string::npos);
  }
  CHECK(gate.state().version == 1);
  CHECK(idr::fleet::sha256_file_hex(gate.list_path(), &why).value() == v1_sha);
  CHECK(report_of(link, "gate-1").find("error ") != std::string::npos);
}

TEST_CASE("lists: the authority refuses a delta when its master copy is not the published list",
          "[fleet][lists]") {
  auto& e = engines(1);
  Authority a;
  auto link = fresh_link_to(e);
  std::string why;
  publish(link, a, a.list({kA}), true);
  std::ofstream(a.dir.path + "/lost-stolen.idrbl", std::ios::app) << "x";
  REQUIRE(!idr::fleet::publish_delta(link, a.key, a.options(), a.delta({kB}), &why));
  CHECK(why.find("is not the list of the published version 1") != std::string::npos);
  REQUIRE(
      !idr::fleet::publish_delta(link, a.key, a.options("document-control"), a.delta({kB}), &why));
  CHECK(why.find("nothing published yet") != std::string::npos);
}
