#include "idr/core/rc663_id_card_reader.h"

#include <cstring>

namespace idr::core {

namespace {
constexpr uint8_t kGetUid[5] = {0x00, 0x36, 0x00, 0x00, card::kUidSize};
constexpr uint8_t kSelectHeader[6] = {0x00, 0xA4, 0x00, 0x00, 0x02, card::kFileDirectory};
constexpr uint8_t kReadCla = 0x80;
constexpr uint8_t kReadIns = 0xB0;
constexpr size_t kSwSize = 2;
// The stand-in mutual authentication takes three card commands (sam_link.h); allow a few
// more for a real SAM, but never loop forever.
constexpr int kMaxAuthSteps = 8;
constexpr uint8_t kGetUidAttempts = 3;

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

// Two 512-byte templates; a card with one leaves the second all zero.
size_t fingerprint_length(const uint8_t* fp) {
  return all_zero(fp + card::kFingerprintTemplateSize, card::kFingerprintTemplateSize)
             ? card::kFingerprintTemplateSize
             : card::kFingerprintSize;
}

bool is_garbled(Status st) {
  return st == Status::Integrity || st == Status::Protocol || st == Status::Collision ||
         st == Status::Overflow || st == Status::BufferTooSmall;
}
}  // namespace

void Rc663IdCardReader::Sink::put(size_t offset, const uint8_t* data, size_t len) const {
  // The part of [offset, offset + len) inside `first`, then the part inside `second`; bytes
  // past both are dropped. Two block copies, not a branch per byte.
  size_t done = 0;
  if (offset < first_len) {
    done = first_len - offset < len ? first_len - offset : len;
    std::memcpy(first + offset, data, done);
  }
  if (done == len) return;
  const size_t at = offset + done - first_len;  // offset + done >= first_len here
  if (at >= second_len) return;
  const size_t n = second_len - at < len - done ? second_len - at : len - done;
  std::memcpy(second + at, data + done, n);
}

Rc663IdCardReader::Rc663IdCardReader(drivers::TypeBFrontEnd& rf, drivers::Sam& sam,
                                     hal::Clock& clock, ReaderConfig config)
    : rf_(rf), sam_(sam), clock_(clock), log_(nullptr), config_(config) {}

Rc663IdCardReader::Rc663IdCardReader(drivers::TypeBFrontEnd& rf, drivers::Sam& sam,
                                     hal::Clock& clock, hal::Log& log, ReaderConfig config)
    : rf_(rf), sam_(sam), clock_(clock), log_(&log), config_(config) {}

Status Rc663IdCardReader::fail(Status st, const char* why) {
  if (log_ != nullptr) log_->write(why);
  return st;
}

Status Rc663IdCardReader::init() {
  state_ = State::Idle;
  field_is_on_ = false;
  Status st = rf_.init();
  if (st != Status::Ok) return fail(st, "reader: CLRC663 init failed");
  st = sam_.reset();
  if (st != Status::Ok) return fail(st, "reader: SAM reset failed");
  if (config_.sam_baud != 0) {
    // Not fatal: the link works at the old rate, only slower.
    if (sam_.set_baud(config_.sam_baud) != Status::Ok) (void)fail(st, "reader: SAM baud kept");
  }
  return Status::Ok;
}

Status Rc663IdCardReader::sam_reset() {
  return sam_.reset();
}
Status Rc663IdCardReader::sam_self_test() {
  return sam_.self_test();
}
Status Rc663IdCardReader::sam_id(uint8_t (&id)[16]) {
  return sam_.get_id(id);
}

Status Rc663IdCardReader::ensure_field_on() {
  if (field_is_on_) return Status::Ok;
  const Status st = rf_.field_on();
  if (st != Status::Ok) return st;
  field_is_on_ = true;
  clock_.delay_us(kFieldGuardUs);
  return Status::Ok;
}

void Rc663IdCardReader::field_reset() {
  // Power the cards down so the next find starts from IDLE (ISO/IEC 14443-3 7.4.2).
  (void)rf_.field_off();
  clock_.delay_us(kFieldResetUs);
  field_is_on_ = false;
  state_ = State::Idle;
  authenticated_ = false;
  base_read_ = false;
  issuer_rejected_ = false;
}

void Rc663IdCardReader::field_off() {
  (void)rf_.field_off();
  field_is_on_ = false;
  state_ = State::Idle;
  authenticated_ = false;
  base_read_ = false;
  issuer_rejected_ = false;
}

Status Rc663IdCardReader::rf_exchange(const uint8_t* tx, size_t tx_len, size_t& rx_len,
                                      uint32_t fwt_us) {
  return rf_.transceive(tx, tx_len, rx_, sizeof rx_, rx_len, fwt_us);
}

Rc663IdCardReader::SlotResult Rc663IdCardReader::classify_slot(Status st, size_t rx_len,
                                                               typeb::Atqb& atqb) const {
  if (st == Status::Timeout) return SlotResult::Empty;
  if (st != Status::Ok) return SlotResult::Garbled;
  return typeb::parse_atqb(rx_, rx_len, atqb) == Status::Ok ? SlotResult::Clean
                                                            : SlotResult::Garbled;
}

Status Rc663IdCardReader::find_card() {
  state_ = State::Idle;
  authenticated_ = false;
  base_read_ = false;
  issuer_rejected_ = false;
  Status st = ensure_field_on();
  if (st != Status::Ok) return fail(st, "reader: field on failed");

  const uint32_t atqb_wait = typeb::fwt_us(kAtqbFwi);
  bool saw_garbled = false;
  // ISO/IEC 14443-3 7.7-7.8: one slot first; on a collision more slots (N = 2..16), each
  // slot after the first opened by a Slot-MARKER.
  for (uint8_t slots = 1; slots <= typeb::kMaxSlots; slots = static_cast<uint8_t>(slots * 2)) {
    typeb::Atqb first{};
    uint8_t clean = 0;
    bool same_pupi_twice = false;
    for (uint8_t slot = 1; slot <= slots; ++slot) {
      uint8_t frame[3] = {};
      size_t frame_len = 3;
      if (slot == 1) {
        st = typeb::reqb(slots, frame);
      } else {
        st = typeb::slot_marker(slot, frame[0]);
        frame_len = 1;
      }
      if (st != Status::Ok) return st;
      size_t rx_len = 0;
      st = rf_exchange(frame, frame_len, rx_len, atqb_wait);
      if (st == Status::Io || st == Status::InvalidArgument || st == Status::Unsupported)
        return fail(st, "reader: front end failed during REQB");
      typeb::Atqb atqb{};
      const SlotResult r = classify_slot(st, rx_len, atqb);
      if (r == SlotResult::Garbled) saw_garbled = true;
      if (r != SlotResult::Clean) continue;
      if (clean == 0) {
        first = atqb;
      } else {
        bool same = true;
        for (size_t i = 0; i < 4; ++i) same = same && atqb.pupi[i] == first.pupi[i];
        same_pupi_twice = same_pupi_twice || same;
      }
      ++clean;
    }
    if (same_pupi_twice) {
      // Two cards with one PUPI (ID cards all use 00000000): ATTRIB cannot pick one.
      field_reset();
      return fail(Status::Collision, "reader: cards with the same PUPI");
    }
    if (clean > 0) {
      atqb_ = first;
      fwt_us_ = typeb::fwt_us(first.fwi);
      state_ = State::Found;
      return Status::Ok;
    }
    if (!saw_garbled) return Status::NoCard;
  }
  field_reset();
  return fail(Status::Collision, "reader: slotting did not separate the cards");
}

Status Rc663IdCardReader::select_card(uint8_t (&uid)[card::kUidSize]) {
  if (state_ != State::Found) return Status::NoCard;
  // GetId travels and the SAM answers while ATTRIB and GET UID are on the air; its reply
  // is collected whatever the card did, so nothing stays owed on the SAM link.
  sam_id_status_ = sam_.get_id_send();
  const Status st = activate(uid);
  if (sam_id_status_ == Status::Ok) sam_id_status_ = sam_.get_id_receive(sam_id_);
  return st;
}

Status Rc663IdCardReader::selection_sam_id(uint8_t (&id)[16]) {
  if (state_ != State::Selected) return Status::NoCard;
  if (sam_id_status_ != Status::Ok) return sam_id_status_;
  for (size_t i = 0; i < sizeof id; ++i) id[i] = sam_id_[i];
  return Status::Ok;
}

Status Rc663IdCardReader::activate(uint8_t (&uid)[card::kUidSize]) {
  uint8_t frame[typeb::kAttribSize] = {};
  typeb::attrib(atqb_.pupi, frame);
  size_t rx_len = 0;
  // ATTRIB is sent once: an ACTIVE card does not answer a repeated one (7.4.7).
  Status st = rf_exchange(frame, sizeof frame, rx_len, fwt_us_);
  if (st == Status::Timeout) {
    field_reset();
    return fail(Status::CardRemoved, "reader: no answer to ATTRIB");
  }
  if (is_garbled(st)) {
    field_reset();
    return fail(Status::Collision, "reader: garbled ATTRIB answer");
  }
  if (st != Status::Ok) return fail(st, "reader: ATTRIB failed");
  // 7.11: the answer's first byte carries MBLI (b8..b5) and the CID we assigned (b4..b1).
  if (rx_len < 1 || (rx_[0] & 0x0F) != typeb::kAttribCid) {
    field_reset();
    return fail(Status::Protocol, "reader: unexpected ATTRIB answer");
  }

  // Several ID cards share PUPI 0 and answer ATTRIB identically; their different UIDs
  // then superpose into a garbled GET UID answer. A lost frame is retried; garbled every
  // time means more than one card, and their data must never be mixed.
  Status last = Status::Timeout;
  for (uint8_t attempt = 0; attempt < kGetUidAttempts; ++attempt) {
    last = rf_exchange(kGetUid, sizeof kGetUid, rx_len, fwt_us_);
    if (last != Status::Ok) {
      if (last != Status::Timeout && !is_garbled(last)) break;
      continue;
    }
    if (rx_len != card::kUidSize + kSwSize || response_sw(rx_len) != card::kSwOk) {
      last = Status::Protocol;
      break;
    }
    for (size_t i = 0; i < card::kUidSize; ++i) {
      uid_[i] = rx_[i];
      uid[i] = rx_[i];
    }
    state_ = State::Selected;
    authenticated_ = false;
    base_read_ = false;
    issuer_rejected_ = false;
    return Status::Ok;
  }
  field_reset();
  if (last == Status::Timeout) return fail(Status::CardRemoved, "reader: no answer to GET UID");
  if (is_garbled(last)) return fail(Status::Collision, "reader: several cards answer GET UID");
  return fail(last, "reader: GET UID failed");
}

uint16_t Rc663IdCardReader::response_sw(size_t resp_len) const {
  if (resp_len < kSwSize) return 0;
  return static_cast<uint16_t>((rx_[resp_len - 2] << 8) | rx_[resp_len - 1]);
}

Status Rc663IdCardReader::send_apdu(const uint8_t* apdu, size_t len, size_t& resp_len) {
  if (len + 2 > atqb_.max_frame) return Status::InvalidArgument;  // + CRC_B
  Status st = Status::Timeout;
  for (uint8_t attempt = 0; attempt <= config_.frame_retries; ++attempt) {
    st = rf_exchange(apdu, len, resp_len, fwt_us_);
    if (st == Status::Ok) {
      return resp_len >= kSwSize ? Status::Ok : Status::Protocol;
    }
    if (st != Status::Timeout && !is_garbled(st)) return st;
  }
  // Silence after every retry: the card has left the field.
  return st == Status::Timeout ? Status::CardRemoved : st;
}

Status Rc663IdCardReader::require_selected() const {
  return state_ == State::Selected ? Status::Ok : Status::NoCard;
}

Status Rc663IdCardReader::select_file(uint8_t file) {
  uint8_t apdu[sizeof kSelectHeader + 1];
  for (size_t i = 0; i < sizeof kSelectHeader; ++i) apdu[i] = kSelectHeader[i];
  apdu[sizeof kSelectHeader] = file;
  size_t resp_len = 0;
  const Status st = send_apdu(apdu, sizeof apdu, resp_len);
  if (st != Status::Ok) return st;
  const uint16_t sw = response_sw(resp_len);
  if (sw == card::kSwOk) return Status::Ok;
  if (sw == card::kSwFileNotFound) return Status::NoSuchContent;
  return Status::Protocol;
}

Status Rc663IdCardReader::authenticate(size_t apdu_len) {
  // The SAM drives: each card answer goes back to it until it has nothing more to send.
  for (int step = 0; step < kMaxAuthSteps; ++step) {
    if (apdu_len == 0) {
      authenticated_ = true;
      return Status::Ok;
    }
    size_t resp_len = 0;
    Status st = send_apdu(apdu_, apdu_len, resp_len);
    if (st != Status::Ok) return st;
    st = sam_.auth_next(rx_, resp_len, apdu_, sizeof apdu_, apdu_len);
    if (st != Status::Ok) return st;
  }
  return Status::Protocol;
}

Status Rc663IdCardReader::read_chunk(size_t offset, size_t le, size_t& resp_len) {
  const uint8_t apdu[5] = {kReadCla, kReadIns, static_cast<uint8_t>(offset >> 8),
                           static_cast<uint8_t>(offset & 0xFF), static_cast<uint8_t>(le)};
  resp_len = 0;
  const Status st = send_apdu(apdu, sizeof apdu, resp_len);
  if (st != Status::Ok) return st;
  const uint16_t sw = response_sw(resp_len);
  if (sw == card::kSwFileNotFound) return Status::NoSuchContent;
  if (sw != card::kSwOk || resp_len != le + card::kSessionMacSize + kSwSize)
    return Status::Protocol;
  return Status::Ok;
}

Status Rc663IdCardReader::read_chunks(uint8_t file, size_t size, const Sink& sink,
                                      Pending& pending) {
  Status st = Status::Ok;
  const bool authenticating = !authenticated_;
  if (authenticating) {
    // Authentication talks to the SAM: whatever it still owes is collected first (in a
    // read the first file authenticates, with nothing pending). AUTH_START travels and the
    // SAM works while the SELECT is on the air (DESIGN 9).
    st = collect(pending);
    if (st == Status::Ok) st = sam_.auth_start_send(uid_);
    if (st != Status::Ok) return st;
  }
  st = select_file(file);
  if (authenticating) {
    size_t apdu_len = 0;
    const Status first = sam_.auth_receive(apdu_, sizeof apdu_, apdu_len);  // always collected
    if (st == Status::Ok) st = first;
    if (st == Status::Ok) st = authenticate(apdu_len);
  }
  if (st != Status::Ok) {
    // Nothing may stay owed on the SAM link; a chunk that did not unwrap is the failure
    // that counts (NoSuchContent is no failure, the chunk's fault is).
    const Status prev = collect(pending);
    return st == Status::NoSuchContent && prev != Status::Ok ? prev : st;
  }
  // READ 80 B0 off_hi off_lo Le in chunks of 0xE6 (DESIGN 6), pipelined (DESIGN 9): chunk
  // i goes to the SAM (unwrap_send queues it on the UART and returns), then the card reads
  // chunk i + 1 over RF while the SAM works, then chunk i's plain bytes are collected. The
  // SAM's link and processing time thus hide behind the air time instead of adding to it.
  const size_t chunks = (size + card::kReadChunk - 1) / card::kReadChunk;
  for (size_t c = 0; c < chunks; ++c) {
    const size_t offset = c * card::kReadChunk;
    const size_t le = size - offset < card::kReadChunk ? size - offset : card::kReadChunk;
    size_t resp_len = 0;
    st = read_chunk(offset, le, resp_len);
    // Collect the previous chunk before anything else talks to the SAM (also on failure,
    // so no late reply is left on the link).
    const Status prev = collect(pending);
    if (st != Status::Ok) return st;
    if (prev != Status::Ok) return prev;
    st = sam_.unwrap_send(file, static_cast<uint16_t>(offset), rx_, resp_len);
    if (st != Status::Ok) return st;
    pending = Pending{true, offset, le, sink};
  }
  return Status::Ok;
}

Status Rc663IdCardReader::read_file(uint8_t file, size_t size, const Sink& sink) {
  Pending pending;
  const Status st = read_chunks(file, size, sink, pending);
  if (st != Status::Ok) return st;
  return collect(pending);
}

Status Rc663IdCardReader::collect(Pending& pending) {
  if (!pending.active) return Status::Ok;
  pending.active = false;
  size_t plain_len = 0;
  const Status st = sam_.unwrap_receive(plain_, sizeof plain_, plain_len);
  if (st != Status::Ok) return st;
  if (plain_len != pending.len) return Status::Protocol;
  pending.sink.put(pending.offset, plain_, pending.len);
  return Status::Ok;
}

Status Rc663IdCardReader::check_issuer_macs(Pending& pending) {
  // Unwrapping file 04 makes the SAM compare the issuer MACs with what it unwrapped in
  // this session (sam_link.h); the MAC bytes themselves are of no use to us. The file's
  // SELECT and READ travel while the SAM still unwraps the last data chunk (DESIGN 9).
  Status st = select_file(card::kFileSecurity);
  size_t resp_len = 0;
  if (st == Status::Ok) st = read_chunk(0, card::kSecurityFileSize, resp_len);
  // The data's last chunk first: its DataCheckFailed is a transfer fault, not the verdict.
  const Status data = collect(pending);
  if (st != Status::Ok) return st;
  if (data != Status::Ok) return data;
  st = sam_.unwrap_send(card::kFileSecurity, 0, rx_, resp_len);
  if (st != Status::Ok) return st;
  uint8_t macs[card::kSecurityFileSize] = {};
  Pending security{true, 0, sizeof macs, Sink{macs, sizeof macs, nullptr, 0}};
  st = collect(security);
  // Its 0x33 is the SAM's verdict "the issuer MACs do not verify" (whether the MACs or the
  // MAC file's own transfer are wrong, the SAM did not verify the data).
  if (st == Status::DataCheckFailed) issuer_rejected_ = true;
  return st;
}

Status Rc663IdCardReader::read_base(uint8_t* text, uint8_t* photo) {
  if (text == nullptr || photo == nullptr) return Status::InvalidArgument;
  Status st = require_selected();
  if (st != Status::Ok) return st;
  Pending pending;
  st = read_chunks(card::kFileBase, card::kBaseSize,
                   Sink{text, card::kTextSize, photo, card::kPhotoSize}, pending);
  if (st == Status::Ok) st = check_issuer_macs(pending);
  if (st == Status::DataCheckFailed && issuer_rejected_) {
    base_read_ = true;  // the bytes are intact and the session goes on (id_card_reader.h)
    return fail(st, "reader: the SAM rejected the base file's issuer MAC");
  }
  if (st != Status::Ok) {
    field_reset();
    return fail(st, "reader: base read failed");
  }
  base_read_ = true;
  return Status::Ok;
}

Status Rc663IdCardReader::read_fingerprint(uint8_t* fp, size_t& fp_len) {
  fp_len = 0;
  if (fp == nullptr) return Status::InvalidArgument;
  Status st = require_selected();
  if (st != Status::Ok) return st;
  if (!base_read_) return fail(Status::InvalidArgument, "reader: fingerprint before base");
  Pending pending;
  st = read_chunks(card::kFileFingerprint, card::kFingerprintSize,
                   Sink{fp, card::kFingerprintSize, nullptr, 0}, pending);
  if (st == Status::NoSuchContent) return Status::Ok;  // a card without fingerprints
  if (st == Status::Ok) st = check_issuer_macs(pending);
  const bool rejected = st == Status::DataCheckFailed && issuer_rejected_;
  if (st != Status::Ok && !rejected) {
    field_reset();
    return fail(st, "reader: fingerprint read failed");
  }
  fp_len = fingerprint_length(fp);
  if (rejected) return fail(st, "reader: the SAM rejected the issuer MACs with the fingerprint");
  return Status::Ok;
}

Status Rc663IdCardReader::read_base_fingerprint(uint8_t* text, uint8_t* photo, uint8_t* fp,
                                                size_t& fp_len) {
  fp_len = 0;
  if (text == nullptr || photo == nullptr || fp == nullptr) return Status::InvalidArgument;
  Status st = require_selected();
  if (st != Status::Ok) return st;
  // The base's last chunk is unwrapped while SELECT 02 and its first READ are on the air.
  Pending pending;
  st = read_chunks(card::kFileBase, card::kBaseSize,
                   Sink{text, card::kTextSize, photo, card::kPhotoSize}, pending);
  bool has_fingerprint = false;
  if (st == Status::Ok) {
    st = read_chunks(card::kFileFingerprint, card::kFingerprintSize,
                     Sink{fp, card::kFingerprintSize, nullptr, 0}, pending);
    has_fingerprint = st == Status::Ok;
    if (st == Status::NoSuchContent) st = Status::Ok;  // a card without fingerprints
  }
  // One check for both files: the SAM compares the base MAC with the base it unwrapped and
  // the fingerprint MAC with the fingerprint, when it unwrapped one (sam_link.h).
  if (st == Status::Ok) st = check_issuer_macs(pending);
  const bool rejected = st == Status::DataCheckFailed && issuer_rejected_;
  if (st != Status::Ok && !rejected) {
    field_reset();
    return fail(st, "reader: base and fingerprint read failed");
  }
  base_read_ = true;
  if (has_fingerprint) fp_len = fingerprint_length(fp);
  if (rejected) return fail(st, "reader: the SAM rejected the issuer MACs");
  return Status::Ok;
}

Status Rc663IdCardReader::read_addresses(uint8_t* buf, size_t& len) {
  len = 0;
  if (buf == nullptr) return Status::InvalidArgument;
  Status st = require_selected();
  if (st != Status::Ok) return st;
  st = read_file(card::kFileAddress, card::kAddressFileSize,
                 Sink{buf, card::kAddressFileSize, nullptr, 0});
  if (st == Status::NoSuchContent) return st;
  if (st != Status::Ok) {
    field_reset();
    return fail(st, "reader: address read failed");
  }
  // Keep the non-empty entries (an all-zero entry is empty), in order, packed.
  size_t kept = 0;
  for (size_t e = 0; e < card::kAddressEntries; ++e) {
    const uint8_t* entry = buf + e * card::kAddressEntrySize;
    if (all_zero(entry, card::kAddressEntrySize)) continue;
    if (kept != e) {
      uint8_t* to = buf + kept * card::kAddressEntrySize;
      for (size_t i = 0; i < card::kAddressEntrySize; ++i) to[i] = entry[i];
    }
    ++kept;
  }
  if (kept == 0) return Status::NoSuchContent;
  len = kept * card::kAddressEntrySize;
  return Status::Ok;
}

}  // namespace idr::core
