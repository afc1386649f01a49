// idr::Session end to end against idr-sim + idr-firmware processes (tests/e2e): a verified
// read is accepted with every check's verdict; watch sees each presentation of the card once;
// and the negative cases decide "rejected" with the reason: a record that does not verify
// (tampered, untrusted root) exposes no field, a replayed record or a stale nonce, a card on
// the lost/stolen list, an expired card.
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>

#include "idr/blocklist.h"
#include "idr/ca.h"
#include "idr/session.h"
#include "idr/sim/scenario.h"
#include "idr/testing/provision.h"
#include "idr/testing/temp_dir.h"
#include "reader_processes.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

const std::string kScenario =
    std::string(IDR_SOURCE_DIR) + "/tests/signed/scenarios/card-returns.json";

// The verdict named `name` (and `field`), or nullptr.
const Verdict* find(const Decision& d, const std::string& name) {
  for (const Verdict& v : d.verdicts())
    if (v.name == name) return &v;
  return nullptr;
}

std::vector<std::string> reason_names(const Decision& d) {
  std::vector<std::string> out;
  for (const Verdict* v : d.reasons()) out.push_back(v->name + ":" + v->reason);
  return out;
}

void log_decision(const Decision& d) {
  for (const Verdict& v : d.verdicts())
    UNSCOPED_INFO(v.name << "[" << v.field << "] " << to_string(v.status) << " " << v.reason << ": "
                         << v.message);
}

Policy load_policy(const Policy::Files& files) {
  std::string why;
  Result<Policy> p = Policy::load(files, &why);
  INFO(why);
  REQUIRE(p);
  return std::move(p).value();
}

// A record that did not verify: rejected, and nothing of the card is exposed or checked.
void require_no_card(const Decision& d) {
  log_decision(d);
  CHECK_FALSE(d.verified());
  CHECK_FALSE(d.accepted());
  CHECK(d.card() == nullptr);
  CHECK(d.verified_fields().empty());
  CHECK_FALSE(d.reasons().empty());
  CHECK(find(d, "id_number.check_digit") == nullptr);  // no checks on unverified data
  CHECK(find(d, "lost_stolen") == nullptr);
}

}  // namespace

