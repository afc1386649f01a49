#include "idr/sim/sam_model.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace idr::sim {

namespace {

using sam::Cmd;
using sam::Reply;

bool supported_baud(uint32_t b) {
  return b == 115200 || b == 230400 || b == 460800 || b == 921600;
}

uint16_t sw_of(const std::vector<uint8_t>& resp) {
  const size_t n = resp.size();
  return static_cast<uint16_t>((resp[n - 2] << 8) | resp[n - 1]);
}

}  // namespace

SamModel::SamModel(EventQueue& queue, TimeAccounts& accounts, const TimingParams& timing,
                   SamConfig config, uint64_t seed)
    : queue_(queue),
      accounts_(accounts),
      timing_(timing),
      config_(std::move(config)),
      rng_(seed ^ 0x53414D2D6D6F64ull),
      board_baud_(timing.sam_baud),
      sam_baud_(timing.sam_baud),
      tx_baud_(timing.sam_baud) {}

void SamModel::at(Time t, std::function<void()> fn) {
  ++outstanding_;
  std::weak_ptr<int> alive = alive_;
  queue_.schedule(t, [this, alive, fn = std::move(fn)] {
    if (alive.expired()) return;
    --outstanding_;
    fn();
  });
}

void SamModel::set_board_baud(uint32_t baud) {
  if (baud != 0) board_baud_ = baud;
}

void SamModel::board_write(const uint8_t* data, size_t len) {
  const Time per_byte = byte_time(board_baud_);
  Time t = std::max(queue_.now(), board_tx_free_);
  for (size_t i = 0; i < len; ++i) {
    t += per_byte;
    accounts_.sam_link += per_byte;
    const uint8_t b = data[i];
    const uint32_t baud = board_baud_;
    at(t, [this, b, baud, t] { sam_receive(b, baud, t); });
  }
  board_tx_free_ = t;
}

size_t SamModel::board_read(uint8_t* out, size_t max) {
  size_t n = 0;
  while (n < max && !rx_.empty()) {
    out[n++] = rx_.front();
    rx_.pop_front();
  }
  return n;
}

std::vector<uint8_t> SamModel::board_read(size_t max) {
  std::vector<uint8_t> out(std::min(max, rx_.size()));
  out.resize(board_read(out.data(), out.size()));
  return out;
}

std::optional<Time> SamModel::next_byte_time() const {
  if (in_flight_to_board_.empty()) return std::nullopt;
  return in_flight_to_board_.front();
}

// The SAM's receiver: hunts for SOF, reads LEN, collects the frame.
void SamModel::sam_receive(uint8_t byte, uint32_t sent_baud, Time t) {
  if (sent_baud != sam_baud_) byte = garble(byte);
  if (!frame_.empty() && t - last_rx_ > kInterByteTimeout) frame_.clear();
  last_rx_ = t;
  if (frame_.empty() && byte != sam::kSof) return;
  frame_.push_back(byte);
  if (frame_.size() < sam::kHeaderSize) return;
  const size_t len = (static_cast<size_t>(frame_[1]) << 8) | frame_[2];
  if (len < 2 || len > sam::kMaxData + 2) {
    frame_.clear();
    send_reply(Reply{sam::Reply::LengthError, {}}, 0, t, std::nullopt);
    return;
  }
  if (frame_.size() < sam::kHeaderSize + len) return;
  std::vector<uint8_t> f;
  f.swap(frame_);
  frame_complete(f, t);
}

std::optional<SamFaultKind> SamModel::fault_for(uint64_t frame) const {
  for (const SamFault& f : faults_)
    if (f.frame == frame) return f.kind;
  return std::nullopt;
}

void SamModel::frame_complete(const std::vector<uint8_t>& f, Time t) {
  ++frames_handled_;
  const size_t len = f.size() - sam::kHeaderSize;
  frame_commands_.push_back(f[3]);
  std::optional<SamFaultKind> fault = fault_for(frames_handled_);
  // CHK: XOR of the LEN bytes and the body before CHK (sam_link.h).
  if (sam::checksum(f.data() + 1, 2 + len - 1) != f.back()) {
    if (fault == SamFaultKind::WrongMac)
      throw std::logic_error("SAM model: WrongMac fault on a frame with a bad checksum");
    send_reply(Reply{sam::Reply::ChecksumError, {}}, 0, t, std::nullopt, fault);
    return;
  }
  const uint8_t cmd = f[3];
  std::vector<uint8_t> data(f.begin() + 4, f.end() - 1);
  if (fault == SamFaultKind::WrongMac) {
    // The session MAC is the 8 bytes before the card's SW (sam_link.h READ answer).
    if (static_cast<Cmd>(cmd) != Cmd::Unwrap || data.size() < 3 + card::kSessionMacSize + 2)
      throw std::logic_error("SAM model: WrongMac fault on frame " +
                             std::to_string(frames_handled_) +
                             ", which is not an UNWRAP of a card answer (not modelled)");
    data[data.size() - 2 - card::kSessionMacSize] ^= 0x01;
    ++faults_fired_;
    fault.reset();
  }
  std::optional<uint32_t> new_baud;
  const Reply r = handle(cmd, data, new_baud);
  send_reply(r, data.size(), t, new_baud, fault);
}

