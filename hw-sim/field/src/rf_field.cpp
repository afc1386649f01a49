#include "idr/sim/rf_field.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace idr::sim {

namespace {

// SOF of a Type B frame: 10 etu low + 2 etu high (ISO/IEC 14443-3 7.1.4, minimum of each).
constexpr Time kSofTime = fc_cycles(kEtuFc * 12);
constexpr Time kCharTime = fc_cycles(kEtuFc * 10);

// The reader frame that ended now began this long ago (used for presence while it was sent).
Time frame_start(Time end, size_t bytes) {
  const Time d = type_b_frame_time(bytes);
  return end > d ? end - d : 0;
}

}  // namespace

RfField::RfField(EventQueue& queue, TimeAccounts& accounts, const TimingParams& timing,
                 uint64_t seed)
    : queue_(queue), accounts_(accounts), timing_(timing), rng_(seed ^ 0x52462D6669656C64ull) {}

size_t RfField::add_card(std::shared_ptr<RfCard> card, std::vector<PresenceInterval> timeline,
                         LinkFaults faults) {
  if (!card) throw std::invalid_argument("RfField::add_card: null card");
  cards_.push_back(Slot{std::move(card), {}, faults, std::nullopt});
  set_timeline(cards_.size() - 1, std::move(timeline));
  return cards_.size() - 1;
}

void RfField::set_timeline(size_t card, std::vector<PresenceInterval> timeline) {
  if (card >= cards_.size()) throw std::out_of_range("RfField: no card " + std::to_string(card));
  std::sort(
      timeline.begin(), timeline.end(),
      [](const PresenceInterval& a, const PresenceInterval& b) { return a.arrive < b.arrive; });
  for (size_t i = 0; i < timeline.size(); ++i) {
    const auto& iv = timeline[i];
    if (iv.remove && *iv.remove <= iv.arrive)
      throw std::invalid_argument("RfField: card " + std::to_string(card) +
                                  " removal must come after its arrival");
    if (i + 1 < timeline.size() && (!iv.remove || *iv.remove > timeline[i + 1].arrive))
      throw std::invalid_argument("RfField: card " + std::to_string(card) +
                                  " presence intervals overlap");
  }
  cards_[card].timeline = std::move(timeline);
}

void RfField::card_arrives(size_t card, Time at) {
  if (card >= cards_.size()) throw std::out_of_range("RfField: no card " + std::to_string(card));
  auto tl = cards_[card].timeline;
  // Drop what lies after `at`; an interval covering `at` already has the card present.
  std::vector<PresenceInterval> kept;
  for (const auto& iv : tl) {
    if (iv.arrive >= at) continue;
    kept.push_back(iv);
  }
  if (!kept.empty() && (!kept.back().remove || *kept.back().remove > at)) {
    kept.back().remove.reset();
  } else {
    kept.push_back(PresenceInterval{at, std::nullopt});
  }
  set_timeline(card, std::move(kept));
}

void RfField::card_leaves(size_t card, Time at) {
  if (card >= cards_.size()) throw std::out_of_range("RfField: no card " + std::to_string(card));
  std::vector<PresenceInterval> kept;
  for (const auto& iv : cards_[card].timeline) {
    if (iv.arrive >= at) continue;
    PresenceInterval c = iv;
    if (!c.remove || *c.remove > at) c.remove = at;
    kept.push_back(c);
  }
  set_timeline(card, std::move(kept));
}

void RfField::set_card_faults(size_t card, LinkFaults faults) {
  if (card >= cards_.size()) throw std::out_of_range("RfField: no card " + std::to_string(card));
  cards_[card].faults = faults;
}

RfCard& RfField::card(size_t index) {
  if (index >= cards_.size()) throw std::out_of_range("RfField: no card " + std::to_string(index));
  return *cards_[index].card;
}

const PresenceInterval* RfField::interval_at(const Slot& s, Time t) const {
  for (const auto& iv : s.timeline) {
    if (iv.arrive <= t && (!iv.remove || t < *iv.remove)) return &iv;
  }
  return nullptr;
}

