// Authorised provisioning end to end (DESIGN 11): idr-sim + idr-firmware as processes
// (tests/e2e), the reader provisioned through the Reader API by one CA; a second CA cannot
// take it over, through the API or through `idr provision`; authorisations are single use,
// bound to the reader's serial, the operation and the data; the first CA re-provisions it.
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <string>

#include "idr/ca.h"
#include "idr/reader.h"
#include "idr/testing/provision.h"
#include "idr/testing/temp_dir.h"
#include "process.h"
#include "reader_processes.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

const std::string kProvisionScenario =
    std::string(IDR_SOURCE_DIR) + "/tests/signed/scenarios/card-returns.json";

struct ToolRun {
  int status = -1;
  std::string out;
};

// `idr ARGS...` to its end (bounded: read_all throws after 60 s).
ToolRun run_tool(const std::vector<std::string>& argv) {
  tool::SpawnOptions options;
  options.capture_stdout = true;
  tool::ChildProcess p(argv, options);
  ToolRun r;
  r.out = p.read_all(60s);
  r.status = p.wait();
  UNSCOPED_INFO(argv.at(1) << " printed:\n" << r.out);
  return r;
}

}  // namespace

TEST_CASE("provisioning end to end: only the reader's own CA can change a provisioned reader",
          "[signed][e2e]") {
  e2e::ReaderProcesses processes(kProvisionScenario);
  idr::testing::TempDir dir("idr-provision-e2e");
  const auto now = static_cast<int64_t>(std::time(nullptr));
  const std::string uri = "tcp://127.0.0.1:" + std::to_string(processes.host_port);
  const std::string ca_a = dir.path + "/ca-a";
  const std::string ca_b = dir.path + "/ca-b";
  std::string serial;
  std::vector<Bytes> chain;
  {
    auto opened = Reader::open(uri);
    REQUIRE(opened);
    Reader reader = std::move(opened).value();
    const ca::CaDirectory a =
        idr::testing::provision_with_test_ca(reader, ca_a, now, "provisioning test CA A");
    const auto info = reader.device_info();
    REQUIRE(info);
    REQUIRE(info->state == "provisioned");
    serial = info->serial;
    auto held = reader.cert_chain();
    REQUIRE(held);
    chain = *held;
    REQUIRE(chain.size() == 2);
    CHECK(chain[1] == a.intermediate_der());

    std::string why;
    auto made = ca::CaDirectory::create(ca_b, "provisioning test CA B", now, 1, &why);
    REQUIRE(made);
    ca::CaDirectory& b = *made;
    // The whole flow with the second CA: refused at its first authorised step.
    const auto taken = ca::provision_reader(reader, b, now, 1, &why);
    REQUIRE_FALSE(taken);
    CHECK(taken.error() == Error::Sw3Unauthorized);
    INFO("provision_reader with CA B: " << why);
    // Unauthorised commands: refused, even with the reader's own chain.
    const auto nonce = ca::random_nonce();
    REQUIRE(nonce);
    CHECK(reader.provision_key(*nonce).error() == Error::Sw3Unauthorized);
    CHECK(reader.provision_certs(chain).error() == Error::Sw3Unauthorized);
    CHECK(reader.set_time(static_cast<uint64_t>(now)).error() == Error::Sw3Unauthorized);

    const Bytes time_data = Reader::set_time_data(static_cast<uint64_t>(now));
    auto authorise = [&](const ca::CaDirectory& signer, const std::string& for_serial,
                         AuthorizedOp op, const Bytes& data) {
      const auto challenge = reader.authorization_challenge();
      REQUIRE(challenge);
      auto auth = signer.authorize(for_serial, *challenge, op, data, &why);
      REQUIRE(auth);
      return *auth;
    };
    // CA B's signature over a genuine challenge.
    CHECK(reader
              .set_time(static_cast<uint64_t>(now),
                        authorise(b, serial, AuthorizedOp::SetTime, time_data))
              .error() == Error::Sw3Unauthorized);
    // CA A's: accepted once; the same authorisation again (replay) is refused.
    const Authorization once = authorise(a, serial, AuthorizedOp::SetTime, time_data);
    CHECK(reader.set_time(static_cast<uint64_t>(now), once));
    CHECK(reader.set_time(static_cast<uint64_t>(now), once).error() == Error::Sw3Unauthorized);
    // An old authorisation after a new challenge: refused.
    REQUIRE(reader.authorization_challenge());
    CHECK(reader.set_time(static_cast<uint64_t>(now), once).error() == Error::Sw3Unauthorized);
    // For another reader's serial; for another operation: refused.
    CHECK(reader
              .set_time(static_cast<uint64_t>(now),
                        authorise(a, "IDR-0000000000000000", AuthorizedOp::SetTime, time_data))
              .error() == Error::Sw3Unauthorized);
    const Bytes nonce_data(nonce->begin(), nonce->end());
    CHECK(reader.provision_key(*nonce, authorise(a, serial, AuthorizedOp::SetTime, nonce_data))
              .error() == Error::Sw3Unauthorized);
    // For other data (another time): refused.
    CHECK(reader
              .set_time(static_cast<uint64_t>(now) + 1,
                        authorise(a, serial, AuthorizedOp::SetTime, time_data))
              .error() == Error::Sw3Unauthorized);
    const auto after = reader.device_info();
    REQUIRE(after);
    CHECK(after->serial == serial);
    CHECK(after->state == "provisioned");
    CHECK(reader.cert_chain().value() == chain);
  }  // the host link serves one client: let `idr provision` have it

  const ToolRun by_b = run_tool({IDR_TOOL_EXE, "provision", "--reader", uri, "--ca", ca_b});
  CHECK(by_b.status == 6);  // rejected
  {
    auto reader = Reader::open(uri);
    REQUIRE(reader);
    const auto info = reader->device_info();
    REQUIRE(info);
    CHECK(info->serial == serial);
    CHECK(reader->cert_chain().value() == chain);
  }
  const ToolRun by_a = run_tool({IDR_TOOL_EXE, "provision", "--reader", uri, "--ca", ca_a});
  REQUIRE(by_a.status == 0);
  auto reader = Reader::open(uri);
  REQUIRE(reader);
  const auto info = reader->device_info();
  REQUIRE(info);
  CHECK(info->state == "provisioned");
  CHECK(info->serial != serial);  // a new key: a new serial
  CHECK(by_a.out == "re-provisioned " + info->serial + " (was " + serial + ")\n");
  const auto held = reader->cert_chain();
  REQUIRE(held);
  CHECK(*held != chain);
  REQUIRE(held->size() == 2);
  CHECK((*held)[1] == chain[1]);  // the same intermediate issued it
}