void SamModel::send_reply(const Reply& r, size_t request_data, Time t,
                          std::optional<uint32_t> new_baud, std::optional<SamFaultKind> fault) {
  // DESIGN 9: sam_per_operation + sam_per_byte * (request + reply data bytes).
  const Time work =
      timing_.sam_per_operation + timing_.sam_per_byte * (request_data + r.data.size());
  const Time ready = std::max(t, sam_busy_until_) + work;
  sam_busy_until_ = ready;
  accounts_.sam_processing += work;

  std::vector<uint8_t> frame{sam::kSof, 0, 0, static_cast<uint8_t>(r.status)};
  const size_t len = 1 + r.data.size() + 1;
  frame[1] = static_cast<uint8_t>(len >> 8);
  frame[2] = static_cast<uint8_t>(len & 0xFF);
  frame.insert(frame.end(), r.data.begin(), r.data.end());
  frame.push_back(sam::checksum(frame.data() + 1, frame.size() - 1));

  Time late = 0;
  if (fault) ++faults_fired_;
  if (fault == SamFaultKind::NoReply) {
    frame.clear();
  } else if (fault == SamFaultKind::LateReply) {
    late = kLateReply;
  } else if (fault == SamFaultKind::Garbled) {
    for (auto& b : frame) b = garble(b);
  } else if (fault == SamFaultKind::Garbage) {
    // A false frame start: SOF, LEN 3, two bytes, a CHK that does not match.
    std::vector<uint8_t> noise{sam::kSof, 0x00, 0x03, static_cast<uint8_t>(rng_()),
                               static_cast<uint8_t>(rng_())};
    noise.push_back(static_cast<uint8_t>(sam::checksum(noise.data() + 1, 4) ^ 0x5A));
    frame.insert(frame.begin(), noise.begin(), noise.end());
  }

  // SET_BAUD: the answer goes out at the old rate, then the SAM switches (sam_link.h).
  const uint32_t baud = tx_baud_;
  const Time per_byte = byte_time(baud);
  Time tx = std::max(ready + late, sam_tx_free_);
  for (uint8_t b : frame) {
    tx += per_byte;
    accounts_.sam_link += per_byte;
    in_flight_to_board_.push_back(tx);
    at(tx, [this, b, baud] {
      in_flight_to_board_.pop_front();
      rx_.push_back(baud == board_baud_ ? b : garble(b));
    });
  }
  sam_tx_free_ = tx;
  if (new_baud) {
    tx_baud_ = *new_baud;
    const uint32_t nb = *new_baud;
    at(tx, [this, nb] { sam_baud_ = nb; });
  }
}

void SamModel::drop_session() {
  phase_ = Phase::None;
  kc_ = {};
  rnd_s_ = {};
  rnd_c_ = {};
  session_ = {};
  base_seen_ = {};
  fp_seen_ = {};
}

SamModel::Reply SamModel::handle(uint8_t cmd, const std::vector<uint8_t>& data,
                                 std::optional<uint32_t>& new_baud) {
  switch (static_cast<Cmd>(cmd)) {
    case Cmd::GetId:
      if (!data.empty()) return Reply{sam::Reply::LengthError, {}};
      return Reply{sam::Reply::Ok, std::vector<uint8_t>(config_.id.begin(), config_.id.end())};
    case Cmd::Reset:
      if (!data.empty()) return Reply{sam::Reply::LengthError, {}};
      drop_session();
      return Reply{};
    case Cmd::SetBaud: {
      if (data.size() != 4) return Reply{sam::Reply::LengthError, {}};
      const uint32_t b = (static_cast<uint32_t>(data[0]) << 24) |
                         (static_cast<uint32_t>(data[1]) << 16) |
                         (static_cast<uint32_t>(data[2]) << 8) | data[3];
      if (!supported_baud(b)) return Reply{sam::Reply::CommandError, {}};
      new_baud = b;
      return Reply{};
    }
    case Cmd::SelfTest:
      if (!data.empty()) return Reply{sam::Reply::LengthError, {}};
      return Reply{};
    case Cmd::AuthStart:
      return auth_start(data);
    case Cmd::AuthNext:
      return auth_next(data);
    case Cmd::Unwrap:
      return unwrap(data);
  }
  return Reply{sam::Reply::CommandError, {}};
}

// AUTH_START(uid) -> INTERNAL AUTHENTICATE 00 88 00 00 10 rndS.
SamModel::Reply SamModel::auth_start(const std::vector<uint8_t>& data) {
  if (data.size() != card::kUidSize) return Reply{sam::Reply::LengthError, {}};
  drop_session();
  standin::Uid uid{};
  std::copy(data.begin(), data.end(), uid.begin());
  kc_ = standin::card_key(config_.keys.master, uid);
  for (auto& b : rnd_s_) b = static_cast<uint8_t>(rng_() & 0xFF);
  phase_ = Phase::SentInternalAuth;
  std::vector<uint8_t> apdu{0x00, 0x88, 0x00, 0x00, 0x10};
  apdu.insert(apdu.end(), rnd_s_.begin(), rnd_s_.end());
  return Reply{sam::Reply::Ok, apdu};
}