bool RfField::card_present(size_t index, Time at) const {
  if (index >= cards_.size()) throw std::out_of_range("RfField: no card " + std::to_string(index));
  return interval_at(cards_[index], at) != nullptr;
}

// Power is evaluated lazily: a card is powered while the field is on and it is in the field;
// it powered up at the later of the two starts. A different power-up time than last seen
// means it lost power in between (left and came back, or the field blinked): fresh IDLE.
void RfField::sync_power(Slot& s, Time t) {
  const PresenceInterval* iv = field_on_ ? interval_at(s, t) : nullptr;
  if (iv == nullptr) {
    if (s.powered_since) {
      s.card->power_off();
      s.powered_since.reset();
    }
    return;
  }
  const Time since = std::max(field_on_since_, iv->arrive);
  if (s.powered_since && *s.powered_since == since) return;
  if (s.powered_since) s.card->power_off();
  s.card->power_on();
  s.powered_since = since;
}

void RfField::set_field(bool on) {
  const Time now = queue_.now();
  if (on && !field_on_) field_on_since_ = now;
  field_on_ = on;
  for (auto& s : cards_) sync_power(s, now);
}

double RfField::combined(double card_rate, double field_rate) const {
  return 1.0 - (1.0 - card_rate) * (1.0 - field_rate);
}

void RfField::apply_bit_errors(std::vector<uint8_t>& bytes, double rate) {
  if (rate <= 0.0) return;
  std::bernoulli_distribution flip(std::min(rate, 1.0));
  for (auto& b : bytes) {
    for (int bit = 0; bit < 8; ++bit) {
      if (flip(rng_)) b = static_cast<uint8_t>(b ^ (1u << bit));
    }
  }
}

bool RfField::apply_frame_faults(std::vector<uint8_t>& bytes, const std::vector<FrameFault>& faults,
                                 FrameDirection direction) {
  bool acted = false;
  for (const FrameFault& f : faults) {
    if (f.direction != direction || f.kind == FrameFaultKind::Tear || bytes.empty()) continue;
    size_t bit = 0;
    if (f.kind == FrameFaultKind::BitError) {
      bit = f.bit % (bytes.size() * 8);
    } else {
      // A Type B frame is at least one byte and its CRC_B (ISO/IEC 14443-3 7.2).
      if (bytes.size() < 3)
        throw std::logic_error("RfField: CRC fault on a " + std::to_string(bytes.size()) +
                               "-byte frame, which has no CRC_B to corrupt");
      bit = (bytes.size() - 2) * 8 + f.bit % 16;
    }
    bytes[bit / 8] = static_cast<uint8_t>(bytes[bit / 8] ^ (1u << (bit % 8)));
    acted = true;
  }
  return acted;
}

