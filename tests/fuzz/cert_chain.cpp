// Firmware certificate chain parsing and store (firmware/crypto KeyStore): ProvisionCerts
// data as the store validates it (CBOR array of 2..8 DER byte strings, first key = ours),
// and the other identity slot as load() finds it in flash (raw bytes, or bytes behind a
// 16-byte "ICHN" length/CRC header; either may make the store a Fault, never a crash), and
// (mode 3) the authorised chain for a new key pending after a rekey. The store is
// provisioned once (a fixed key from a seeded RNG; for mode 3 also chained and rekeyed from
// a second seeded RNG) and each input starts from a copy of that flash; seeds come from
// make_seeds, which makes the same keys.
#include <cstdlib>
#include <vector>

#include "fuzz_input.h"
#include "idr/crypto/bytes.h"
#include "idr/crypto/key_store.h"
#include "idr/crypto/p256.h"
#include "idr/testing/crypto_rig.h"

namespace {

using idr::Status;
constexpr uint32_t kPageSize = 4096, kPages = 4, kKeyPage = 2, kChainPage = 3;
constexpr size_t kHeader = 16;  // the crafted prefix of mode 2

// The provisioned flash image every input of modes 0..2 starts from.
const std::vector<uint8_t>& provisioned_image() {
  static const std::vector<uint8_t> image = [] {
    idr::sim::FlashModel model(kPageSize, kPages);
    idr::testing::ModelFlash flash(model);
    idr::testing::SeededRng rng(1);
    idr::crypto::KeyStore keys(flash, kKeyPage, kChainPage);
    if (keys.load() != Status::Ok || keys.provision(rng) != Status::Ok) abort();
    return model.contents();
  }();
  return image;
}

// Mode 3's: that key with a chain from the test CA, then a new key pending (SeededRng 2).
const std::vector<uint8_t>& rekeyed_image() {
  static const std::vector<uint8_t> image = [] {
    idr::sim::FlashModel model(kPageSize, kPages);
    idr::testing::ModelFlash flash(model);
    idr::testing::SeededRng rng(1), rekey_rng(2);
    idr::crypto::KeyStore keys(flash, kKeyPage, kChainPage);
    if (keys.load() != Status::Ok || keys.provision(rng) != Status::Ok) abort();
    auto& ca = idr::testing::TestCa::instance();
    const auto chain =
        idr::testing::chain_cbor({ca.certify(keys.public_key(), "CN=IDR-FUZZ"),
                                  ca.certify(ca.public_key().data(), "CN=idr test CA")});
    idr::crypto::P256Group group;
    if (keys.store_chain({chain.data(), chain.size()}, false) != Status::Ok ||
        keys.rekey(group, rekey_rng) != Status::Ok || !keys.has_pending_key())
      abort();
    return model.contents();
  }();
  return image;
}

void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idr::fuzz::Input in(data, size);
  idr::sim::FlashModel model(kPageSize, kPages);
  const uint8_t mode = in.u8() % 4;
  const auto& image = mode == 3 ? rekeyed_image() : provisioned_image();
  for (uint32_t page = 0; page < kPages; ++page)
    if (model.program(page * kPageSize, image.data() + page * kPageSize, kPageSize) != Status::Ok)
      abort();
  idr::testing::ModelFlash flash(model);
  std::vector<uint8_t> body = in.rest();
  if (mode == 1 || mode == 2) {  // a chain page as flash holds it
    std::vector<uint8_t> page(kHeader + body.size());
    if (page.size() > kPageSize) page.resize(kPageSize);
    const size_t n = page.size() - kHeader;
    if (mode == 1) {
      page.assign(body.begin(),
                  body.begin() + static_cast<long>(std::min(body.size(), page.size())));
    } else {
      const uint8_t magic[4] = {'I', 'C', 'H', 'N'};
      std::copy(magic, magic + 4, page.begin());
      put_be32(page.data() + 4, static_cast<uint32_t>(n));
      put_be32(page.data() + 8, idr::crypto::crc32(body.data(), n));
      std::copy(body.begin(), body.begin() + static_cast<long>(n), page.begin() + 16);
    }
    if (!page.empty() &&
        model.program(kChainPage * kPageSize, page.data(), page.size()) != Status::Ok)
      abort();
  }
  idr::crypto::KeyStore keys(flash, kKeyPage, kChainPage);
  if (keys.load() != Status::Ok) abort();
  if (mode == 0 && !keys.has_key()) abort();  // slot B untouched: the provisioned key
  if (mode == 0) (void)keys.store_chain(idr::crypto::ByteView{body.data(), body.size()}, false);
  if (mode == 3) {
    if (!keys.has_pending_key()) abort();
    (void)keys.store_chain(idr::crypto::ByteView{body.data(), body.size()}, true);
  }
  if (keys.chain_size() > idr::crypto::KeyStore::kMaxChainSize) abort();
  std::vector<uint8_t> out(keys.chain_size());
  if (keys.read_chain(out.data(), out.size()) != Status::Ok) abort();
  return 0;
}
