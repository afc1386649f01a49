// Signed reads on the Cortex-M4 image under QEMU: the firmware
// cross-built with mbedTLS from Debian's source package provisions its key, takes a
// certificate chain and returns COSE_Sign1 records that verify on the host -- decoded with
// libcbor and checked with the host's mbedTLS (tests/integration/signed_record.h), the same
// way integration_signed checks the host board. Plus the target self-test image.
#include <catch2/catch.hpp>

#include <string>

#include "idr/proto/extension.h"
#include "idr/proto/hostlink.h"
#include "idr/testing/crypto_rig.h"
#include "legacy_client.h"
#include "qemu_reader.h"
#include "signed_record.h"

using namespace idr;
using namespace std::chrono_literals;
using testing::Bytes;

namespace {

struct Answer {
  uint8_t sw3 = 0;
  Bytes data;
};

// AA AA AA 96 69 | LEN(2) | SW1 SW2 SW3 | data | CHK (DESIGN 8).
Answer answer_of(const Bytes& frame) {
  REQUIRE(frame.size() >= 11);
  CHECK(frame[7] == 0);
  CHECK(frame[8] == 0);
  return Answer{frame[9], Bytes(frame.begin() + 10, frame.end() - 1)};
}

struct QemuSigner {
  explicit QemuSigner(const std::string& scenario)
      : reader(IDR_QEMU_FIRMWARE_ELF, IDR_SIM_EXE,
               std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/" + scenario + ".json"),
        host(reader.host_port, 20s) {}

  Answer ext(ext::Op op, const Bytes& data = {}) {
    return answer_of(
        host.transact(e2e::legacy_request(ext::kCmd, static_cast<uint8_t>(op), data), 60s));
  }
  Answer find() {
    return answer_of(
        host.transact(e2e::legacy_request(hostlink::cmd::kCard, hostlink::para::kFind)));
  }

  qemu::QemuReader reader;
  e2e::LegacyClient host;
};

Bytes nonce_of(uint8_t seed) {
  Bytes n(16);
  for (size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(seed * 31 + i);
  return n;
}

}  // namespace

TEST_CASE("qemu signed read: provisioning, then a COSE_Sign1 record that verifies") {
  QemuSigner s("resident-fingerprint");

  const testing::Node info0 = testing::decode(s.ext(ext::Op::DeviceInfo).data);
  CHECK(info0.at("provisioned").boolean == false);

  // Key generated on the target; proof of possession over
  // "idr-provision" || serial || challenge || pubkey (extension.h).
  Bytes challenge(16);
  for (size_t i = 0; i < challenge.size(); ++i) challenge[i] = static_cast<uint8_t>(0xC0 + i);
  const Answer prov = s.ext(ext::Op::ProvisionKey, challenge);
  REQUIRE(prov.sw3 == hostlink::sw3::kOk);
  REQUIRE(prov.data.size() == 65 + 64);
  const Bytes pub(prov.data.begin(), prov.data.begin() + 65);
  const Bytes pop(prov.data.begin() + 65, prov.data.end());
  const testing::Node info = testing::decode(s.ext(ext::Op::DeviceInfo).data);
  REQUIRE(info.at("provisioned").boolean);
  CHECK(info.at("pubkey").bytes == pub);
  const std::string serial = info.at("serial").text();
  CHECK(testing::es256_verify(pub, testing::provision_message(serial, challenge, pub), pop));

  testing::TestCa ca;
  const Bytes ca_pub = ca.public_key();
  const Bytes device_cert = ca.certify(pub.data(), "CN=" + serial + ",O=idr");
  const Bytes ca_cert = ca.certify(ca_pub.data(), "CN=idr test CA,O=idr", 1);
  REQUIRE(s.ext(ext::Op::ProvisionCerts, testing::chain_cbor({device_cert, ca_cert})).sw3 ==
          hostlink::sw3::kOk);

  // One presentation, one signed read (the card is then ACTIVE; a second read needs it
  // presented again, which integration_signed does in-process with the field switched off).
  REQUIRE(s.find().sw3 == hostlink::sw3::kFindOk);
  const Bytes nonce = nonce_of(7);
  Bytes request = nonce;
  request.push_back(0x0F);  // text, photo, fingerprint, addresses
  const Answer a = s.ext(ext::Op::ReadSigned, request);
  REQUIRE(a.sw3 == hostlink::sw3::kOk);
  const testing::SignedRecord rec = testing::parse_signed_reply(a.data);
  const testing::Node p = testing::decode(rec.payload);
  CHECK(p.at("serial").text() == serial);
  CHECK(p.at("ctr").uint == 1);
  CHECK(p.at("nonce").bytes == nonce);
  CHECK(p.at("sam_ok").boolean);
  CHECK(p.at("digests").pairs.size() == rec.disclosures.size());
  CHECK(rec.unprotected.at_int(33).items.size() == 2);
  CHECK(rec.disclosures.size() >= 3);  // the text fields at least
  const testing::Verdict v = testing::verify(rec, pub);
  CHECK(v.signature);
  CHECK(v.all_ok());

  // The counter the record carries is the one the journal in (simulated) flash holds.
  const Answer ctr = s.ext(ext::Op::GetCounter);
  REQUIRE(ctr.data.size() == 8);
  uint64_t counter = 0;
  for (uint8_t byte : ctr.data) counter = counter << 8 | byte;
  CHECK(counter == 1);

  // After provisioning and a full signed read, the deepest stack and the furthest pool
  // allocation (painted at start-up, read back over QMP) keep their margins: the stack
  // reserve (linker.ld) at least 512 B over the high-water mark, the pool not exhausted.
  qemu::Qmp qmp(s.reader.qmp_socket, 10s);
  const qemu::HighWater hw = qemu::read_high_water(qmp, IDR_QEMU_FIRMWARE_ELF);
  INFO("stack " << hw.stack_peak << " of " << hw.stack_reserve << " B, pool " << hw.pool_peak
                << " of " << hw.pool_size << " B");
  CHECK(hw.stack_peak > 512);  // the firmware did run: the paint was written over
  CHECK(hw.stack_peak + 512 <= hw.stack_reserve);
  CHECK(hw.pool_peak > 0);
  CHECK(hw.pool_peak < hw.pool_size);
}

TEST_CASE("qemu crypto self-test: RFC 6979 A.2.5 known answers and the measured pool") {
  const qemu::SelftestRun run = qemu::run_selftest(IDR_QEMU_SELFTEST_ELF, 60s);
  INFO("self-test output: " << run.output);
  // 0 = every check passed; 10 + n = check n failed (crypto_selftest.cpp).
  CHECK(run.exit_code == 0);
  const auto figures = qemu::selftest_figures(run.output);
  REQUIRE(figures.count("failed_check") == 1);
  CHECK(figures.at("failed_check") == 0);
  // The pool keeps its headroom over the smallest pool every mbedTLS path works in
  // (mbedtls_pool.h); the high-water mark alone would understate it (fragmentation).
  CHECK(figures.at("pool_min") + 512 <= figures.at("pool_size"));
  CHECK(figures.at("pool_peak") <= figures.at("pool_min"));
  CHECK(figures.at("sign_first") > 0);
}