std::optional<AirReply> RfField::transmit(const AirFrame& frame) {
  const Time now = queue_.now();
  for (auto& s : cards_) sync_power(s, now);
  // ID cards speak Type B at 106 kbit/s only (DESIGN 6): anything else is noise to them.
  if (!field_on_ || frame.protocol != AirProtocol::TypeB || frame.bitrate_kbps != 106 ||
      frame.bytes.empty())
    return std::nullopt;
  const Time started = frame_start(now, frame.bytes.size());

  // The campaign's faults on this frame.
  ++frames_on_air_;
  std::vector<FrameFault> faults;
  for (const FrameFault& f : frame_faults_)
    if (f.frame == frames_on_air_) faults.push_back(f);
  bool tear_answer = false;
  for (const FrameFault& f : faults) {
    if (f.kind != FrameFaultKind::Tear) continue;
    if (f.direction == FrameDirection::Answer) {
      tear_answer = true;
      continue;
    }
    bool left = false;
    for (size_t i = 0; i < cards_.size(); ++i) {
      if (interval_at(cards_[i], now) == nullptr) continue;
      card_leaves(i, started + (now - started) / 2);
      sync_power(cards_[i], now);
      left = true;
    }
    if (left) ++frame_faults_fired_;
  }
  bool command_fault_fired = false, answer_fault_fired = false, tear_fired = false;

  struct Answer {
    AirReply reply;
    Time processing;
  };
  std::vector<Answer> answers;
  for (size_t index = 0; index < cards_.size(); ++index) {
    Slot& s = cards_[index];
    const PresenceInterval* iv = interval_at(s, now);
    // A card must have heard the whole frame: present, in the same interval, since its start.
    if (iv == nullptr || iv->arrive > started || !s.powered_since) continue;
    const double loss = combined(s.faults.frame_loss_rate, field_faults_.frame_loss_rate);
    if (loss > 0.0 && std::bernoulli_distribution(std::min(loss, 1.0))(rng_)) continue;
    const double ber = combined(s.faults.bit_error_rate, field_faults_.bit_error_rate);
    std::vector<uint8_t> heard = frame.bytes;
    apply_bit_errors(heard, ber);
    command_fault_fired |= apply_frame_faults(heard, faults, FrameDirection::Command);
    ++frames_received_;
    std::optional<CardAnswer> a = s.card->receive(heard);
    if (!a || a->frame.empty()) {
      if (tear_answer) {  // silent: it leaves as the frame ends
        card_leaves(index, now);
        tear_fired = true;
      }
      continue;
    }

    // ISO/IEC 14443-3 7.1.6: the card starts its subcarrier no earlier than TR0 min after
    // the reader's EOF, then TR1 of unmodulated subcarrier before the SOF.
    AirReply r;
    r.start = now + std::max(kTr0Min, a->processing);
    r.end = r.start + kTr1Min + type_b_frame_time(a->frame.size());
    r.bytes = std::move(a->frame);
    apply_bit_errors(r.bytes, ber);
    answer_fault_fired |= apply_frame_faults(r.bytes, faults, FrameDirection::Answer);
    if (tear_answer) {
      card_leaves(index, r.start + (r.end - r.start) / 2);
      iv = interval_at(s, now);  // the timeline was replaced
      tear_fired = true;
    }
    if (iv->remove && *iv->remove < r.end) {
      // Left the field while answering: nothing at all, or a cut frame without EOF.
      if (*iv->remove <= r.start) continue;
      const Time sent = *iv->remove - r.start;
      const Time data_time = sent > kTr1Min + kSofTime ? sent - kTr1Min - kSofTime : 0;
      const size_t whole = std::min<size_t>(r.bytes.size(), data_time / kCharTime);
      r.bytes.resize(whole);
      r.end = *iv->remove;
      r.framing_error = true;
    }
    answers.push_back(Answer{std::move(r), a->processing});
  }
  // Each armed fault counts once, however many cards it touched.
  for (const FrameFault& f : faults) {
    if (f.kind == FrameFaultKind::Tear) {
      if (f.direction == FrameDirection::Answer && tear_fired) ++frame_faults_fired_;
    } else if (f.direction == FrameDirection::Command ? command_fault_fired : answer_fault_fired) {
      ++frame_faults_fired_;
    }
  }
  if (answers.empty()) return std::nullopt;

  Time processing = 0;
  for (const auto& a : answers) processing = std::max(processing, a.processing);
  accounts_.card_processing += processing;  // cards work in parallel: the longest counts

  AirReply out = std::move(answers.front().reply);
  for (size_t i = 1; i < answers.size(); ++i) {
    const AirReply& o = answers[i].reply;
    // Identical answers at the same moment superpose into one clean frame; anything else
    // garbles the subcarrier (BPSK has no bit-level collision detection): framing error.
    const bool same = !o.framing_error && !out.framing_error && o.start == out.start &&
                      o.end == out.end && o.bytes == out.bytes;
    if (same) continue;
    ++collisions_;
    out.framing_error = true;
    out.start = std::min(out.start, o.start);
    out.end = std::max(out.end, o.end);
    if (o.bytes.size() > out.bytes.size()) out.bytes.resize(o.bytes.size(), 0);
    for (size_t k = 0; k < o.bytes.size(); ++k)
      out.bytes[k] = static_cast<uint8_t>(out.bytes[k] | o.bytes[k]);
  }
  return out;
}

}  // namespace idr::sim
