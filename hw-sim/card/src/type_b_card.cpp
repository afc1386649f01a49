#include "idr/sim/type_b_card.h"

#include <utility>

#include "idr/sim/crc_b.h"

namespace idr::sim {

namespace {

constexpr uint8_t kApf = 0x05;         // ISO/IEC 14443-3 7.7.2
constexpr uint8_t kAttrib = 0x1D;      // 7.10.1
constexpr uint8_t kHltb = 0x50;        // 7.12
constexpr uint8_t kParamWupb = 0x08;   // 7.7.4: b4
constexpr uint8_t kParamSlots = 0x07;  // 7.7.4: b3..b1, Table 13

}  // namespace

const char* to_string(TypeBState s) {
  switch (s) {
    case TypeBState::PowerOff:
      return "POWER-OFF";
    case TypeBState::Idle:
      return "IDLE";
    case TypeBState::ReadyRequested:
      return "READY-REQUESTED";
    case TypeBState::ReadyDeclared:
      return "READY-DECLARED";
    case TypeBState::Active:
      return "ACTIVE";
    case TypeBState::Halt:
      return "HALT";
  }
  return "?";
}

TypeBCard::TypeBCard(std::string label, const TimingParams& timing, uint64_t seed)
    : label_(std::move(label)), timing_(timing), rng_(seed) {}

void TypeBCard::power_on() {
  state_ = TypeBState::Idle;
  slot_ = 0;
  on_reset();
}

void TypeBCard::power_off() {
  state_ = TypeBState::PowerOff;
  slot_ = 0;
  on_reset();
}

Time TypeBCard::answer_time(size_t response_bytes) const {
  return timing_.card_turnaround + timing_.card_per_response_byte * response_bytes;
}

// Table 12: 00 all; X0 family X; XY exactly; 0Y proprietary sub-family Y.
bool TypeBCard::afi_matches(uint8_t requested) const {
  if (requested == 0x00) return true;
  const uint8_t mine = afi();
  if ((requested & 0x0F) == 0) return (mine & 0xF0) == (requested & 0xF0);
  return mine == requested;
}

std::optional<std::vector<uint8_t>> TypeBCard::atqb() const {
  std::vector<uint8_t> a{0x50};
  for (uint8_t b : pupi()) a.push_back(b);
  for (uint8_t b : application_data()) a.push_back(b);
  for (uint8_t b : protocol_info()) a.push_back(b);
  return a;
}

// 7.6: N = 1 or R = 1 answers now (READY-DECLARED); R > 1 waits for Slot-MARKER R (option 2).
std::optional<std::vector<uint8_t>> TypeBCard::on_reqb(const std::vector<uint8_t>& p) {
  const uint8_t param = p[2];
  const bool wupb = (param & kParamWupb) != 0;
  const uint8_t n_code = param & kParamSlots;
  if (n_code > 4) return std::nullopt;  // RFU
  if (state_ == TypeBState::Active) return std::nullopt;
  if (state_ == TypeBState::Halt && !wupb) return std::nullopt;
  if (!afi_matches(p[1])) return std::nullopt;  // not a valid REQB for this card (7.4.4)
  const unsigned n = 1u << n_code;
  slot_ = n == 1 ? 1 : static_cast<unsigned>(std::uniform_int_distribution<unsigned>(1, n)(rng_));
  if (slot_ == 1) {
    state_ = TypeBState::ReadyDeclared;
    return atqb();
  }
  state_ = TypeBState::ReadyRequested;
  return std::nullopt;
}

std::optional<CardAnswer> TypeBCard::receive(const std::vector<uint8_t>& frame) {
  // 7.5: frames with an invalid CRC_B are ignored; 7.4.2: no answer on errors.
  if (state_ == TypeBState::PowerOff || frame.size() < 3 ||
      !check_crc_b(frame.data(), frame.size()))
    return std::nullopt;
  const std::vector<uint8_t> p(frame.begin(), frame.end() - 2);

  std::optional<std::vector<uint8_t>> answer;
  Time processing = 0;
  bool processing_set = false;
  if (state_ == TypeBState::Active) {
    answer = on_active_frame(p, processing);
    processing_set = true;
  } else if (p.size() == 3 && p[0] == kApf) {
    answer = on_reqb(p);
  } else if (p.size() == 1 && (p[0] & 0x0F) == kApf && (p[0] >> 4) != 0) {
    // Slot-MARKER APn = nnnn 0101, slot number nnnn + 1 (7.8.2, Table 14).
    if (state_ == TypeBState::ReadyRequested && slot_ == static_cast<unsigned>((p[0] >> 4) + 1)) {
      state_ = TypeBState::ReadyDeclared;
      answer = atqb();
    }
  } else if (p.size() >= 9 && p[0] == kAttrib) {
    const std::array<uint8_t, 4> id{p[1], p[2], p[3], p[4]};
    if (state_ == TypeBState::ReadyDeclared && id == pupi()) {
      state_ = TypeBState::Active;
      // 7.11: MBLI 0 (no information) | CID from Param 4.
      answer = std::vector<uint8_t>{static_cast<uint8_t>(p[8] & 0x0F)};
    }
  } else if (p.size() == 5 && p[0] == kHltb) {
    const std::array<uint8_t, 4> id{p[1], p[2], p[3], p[4]};
    if (state_ == TypeBState::ReadyDeclared && id == pupi()) {
      state_ = TypeBState::Halt;
      answer = std::vector<uint8_t>{0x00};  // 7.12, Figure 31
    }
  }
  if (!answer) return std::nullopt;
  if (!processing_set) processing = answer_time(answer->size());
  uint8_t crc[2];
  append_crc_b(answer->data(), answer->size(), crc);
  answer->push_back(crc[0]);
  answer->push_back(crc[1]);
  return CardAnswer{std::move(*answer), processing};
}

}  // namespace idr::sim
