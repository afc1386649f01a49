// The firmware host link (firmware/core/hostlink): byte streams from a hostile host into the
// request parser, feeding the legacy commands and the extension commands (device info,
// chain, READ_SIGNED, set time, counter, self-test, provisioning) of a provisioned reader
// whose key, chain and counter live on the hw-sim flash model. The stream arrives in
// chunks with gaps the input picks (virtual time), so partial frames time out too; the card
// behind it fails where the input says (card_faults.h). As on the reader (reader_app.h), the
// server has a fault latch (a card step reporting HardwareFault latches it, as the card
// driver's HAL calls do) and a baud hook; from a reply the input picks on, the link's writes
// fail. Every write must be exactly one well-formed reply frame, nothing may be left
// half-written on the link after a request, every reply after the latch is the bare SW3 60,
// a baud change comes after its OK reply, and the server counts each reply it wrote.
//
// The reader identity is provisioned once and kept across inputs (a key, a chain from a
// test CA, the counter journal), as a reader keeps it across hosts: provisioning and the
// P-256 tables are too slow to redo per input.
#include <cstdlib>
#include <cstring>

#include "card_faults.h"
#include "fuzz_input.h"
#include "hostlink_fakes.h"
#include "idr/core/hostlink/extension_commands.h"
#include "idr/crypto/reader_identity.h"
#include "idr/proto/pcsc_envelope.h"
#include "idr/sim/scenario.h"
#include "idr/testing/crypto_rig.h"

namespace {

using idr::Status;

struct ProvisionedReader {
  idr::sim::FlashModel model{4096, 8};
  idr::testing::ModelFlash flash{model};
  idr::testing::SeededRng rng{1};
  idr::crypto::ReaderIdentity identity{flash, rng};
  ProvisionedReader() {
    uint8_t challenge[idr::crypto::kChallengeSize] = {};
    uint8_t signature[idr::crypto::kSignatureSize];
    if (identity.load() != Status::Ok || identity.provision(challenge, signature) != Status::Ok)
      abort();
    const auto cert = idr::testing::TestCa::instance().certify(
        identity.public_key(), std::string("CN=") + identity.serial());
    auto& ca = idr::testing::TestCa::instance();
    const auto chain =
        idr::testing::chain_cbor({cert, ca.certify(ca.public_key().data(), "CN=idr test CA", 1)});
    if (identity.store_chain({chain.data(), chain.size()}, false) != Status::Ok) abort();
  }
};

// The card behind the server whose steps' statuses go through the fault latch, as the card
// driver's SPI, IRQ and UART calls do on the reader (hardware_fault.h).
class LatchedCard final : public idr::core::IdCardReader {
 public:
  LatchedCard(idr::core::IdCardReader& card, idr::core::FaultLatch& latch)
      : card_(card), latch_(latch) {}
  Status init() override { return latch_.note(card_.init()); }
  Status sam_reset() override { return latch_.note(card_.sam_reset()); }
  Status sam_self_test() override { return latch_.note(card_.sam_self_test()); }
  Status sam_id(uint8_t (&id)[16]) override { return latch_.note(card_.sam_id(id)); }
  Status find_card() override { return latch_.note(card_.find_card()); }
  Status select_card(uint8_t (&uid)[idr::card::kUidSize]) override {
    return latch_.note(card_.select_card(uid));
  }
  Status read_base(uint8_t* text, uint8_t* photo) override {
    return latch_.note(card_.read_base(text, photo));
  }
  Status read_fingerprint(uint8_t* fp, size_t& fp_len) override {
    return latch_.note(card_.read_fingerprint(fp, fp_len));
  }
  Status read_addresses(uint8_t* buf, size_t& len) override {
    return latch_.note(card_.read_addresses(buf, len));
  }
  bool issuer_macs_rejected() const override { return card_.issuer_macs_rejected(); }
  void field_off() override { card_.field_off(); }

 private:
  idr::core::IdCardReader& card_;
  idr::core::FaultLatch& latch_;
};

bool status_reply(const idr::test::Bytes& b, uint8_t sw3) {
  return b.size() == idr::hostlink::kStatusReplySize &&
         b[idr::hostlink::kReplyDataOffset - 1] == sw3;
}

// The card a READ_SIGNED reads: the first card of a real scenario.
void load_card(idr::test::FakeReader& reader) {
  static const idr::sim::CardImage image = idr::sim::make_card_image(
      idr::sim::load_scenario(std::string(IDR_SOURCE_DIR) +
                              "/hw-sim/scenarios/resident-fingerprint.json")
          .cards.at(0)
          .spec);
  std::memcpy(reader.text, image.text.data(), sizeof reader.text);
  std::memcpy(reader.photo, image.photo.data(), sizeof reader.photo);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ProvisionedReader* provisioned = new ProvisionedReader();
  idr::fuzz::Input in(data, size);
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link(clock);
  idr::test::FakeReader card;
  load_card(card);
  link.max_per_read = 1 + in.u8();
  const uint8_t which = in.u8();
  idr::fuzz::apply_card_fault(card, which, in.u8());
  // The card fault's byte, divided by the number of faults: 0 the link never fails, n from
  // the n-th reply on its writes fail (seeds older than this keep their meaning).
  const size_t fail_from = which / idr::fuzz::kCardFaults;
  while (!in.empty()) {
    const uint64_t gap_us = uint64_t{in.u8()} * 1000;
    link.send_after(gap_us, in.chunk());
  }
  idr::core::FaultLatch latch;
  LatchedCard latched(card, latch);
  idr::test::RecordingBaudHook baud(link);
  idr::core::ExtensionCommands extension(latched, provisioned->identity, clock);
  idr::core::LegacyServer server(link, clock, latched, &baud, &extension, &latch);
  for (int i = 0; i < 256 && !link.drained(); ++i) {
    if (fail_from != 0 && link.writes.size() + 1 >= fail_from) link.fail_writes = true;
    const bool faulted = latch.faulted();
    const size_t before = link.writes.size();
    const Status served = server.serve_once(100'000);
    if (!link.pending().empty()) abort();  // a reply left half-written
    if (served == Status::Ok && link.writes.size() != before + 1) abort();
    if (served != Status::Ok && link.writes.size() != before) abort();
    // Once faulted, the reader answers every request with the reader-fault reply alone.
    if (faulted && served == Status::Ok &&
        !status_reply(link.writes.back().bytes, idr::hostlink::sw3::kSelfTestFailed))
      abort();
    if (served != Status::Ok && served != Status::Timeout) break;  // the host link failed
  }
  for (const auto& w : link.writes) {
    const auto& b = w.bytes;
    if (b.size() < idr::hostlink::kStatusReplySize || b.size() > idr::hostlink::kMaxReplyFrame ||
        idr::proto::pcsc::frame_size(b.data(), b.size()) != b.size() ||
        idr::hostlink::checksum(b.data() + idr::hostlink::kPreambleSize,
                                b.size() - idr::hostlink::kPreambleSize - 1) != b.back())
      abort();
  }
  // Set baud: the rate changes only after its OK reply left.
  for (const size_t written : baud.writes_before)
    if (written == 0 || !status_reply(link.writes[written - 1].bytes, idr::hostlink::sw3::kOk))
      abort();
  const idr::core::LegacyServerCounters counted = server.counters();
  if (counted.replies != link.writes.size() || counted.fault_replies > counted.replies ||
      (counted.fault_replies != 0 && !latch.faulted()))
    abort();
  return 0;
}
