#include "idr/sim/resident_id_card.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace idr::sim {

namespace {

std::vector<uint8_t> sw(uint16_t w) {
  return {static_cast<uint8_t>(w >> 8), static_cast<uint8_t>(w & 0xFF)};
}
std::vector<uint8_t> with_sw(std::vector<uint8_t> data, uint16_t w) {
  data.push_back(static_cast<uint8_t>(w >> 8));
  data.push_back(static_cast<uint8_t>(w & 0xFF));
  return data;
}

constexpr uint8_t kInsGetUid = 0x36;
constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsInternalAuth = 0x88;
constexpr uint8_t kInsGetChallenge = 0x84;
constexpr uint8_t kInsExternalAuth = 0x82;
constexpr uint8_t kInsRead = 0xB0;

}  // namespace

ResidentIdCard::ResidentIdCard(std::string label, CardImage image, const standin::Keys& keys,
                               const TimingParams& timing, uint64_t seed)
    : TypeBCard(std::move(label), timing, seed), image_(std::move(image)) {
  const size_t fp = image_.fingerprint.size();
  if (fp != 0 && fp != card::kFingerprintTemplateSize && fp != card::kFingerprintSize)
    throw std::invalid_argument("ResidentIdCard: fingerprint must be 0, 512 or 1024 bytes, not " +
                                std::to_string(fp));
  if (image_.addresses.size() > card::kAddressEntries)
    throw std::invalid_argument("ResidentIdCard: at most 4 appended addresses");
  kc_ = standin::card_key(keys.master, image_.uid);
  base_ = image_.base_file();
  // File 02 is 2 x 512 bytes whenever present; a card with one template has a zero second
  // half (what readers test to report 512 bytes, id_card_reader.h).
  fingerprint_ = image_.fingerprint;
  if (!fingerprint_.empty()) fingerprint_.resize(card::kFingerprintSize, 0);
  addresses_ = image_.address_file();
  const auto sec = standin::security_file(keys.issuer, base_.data(), base_.size(),
                                          fingerprint_.data(), fingerprint_.size());
  security_.assign(sec.begin(), sec.end());
}

void ResidentIdCard::corrupt_file_byte(uint8_t id, size_t offset, uint8_t xor_mask) {
  std::vector<uint8_t>* f = nullptr;
  if (id == card::kFileBase) f = &base_;
  if (id == card::kFileFingerprint) f = &fingerprint_;
  if (id == card::kFileAddress) f = &addresses_;
  if (id == card::kFileSecurity) f = &security_;
  if (f == nullptr || offset >= f->size())
    throw std::out_of_range("ResidentIdCard::corrupt_file_byte: no such file byte");
  (*f)[offset] = static_cast<uint8_t>((*f)[offset] ^ xor_mask);
}

// DESIGN 6: 00 (106 kbit/s only), 80 (max frame 256, not ISO 14443-4), FWI in the upper
// nibble of the third byte with ADC = 0, FO = 0 (ISO/IEC 14443-3 7.9.4, Figure 25).
std::array<uint8_t, 3> ResidentIdCard::protocol_info() const {
  return {0x00, 0x80, static_cast<uint8_t>((timing().card_fwi & 0x0F) << 4)};
}

void ResidentIdCard::on_reset() {
  selected_.reset();
  rnd_s_.reset();
  rnd_c_.reset();
  authenticated_ = false;
  session_ = {};
}

const std::vector<uint8_t>* ResidentIdCard::file(uint8_t id) const {
  switch (id) {
    case card::kFileBase:
      return &base_;
    case card::kFileFingerprint:
      return fingerprint_.empty() ? nullptr : &fingerprint_;
    case card::kFileAddress:
      return &addresses_;
    case card::kFileSecurity:
      return &security_;
    default:
      return nullptr;
  }
}

Time ResidentIdCard::auth_share(int step) const {
  const Time third = timing().card_auth_total / 3;
  return step < 2 ? third : timing().card_auth_total - 2 * third;
}

std::optional<std::vector<uint8_t>> ResidentIdCard::on_active_frame(const std::vector<uint8_t>& p,
                                                                    Time& processing) {
  // ISO/IEC 14443-3 7.4.7: REQB/WUPB, Slot-MARKER and ATTRIB are not answered when ACTIVE.
  if (p.size() == 3 && p[0] == 0x05) return std::nullopt;
  if (p.size() == 1) return std::nullopt;
  if (p.size() >= 9 && p[0] == 0x1D) return std::nullopt;
  // HLTB with our PUPI puts the card to HALT even when ACTIVE (this card has no
  // ISO 14443-4 DESELECT); a read card then answers only WUPB (DESIGN 8).
  if (p.size() == 5 && p[0] == 0x50 && p[1] == 0 && p[2] == 0 && p[3] == 0 && p[4] == 0) {
    set_state(TypeBState::Halt);
    on_reset();
    processing = answer_time(1);
    return std::vector<uint8_t>{0x00};
  }
  processing = 0;
  std::vector<uint8_t> r = apdu(p, processing);
  if (processing == 0) processing = answer_time(r.size());
  return r;
}

