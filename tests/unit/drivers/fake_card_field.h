#pragma once
// Test doubles for the reader logic: ID cards in an RF field behind a TypeBFrontEnd, and a
// SAM. The security is a toy with the message shapes of sam_link.h (XOR masks and sums,
// not AES): enough to check that the reader tunnels the right bytes for the right file
// and offset, never to check cryptography (the SAM model's tests do that).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "idr/drivers/sam.h"
#include "idr/drivers/type_b_front_end.h"
#include "idr/hal/hal.h"
#include "idr/proto/card_layout.h"

namespace idr::test {

using Bytes = std::vector<uint8_t>;

inline uint8_t toy_mask(uint8_t file, size_t offset, const Bytes& uid) {
  return static_cast<uint8_t>(0x5A ^ file ^ (offset * 7) ^ uid[offset % uid.size()]);
}
inline Bytes toy_mac(uint8_t file, size_t offset, const Bytes& cipher) {
  uint32_t a = file, b = static_cast<uint32_t>(offset);
  for (uint8_t c : cipher) {
    a = (a * 31 + c) & 0xFFFFFF;
    b = (b + a) & 0xFFFFFF;
  }
  return {uint8_t(a), uint8_t(a >> 8),       uint8_t(a >> 16),
          uint8_t(b), uint8_t(b >> 8),       uint8_t(b >> 16),
          0xC3,       uint8_t(cipher.size())};
}
inline Bytes toy_issuer_mac(const Bytes& data) {
  Bytes m(16, 0);
  for (size_t i = 0; i < data.size(); ++i) m[i % 16] = uint8_t(m[i % 16] * 3 + data[i] + 1);
  return m;
}
inline Bytes toy_auth(const Bytes& challenge, const Bytes& uid) {
  Bytes r = challenge;
  for (size_t i = 0; i < r.size(); ++i) r[i] = uint8_t(r[i] ^ uid[i % uid.size()] ^ 0xA7);
  return r;
}

struct FakeIdCard {
  enum class State { Off, Idle, ReadyRequested, ReadyDeclared, Active };

  Bytes pupi = {0, 0, 0, 0};
  Bytes uid;
  std::map<uint8_t, Bytes> files;
  bool present = true;
  bool rejects_sam = false;  // answers 63 00 to EXTERNAL AUTHENTICATE
  bool wrong_auth = false;   // wrong answer to INTERNAL AUTHENTICATE
  // Slot choice R for N slots (7.6); default 1.
  std::function<uint8_t(uint8_t)> choose_slot = [](uint8_t) { return uint8_t{1}; };

  State state = State::Off;
  uint8_t slot = 1;
  uint8_t selected = 0;
  bool authenticated = false;
  Bytes rnd_c = {1, 2, 3, 4, 5, 6, 7, 8};

  static FakeIdCard make(uint8_t seed, bool with_fp = true, bool with_addr = true) {
    FakeIdCard c;
    c.uid = {0x10, seed, 0x30, 0x40, 0x50, 0x60, 0x70, uint8_t(0x80 + seed)};
    Bytes base(card::kBaseSize);
    for (size_t i = 0; i < base.size(); ++i) base[i] = uint8_t(i * 13 + seed);
    c.files[card::kFileBase] = base;
    Bytes fp;
    if (with_fp) {
      fp.resize(card::kFingerprintSize);
      for (size_t i = 0; i < fp.size(); ++i) fp[i] = uint8_t(i * 5 + seed + 1);
      c.files[card::kFileFingerprint] = fp;
    }
    if (with_addr) c.files[card::kFileAddress] = Bytes(card::kAddressFileSize, 0);
    c.reseal();
    return c;
  }
  // Recomputes the security file from the current data (the issuer's job).
  void reseal() {
    Bytes sec = toy_issuer_mac(files[card::kFileBase]);
    Bytes fpmac(16, 0);
    if (files.count(card::kFileFingerprint)) fpmac = toy_issuer_mac(files[card::kFileFingerprint]);
    sec.insert(sec.end(), fpmac.begin(), fpmac.end());
    files[card::kFileSecurity] = sec;
  }

  std::optional<Bytes> handle(const Bytes& f) {
    if (!present || state == State::Off || f.empty()) return std::nullopt;
    if (state != State::Active) {
      if (f.size() == 3 && f[0] == 0x05) {  // REQB
        const uint8_t n = uint8_t(1u << (f[2] & 7));
        slot = n == 1 ? 1 : choose_slot(n);
        if (slot == 1) return atqb();
        state = State::ReadyRequested;
        return std::nullopt;
      }
      if (f.size() == 1 && (f[0] & 0x0F) == 0x05) {  // Slot-MARKER
        if (state == State::ReadyRequested && ((f[0] >> 4) + 1) == slot) return atqb();
        return std::nullopt;
      }
      if (f.size() == 9 && f[0] == 0x1D && state == State::ReadyDeclared &&
          Bytes(f.begin() + 1, f.begin() + 5) == pupi) {
        state = State::Active;
        return Bytes{0x08};
      }
      return std::nullopt;
    }
    // ACTIVE (7.4.7): REQB/WUPB, Slot-MARKER and ATTRIB are not answered.
    if ((f.size() == 3 && f[0] == 0x05) || (f.size() == 1 && (f[0] & 0x0F) == 0x05) ||
        (f.size() == 9 && f[0] == 0x1D))
      return std::nullopt;
    return apdu(f);
  }