// AUTH_NEXT(card response incl. SW) -> next APDU, or empty data once authenticated.
SamModel::Reply SamModel::auth_next(const std::vector<uint8_t>& resp) {
  if (resp.size() < 2) return Reply{sam::Reply::LengthError, {}};
  const uint16_t sw = sw_of(resp);
  switch (phase_) {
    case Phase::SentInternalAuth: {
      const standin::Block expected = standin::internal_auth_response(kc_, rnd_s_);
      if (sw != card::kSwOk || resp.size() != 16 + 2 ||
          !standin::equal_ct(expected.data(), resp.data(), 16)) {
        drop_session();
        return Reply{sam::Reply::SamRejectedCard, {}};
      }
      phase_ = Phase::SentGetChallenge;
      return Reply{sam::Reply::Ok, {0x00, 0x84, 0x00, 0x00, 0x08}};
    }
    case Phase::SentGetChallenge: {
      if (sw != card::kSwOk || resp.size() != 8 + 2) {
        drop_session();
        return Reply{sam::Reply::SamRejectedCard, {}};
      }
      std::copy(resp.begin(), resp.begin() + 8, rnd_c_.begin());
      const standin::Block crypt = standin::external_auth_cryptogram(kc_, rnd_c_, rnd_s_);
      phase_ = Phase::SentExternalAuth;
      std::vector<uint8_t> apdu{0x00, 0x82, 0x00, 0x00, 0x10};
      apdu.insert(apdu.end(), crypt.begin(), crypt.end());
      return Reply{sam::Reply::Ok, apdu};
    }
    case Phase::SentExternalAuth:
      if (sw != card::kSwOk || resp.size() != 2) {
        drop_session();
        return Reply{sam::Reply::CardRejectedSam, {}};
      }
      session_ = standin::session_keys(kc_, rnd_s_, rnd_c_);
      phase_ = Phase::Authenticated;
      return Reply{};
    case Phase::None:
    case Phase::Authenticated:
      break;
  }
  return Reply{sam::Reply::StateError, {}};
}

// UNWRAP(file, offset BE, card response incl. SW) -> plain bytes; file 04 checks the issuer
// MACs against what this session unwrapped (sam_link.h).
SamModel::Reply SamModel::unwrap(const std::vector<uint8_t>& data) {
  if (data.size() < 3 + card::kSessionMacSize + 1 + 2) return Reply{sam::Reply::LengthError, {}};
  if (phase_ != Phase::Authenticated) return Reply{sam::Reply::StateError, {}};
  const uint8_t file = data[0];
  const uint16_t offset = static_cast<uint16_t>((data[1] << 8) | data[2]);
  const std::vector<uint8_t> resp(data.begin() + 3, data.end());
  if (sw_of(resp) != card::kSwOk) return Reply{sam::Reply::DataCheckFailed, {}};
  auto plain = standin::unwrap_read(session_, file, offset, resp.data(), resp.size() - 2);
  if (!plain) return Reply{sam::Reply::DataCheckFailed, {}};

  auto remember = [&](uint8_t* buf, bool* seen, size_t cap) {
    for (size_t i = 0; i < plain->size() && offset + i < cap; ++i) {
      buf[offset + i] = (*plain)[i];
      seen[offset + i] = true;
    }
  };
  if (file == card::kFileBase) remember(base_.data(), base_seen_.data(), base_.size());
  if (file == card::kFileFingerprint) remember(fp_.data(), fp_seen_.data(), fp_.size());
  if (file == card::kFileSecurity) {
    if (offset != 0 || plain->size() != card::kSecurityFileSize)
      return Reply{sam::Reply::StateError, {}};
    if (!std::all_of(base_seen_.begin(), base_seen_.end(), [](bool b) { return b; }))
      return Reply{sam::Reply::StateError, {}};
    const standin::Block base_mac =
        standin::aes_cmac(config_.keys.issuer, base_.data(), base_.size());
    if (!standin::equal_ct(base_mac.data(), plain->data(), card::kMacSize))
      return Reply{sam::Reply::DataCheckFailed, {}};
    // The fingerprint MAC covers the whole fingerprint file: checked over the contiguous
    // bytes unwrapped from offset 0, when the session read any.
    const size_t fp_len =
        static_cast<size_t>(std::find(fp_seen_.begin(), fp_seen_.end(), false) - fp_seen_.begin());
    if (fp_len > 0) {
      const standin::Block fp_mac = standin::aes_cmac(config_.keys.issuer, fp_.data(), fp_len);
      if (!standin::equal_ct(fp_mac.data(), plain->data() + card::kMacSize, card::kMacSize))
        return Reply{sam::Reply::DataCheckFailed, {}};
    }
  }
  return Reply{sam::Reply::Ok, std::move(*plain)};
}

}  // namespace idr::sim