std::vector<uint8_t> ResidentIdCard::apdu(const std::vector<uint8_t>& c, Time& processing) {
  if (c.size() < 5) return sw(card::kSwWrongLength);
  const uint8_t cla = c[0];
  const uint8_t ins = c[1];
  if (cla != 0x00 && cla != 0x80) return sw(card::kSwClaNotSupported);
  if (cla == 0x80) {
    if (ins == kInsRead) return read(c);
    return sw(card::kSwInsNotSupported);
  }
  switch (ins) {
    case kInsGetUid:
      if (c.size() != 5 || c[2] != 0 || c[3] != 0) return sw(card::kSwWrongOffset);
      if (c[4] != card::kUidSize) return sw(card::kSwWrongLength);
      return with_sw(std::vector<uint8_t>(image_.uid.begin(), image_.uid.end()), card::kSwOk);
    case kInsSelect:
      return select(c);
    case kInsInternalAuth:
      return internal_authenticate(c, processing);
    case kInsGetChallenge:
      return get_challenge(c, processing);
    case kInsExternalAuth:
      return external_authenticate(c, processing);
    default:
      return sw(card::kSwInsNotSupported);
  }
}

// SELECT 00 A4 00 00 02 60 <id> (DESIGN 6).
std::vector<uint8_t> ResidentIdCard::select(const std::vector<uint8_t>& c) {
  if (c[2] != 0 || c[3] != 0) return sw(card::kSwWrongOffset);
  if (c[4] != 2 || c.size() < 7 || c.size() > 8) return sw(card::kSwWrongLength);
  if (c[5] != card::kFileDirectory || file(c[6]) == nullptr) {
    selected_.reset();
    return sw(card::kSwFileNotFound);
  }
  selected_ = c[6];
  return sw(card::kSwOk);
}

// INTERNAL AUTHENTICATE 00 88 00 00 10 rndS -> AES(Kc, rndS) 90 00 (sam_link.h). Starts a
// new authentication: any previous session ends.
std::vector<uint8_t> ResidentIdCard::internal_authenticate(const std::vector<uint8_t>& c,
                                                           Time& processing) {
  if (c[2] != 0 || c[3] != 0) return sw(card::kSwWrongOffset);
  if (c[4] != 16 || (c.size() != 5 + 16 && c.size() != 5 + 16 + 1)) return sw(card::kSwWrongLength);
  authenticated_ = false;
  rnd_c_.reset();
  standin::Block rnd_s{};
  std::copy(c.begin() + 5, c.begin() + 21, rnd_s.begin());
  rnd_s_ = rnd_s;
  const standin::Block answer = standin::internal_auth_response(kc_, rnd_s);
  processing = auth_share(0);
  return with_sw(std::vector<uint8_t>(answer.begin(), answer.end()), card::kSwOk);
}

// GET CHALLENGE 00 84 00 00 08 -> rndC(8) 90 00.
std::vector<uint8_t> ResidentIdCard::get_challenge(const std::vector<uint8_t>& c,
                                                   Time& processing) {
  if (c.size() != 5 || c[2] != 0 || c[3] != 0) return sw(card::kSwWrongOffset);
  if (c[4] != 8) return sw(card::kSwWrongLength);
  authenticated_ = false;
  std::array<uint8_t, 8> rnd_c{};
  for (auto& b : rnd_c) b = static_cast<uint8_t>(rng()() & 0xFF);
  rnd_c_ = rnd_c;
  processing = auth_share(1);
  return with_sw(std::vector<uint8_t>(rnd_c.begin(), rnd_c.end()), card::kSwOk);
}

// EXTERNAL AUTHENTICATE 00 82 00 00 10 AES(Kc, rndC || rndS[0..8)) -> 90 00 or 63 00.
std::vector<uint8_t> ResidentIdCard::external_authenticate(const std::vector<uint8_t>& c,
                                                           Time& processing) {
  if (c[2] != 0 || c[3] != 0) return sw(card::kSwWrongOffset);
  if (c[4] != 16 || c.size() != 5 + 16) return sw(card::kSwWrongLength);
  if (!rnd_s_ || !rnd_c_) return sw(kSwConditionsNotSatisfied);
  const standin::Block expected = standin::external_auth_cryptogram(kc_, *rnd_c_, *rnd_s_);
  processing = auth_share(2);
  const bool ok = standin::equal_ct(expected.data(), c.data() + 5, 16);
  if (!ok) {
    rnd_c_.reset();  // a challenge is good for one attempt
    authenticated_ = false;
    return sw(card::kSwAuthFailed);
  }
  session_ = standin::session_keys(kc_, *rnd_s_, *rnd_c_);
  rnd_c_.reset();
  authenticated_ = true;
  return sw(card::kSwOk);
}

// READ 80 B0 off_hi off_lo Le -> C || M || 90 00. A read that starts inside the file but
// runs past its end returns the bytes up to the end (short answer, same wrapping), so
// a reader never needs to know a file's size exactly.
std::vector<uint8_t> ResidentIdCard::read(const std::vector<uint8_t>& c) {
  if (c.size() != 5) return sw(card::kSwWrongLength);
  if (!authenticated_) return sw(card::kSwSecurityNotSatisfied);
  if (!selected_) return sw(kSwNoCurrentEf);
  const std::vector<uint8_t>& f = *file(*selected_);
  const uint16_t offset = static_cast<uint16_t>((c[2] << 8) | c[3]);
  const size_t le = c[4];
  if (le == 0 || le > card::kReadChunk) return sw(card::kSwWrongLength);
  if (offset >= f.size()) return sw(card::kSwWrongOffset);
  const size_t n = std::min(le, f.size() - offset);
  return with_sw(standin::wrap_read(session_, *selected_, offset, f.data() + offset, n),
                 card::kSwOk);
}

}  // namespace idr::sim