  Bytes atqb() {
    state = State::ReadyDeclared;
    Bytes a = {0x50};
    a.insert(a.end(), pupi.begin(), pupi.end());
    a.insert(a.end(), {0, 0, 0, 0, 0x00, 0x80, 0x80});
    return a;
  }

  Bytes sw(uint16_t s, Bytes data = {}) {
    data.push_back(uint8_t(s >> 8));
    data.push_back(uint8_t(s));
    return data;
  }

  std::optional<Bytes> apdu(const Bytes& a) {
    if (a.size() == 5 && a[0] == 0x00 && a[1] == 0x36) return sw(0x9000, uid);
    if (a.size() == 7 && a[0] == 0x00 && a[1] == 0xA4 && a[5] == 0x60) {
      if (!files.count(a[6])) return sw(0x6A82);
      selected = a[6];
      return sw(0x9000);
    }
    if (a.size() == 21 && a[1] == 0x88) {
      Bytes r = toy_auth(Bytes(a.begin() + 5, a.end()), uid);
      if (wrong_auth) r[0] ^= 1;
      return sw(0x9000, r);
    }
    if (a.size() == 5 && a[1] == 0x84) return sw(0x9000, rnd_c);
    if (a.size() == 21 && a[1] == 0x82) {
      if (rejects_sam || Bytes(a.begin() + 5, a.begin() + 13) != toy_auth(rnd_c, uid))
        return sw(0x6300);
      authenticated = true;
      return sw(0x9000);
    }
    if (a.size() == 5 && a[0] == 0x80 && a[1] == 0xB0) {
      if (!authenticated) return sw(0x6982);
      const Bytes& file = files[selected];
      const size_t off = size_t(a[2]) << 8 | a[3];
      const size_t le = a[4];
      if (off + le > file.size()) return sw(0x6B00);
      Bytes c;
      for (size_t i = 0; i < le; ++i)
        c.push_back(uint8_t(file[off + i] ^ toy_mask(selected, off + i, uid)));
      Bytes m = toy_mac(selected, off, c);
      c.insert(c.end(), m.begin(), m.end());
      return sw(0x9000, c);
    }
    return sw(0x6D00);
  }
};

class FakeField : public drivers::TypeBFrontEnd, public hal::Clock {
 public:
  std::vector<FakeIdCard*> cards;
  std::vector<Bytes> sent;
  std::vector<uint32_t> fwts;
  std::vector<std::pair<bool, uint64_t>> field_log;  // on/off and when
  std::vector<uint64_t> sent_at;
  bool on = false;
  int inits = 0;
  int drop_replies = 0;                      // the next n answers are lost on the air
  int garble_replies = 0;                    // the next n answers arrive corrupted
  std::function<void(size_t)> before_frame;  // called with the frame index
  uint64_t now = 0;

  Status init() override {
    ++inits;
    return Status::Ok;
  }
  Status field_on() override {
    on = true;
    field_log.push_back({true, now});
    for (auto* c : cards)
      if (c->present && c->state == FakeIdCard::State::Off) c->state = FakeIdCard::State::Idle;
    return Status::Ok;
  }
  Status field_off() override {
    on = false;
    field_log.push_back({false, now});
    for (auto* c : cards) {
      c->state = FakeIdCard::State::Off;
      c->authenticated = false;
    }
    return Status::Ok;
  }
  // A card enters (powered at once if the field is on) or leaves the field.
  void place(FakeIdCard& c) {
    c.present = true;
    if (on) c.state = FakeIdCard::State::Idle;
  }
  void remove(FakeIdCard& c) {
    c.present = false;
    c.state = FakeIdCard::State::Off;
    c.authenticated = false;
  }

  Status transceive(const uint8_t* tx, size_t tx_len, uint8_t* rx, size_t rx_cap, size_t& rx_len,
                    uint32_t fwt_us) override {
    rx_len = 0;
    if (before_frame) before_frame(sent.size());
    sent.emplace_back(tx, tx + tx_len);
    fwts.push_back(fwt_us);
    sent_at.push_back(now);
    now += 1000;
    if (!on) return Status::Timeout;
    std::vector<Bytes> answers;
    for (auto* c : cards)
      if (auto a = c->handle(sent.back())) answers.push_back(*a);
    if (answers.empty()) return Status::Timeout;
    if (drop_replies > 0) {
      --drop_replies;
      return Status::Timeout;
    }
    if (garble_replies > 0) {
      --garble_replies;
      return Status::Integrity;
    }
    for (const auto& a : answers)
      if (a != answers[0]) return Status::Integrity;  // superposed different frames
    if (answers[0].size() > rx_cap) return Status::BufferTooSmall;
    for (size_t i = 0; i < answers[0].size(); ++i) rx[i] = answers[0][i];
    rx_len = answers[0].size();
    return Status::Ok;
  }