TEST_CASE(
    "Session: verified read accepted, watch per presentation, every rejection with its reason",
    "[signed][session]") {
  const auto spec = sim::load_scenario(kScenario).cards.at(0).spec;
  e2e::ReaderProcesses processes(kScenario);
  idr::testing::TempDir dir("idr-session");
  const auto now = static_cast<int64_t>(std::time(nullptr));
  auto opened = Reader::open("tcp://127.0.0.1:" + std::to_string(processes.host_port));
  REQUIRE(opened);
  const ca::CaDirectory ca =
      idr::testing::provision_with_test_ca(*opened, dir.path + "/ca", now, "session test CA");
  const std::string root = dir.path + "/ca/root.crt.pem";
  const std::string counters = dir.path + "/counters.db";
  Policy policy = load_policy({{root}, {}, counters, {}});
  policy.today = "20250101";
  Session session = Session::over(std::move(opened).value(), std::move(policy));

  // First presentation: found, read signed with a fresh nonce, verified, checked: accepted.
  const Result<Decision> first = session.read_verified(kBase, 60s);
  INFO(message(first.error()));
  REQUIRE(first);
  log_decision(*first);
  CHECK(first->accepted());
  CHECK(first->reasons().empty());
  REQUIRE(first->card() != nullptr);
  CHECK(first->card()->name == spec.text.at("name"));
  CHECK(first->card()->id_number == spec.text.at("id_number"));
  CHECK(first->counter() == 1);
  for (const char* name : {"signature", "chain", "revocation", "nonce", "counter", "sam",
                           "id_number.check_digit", "validity.current"}) {
    INFO(name);
    REQUIRE(find(*first, name) != nullptr);
    CHECK(find(*first, name)->status == CheckStatus::Succeeded);
  }
  CHECK(find(*first, "lost_stolen") == nullptr);  // no list in this policy
  const Bytes record = first->record();

  // Watch: the card leaves and comes back twice; each presentation is decided once.
  std::vector<uint64_t> counters_seen;
  const Result<void> watched = session.watch(kText, [&](const Presentation& p) {
    INFO(message(p.error()));
    REQUIRE(p);
    log_decision(*p);
    CHECK(p->accepted());
    counters_seen.push_back(p->counter());
    return counters_seen.size() < 2;
  });
  CHECK(watched.ok());
  CHECK(counters_seen == std::vector<uint64_t>{2, 3});

  // Nothing within the wait: NoCard (the card stays in the field, already read).
  CHECK(session.read_verified(kText, 0ms).error() == Error::NoCard);

  {  // a record that does not verify: tampered, or from a root not trusted
    Policy fresh = load_policy({{root}, {}, {}, {}});
    Bytes tampered = record;
    tampered[tampered.size() / 2] ^= 0x01;
    require_no_card(decide_record(tampered, fresh));

    const std::string other_ca = dir.path + "/other-ca";
    REQUIRE(ca::CaDirectory::create(other_ca, "another CA", now, 2));
    Policy untrusted = load_policy({{other_ca + "/root.crt.pem"}, {}, {}, {}});
    const Decision d = decide_record(record, untrusted);
    require_no_card(d);
    REQUIRE(find(d, "chain") != nullptr);
    CHECK(find(d, "chain")->status == CheckStatus::Failed);
  }
  {  // a replayed record, a stale nonce
    // The counter store saw counters 1..3 from this reader: counter 1 again is refused.
    Policy same_store = load_policy({{root}, {}, counters, {}});
    const Decision replay = decide_record(record, same_store);
    require_no_card(replay);
    CHECK(reason_names(replay) == std::vector<std::string>{"counter:regression"});
    // Offline with the nonce a live read would have sent: not the one in the record.
    Policy fresh = load_policy({{root}, {}, {}, {}});
    const ReadNonce stale = ca::random_nonce().value();
    const Decision wrong_nonce = decide_record(record, fresh, stale);
    require_no_card(wrong_nonce);
    CHECK(reason_names(wrong_nonce) == std::vector<std::string>{"nonce:nonce_mismatch"});
    // And the same record, offline without expectations, does verify.
    CHECK(decide_record(record, fresh).accepted());
  }
  {  // a card on the lost/stolen list: verified, rejected with the list's reason
    const std::string csv = dir.path + "/lost.csv", list = dir.path + "/lost.idrbl";
    std::ofstream(csv) << "id_number,valid_from\n"
                       << spec.text.at("id_number") << "," << spec.text.at("valid_from") << "\n";
    REQUIRE(build_blocklist(csv, list));
    Policy listed = load_policy({{root}, {}, {}, list});
    listed.today = "20250101";
    const Decision d = decide_record(record, listed);
    log_decision(d);
    CHECK(d.verified());
    CHECK_FALSE(d.accepted());
    REQUIRE(d.card() != nullptr);  // verified data: the operator sees who it is
    CHECK(reason_names(d) == std::vector<std::string>{"lost_stolen:listed"});
  }
  {  // an expired card: rejected by validity.current
    Policy later = load_policy({{root}, {}, {}, {}});
    later.today = "20400101";  // the card is valid to 2036-03-10
    const Decision d = decide_record(record, later);
    log_decision(d);
    CHECK(d.verified());
    CHECK_FALSE(d.accepted());
    CHECK(reason_names(d) == std::vector<std::string>{"validity.current:expired"});
  }
  {  // a policy file that is refused names it
    std::string why;
    const Result<Policy> p = Policy::load({{dir.path + "/no-such-root.pem"}, {}, {}, {}}, &why);
    CHECK(p.error() == Error::InvalidArgument);
    CHECK(why.find("no-such-root.pem") != std::string::npos);
  }
}
