// The firmware host link (firmware/core/hostlink): byte streams from a hostile host into the
// request parser, feeding the legacy commands and the extension commands (device info,
// chain, READ_SIGNED, set time, counter, self-test, provisioning) of a provisioned reader
// whose key, chain and counter live on the hw-sim flash model. The stream arrives in
// chunks with gaps the input picks (virtual time), so partial frames time out too; the card
// behind it fails where the input says (card_faults.h). Every write must be exactly one
// well-formed reply frame.
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
  while (!in.empty()) {
    const uint64_t gap_us = uint64_t{in.u8()} * 1000;
    link.send_after(gap_us, in.chunk());
  }
  idr::core::ExtensionCommands extension(card, provisioned->identity, clock);
  idr::core::LegacyServer server(link, clock, card, nullptr, &extension);
  for (int i = 0; i < 256 && !link.drained(); ++i) (void)server.serve_once(100'000);
  for (const auto& w : link.writes) {
    const auto& b = w.bytes;
    if (b.size() < idr::hostlink::kStatusReplySize || b.size() > idr::hostlink::kMaxReplyFrame ||
        idr::proto::pcsc::frame_size(b.data(), b.size()) != b.size() ||
        idr::hostlink::checksum(b.data() + idr::hostlink::kPreambleSize,
                                b.size() - idr::hostlink::kPreambleSize - 1) != b.back())
      abort();
  }
  return 0;
}