  uint64_t now_us() override { return now; }
  void delay_us(uint32_t us) override { now += us; }
};

class FakeSam : public drivers::Sam {
 public:
  Bytes rnd_s = Bytes(16, 0x3C);
  int resets = 0;
  std::vector<uint32_t> bauds;
  std::vector<std::pair<uint8_t, uint16_t>> unwraps;  // (file, offset) in order
  Status baud_status = Status::Ok;

  Status reset() override {
    ++resets;
    stage_ = 0;
    return Status::Ok;
  }
  Status self_test() override { return Status::Ok; }
  Status get_id(uint8_t (&id)[16]) override {
    for (int i = 0; i < 16; ++i) id[i] = uint8_t(i);
    return Status::Ok;
  }
  Status set_baud(uint32_t baud) override {
    bauds.push_back(baud);
    return baud_status;
  }
  Status auth_start(const uint8_t (&uid)[8], uint8_t* apdu, size_t cap, size_t& n) override {
    uid_.assign(uid, uid + 8);
    session_.clear();
    stage_ = 1;
    Bytes a = {0x00, 0x88, 0x00, 0x00, 0x10};
    a.insert(a.end(), rnd_s.begin(), rnd_s.end());
    return out(a, apdu, cap, n);
  }
  Status auth_next(const uint8_t* resp, size_t len, uint8_t* apdu, size_t cap, size_t& n) override {
    const Bytes r(resp, resp + len);
    n = 0;
    if (stage_ == 1) {
      if (r != with_ok(toy_auth(rnd_s, uid_))) return Status::SamAuthFailed;
      stage_ = 2;
      return out({0x00, 0x84, 0x00, 0x00, 0x08}, apdu, cap, n);
    }
    if (stage_ == 2) {
      if (len != 10) return Status::SamError;
      Bytes a = {0x00, 0x82, 0x00, 0x00, 0x10};
      Bytes proof = toy_auth(Bytes(r.begin(), r.begin() + 8), uid_);
      a.insert(a.end(), proof.begin(), proof.end());
      a.resize(21, 0);
      stage_ = 3;
      return out(a, apdu, cap, n);
    }
    if (stage_ == 3) {
      if (r == Bytes{0x63, 0x00}) return Status::CardAuthFailed;
      if (r != Bytes{0x90, 0x00}) return Status::SamError;
      stage_ = 4;
      return Status::Ok;
    }
    return Status::SamError;
  }
  Status unwrap_send(uint8_t file, uint16_t offset, const uint8_t* resp, size_t len) override {
    if (pending_) throw std::runtime_error("unwrap_send while a reply is pending");
    pending_ = true;
    unwraps.push_back({file, offset});
    req_file_ = file;
    req_off_ = offset;
    req_.assign(resp, resp + len);
    return Status::Ok;
  }
  Status unwrap_receive(uint8_t* plain, size_t cap, size_t& n) override {
    n = 0;
    if (!pending_) return Status::InvalidArgument;
    pending_ = false;
    if (stage_ != 4) return Status::SamError;
    if (req_.size() < 10) return Status::SamError;
    const Bytes c(req_.begin(), req_.end() - 10);
    const Bytes m(req_.end() - 10, req_.end() - 2);
    if (toy_mac(req_file_, req_off_, c) != m) return Status::DataCheckFailed;
    Bytes p;
    for (size_t i = 0; i < c.size(); ++i)
      p.push_back(uint8_t(c[i] ^ toy_mask(req_file_, req_off_ + i, uid_)));
    if (req_file_ == card::kFileSecurity) {
      const Bytes& base = session_[card::kFileBase];
      if (base.size() != card::kBaseSize) return Status::SamError;  // 0x24: base first
      if (Bytes(p.begin(), p.begin() + 16) != toy_issuer_mac(base)) return Status::DataCheckFailed;
      const Bytes& fp = session_[card::kFileFingerprint];
      if (fp.size() == card::kFingerprintSize &&
          Bytes(p.begin() + 16, p.end()) != toy_issuer_mac(fp))
        return Status::DataCheckFailed;
    } else {
      Bytes& s = session_[req_file_];
      if (s.size() != req_off_) s.resize(req_off_);  // a re-read restarts the file there
      s.insert(s.end(), p.begin(), p.end());
    }
    return out(p, plain, cap, n);
  }

 private:
  static Bytes with_ok(Bytes b) {
    b.push_back(0x90);
    b.push_back(0x00);
    return b;
  }
  static Status out(const Bytes& b, uint8_t* to, size_t cap, size_t& n) {
    if (b.size() > cap) return Status::BufferTooSmall;
    for (size_t i = 0; i < b.size(); ++i) to[i] = b[i];
    n = b.size();
    return Status::Ok;
  }
  Bytes uid_;
  int stage_ = 0;
  std::map<uint8_t, Bytes> session_;
  bool pending_ = false;
  uint8_t req_file_ = 0;
  uint16_t req_off_ = 0;
  Bytes req_;
};

}  // namespace idr::test
