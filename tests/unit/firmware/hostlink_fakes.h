#pragma once
// Test doubles for the host-link server: a virtual clock, a scripted host link whose reads
// advance that clock, and an IdCardReader whose answers the test sets.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <vector>

#include "idr/core/hostlink/legacy_server.h"
#include "idr/core/id_card_reader.h"
#include "idr/hal/hal.h"

namespace idr::test {

using Bytes = std::vector<uint8_t>;

class FakeClock final : public hal::Clock {
 public:
  uint64_t now_us() override { return t; }
  void delay_us(uint32_t us) override { t += us; }
  uint64_t t = 0;
};

// Bytes the host sends, each chunk at a virtual time; reads wait (advance the clock) like
// the simulator would.
class FakeHostLink final : public hal::HostLink {
 public:
  struct Written {
    uint64_t at_us;
    Bytes bytes;
  };

  explicit FakeHostLink(FakeClock& clock) : clock_(clock) {}

  void send_at(uint64_t at_us, const Bytes& bytes) {
    if (!chunks_.empty() && chunks_.back().at_us > at_us)
      throw std::logic_error("FakeHostLink::send_at: chunks must be in time order");
    if (!bytes.empty()) chunks_.push_back(Chunk{at_us, bytes, 0});
  }
  void send(const Bytes& bytes) { send_at(last_time(), bytes); }
  void send_after(uint64_t gap_us, const Bytes& bytes) { send_at(last_time() + gap_us, bytes); }
  void close() { closed_ = true; }
  bool drained() const { return chunks_.empty(); }

  Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override {
    got = 0;
    ++reads;
    if (chunks_.empty()) {
      if (closed_) return Status::Io;
      clock_.t += timeout_us;
      return Status::Timeout;
    }
    Chunk& c = chunks_.front();
    if (c.at_us > clock_.t + timeout_us) {
      clock_.t += timeout_us;
      return Status::Timeout;
    }
    if (c.at_us > clock_.t) clock_.t = c.at_us;
    size_t n = c.bytes.size() - c.pos;
    if (n > max) n = max;
    if (n > max_per_read) n = max_per_read;
    for (size_t i = 0; i < n; ++i) buf[i] = c.bytes[c.pos + i];
    c.pos += n;
    got = n;
    if (c.pos == c.bytes.size()) chunks_.pop_front();
    return Status::Ok;
  }

  // Records whole reply frames: the server may write one frame in several pieces (its
  // ReplyWriter streams large replies), so a frame is recorded once the last byte its LEN
  // announces has arrived. Bytes that do not start with a preamble are recorded as they
  // come, so a test sees them.
  Status write(const uint8_t* data, size_t len) override {
    if (fail_writes) return Status::Io;
    ++write_calls;
    pending_.insert(pending_.end(), data, data + len);
    while (pending_.size() >= hostlink::kHeaderSize) {
      if (!std::equal(hostlink::kPreamble, hostlink::kPreamble + hostlink::kPreambleSize,
                      pending_.begin())) {
        writes.push_back(Written{clock_.t, pending_});
        pending_.clear();
        break;
      }
      const size_t whole =
          hostlink::kHeaderSize + (static_cast<size_t>(pending_[5]) << 8 | pending_[6]);
      if (pending_.size() < whole) break;
      writes.push_back(
          Written{clock_.t, Bytes(pending_.begin(), pending_.begin() + static_cast<long>(whole))});
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(whole));
    }
    return Status::Ok;
  }
  // Bytes of a frame still incomplete (a reply cut short would stay here).
  [[nodiscard]] const Bytes& pending() const { return pending_; }

  std::vector<Written> writes;
  size_t write_calls = 0;          // HostLink::write calls (a streamed reply takes several)
  size_t max_per_read = SIZE_MAX;  // smaller values fragment what the reader gets
  bool fail_writes = false;
  uint64_t reads = 0;

 private:
  Bytes pending_;
  struct Chunk {
    uint64_t at_us;
    Bytes bytes;
    size_t pos;
  };
  uint64_t last_time() const { return chunks_.empty() ? clock_.t : chunks_.back().at_us; }

  FakeClock& clock_;
  std::deque<Chunk> chunks_;
  bool closed_ = false;
};

class FakeReader final : public core::IdCardReader {
 public:
  FakeReader() {
    for (size_t i = 0; i < sizeof(text); ++i) text[i] = static_cast<uint8_t>(0x40 + i % 31);
    for (size_t i = 0; i < sizeof(photo); ++i) photo[i] = static_cast<uint8_t>(i * 7 + 3);
    for (size_t i = 0; i < sizeof(fingerprint); ++i)
      fingerprint[i] = static_cast<uint8_t>(0xF0 ^ (i * 13));
    for (size_t i = 0; i < sizeof(addresses); ++i) addresses[i] = static_cast<uint8_t>(i + 1);
    for (size_t i = 0; i < sizeof(id); ++i) id[i] = static_cast<uint8_t>(0xA0 + i);
  }

  Status init() override { return Status::Ok; }
  Status sam_reset() override {
    ++calls.sam_reset;
    return sam_reset_status;
  }
  Status sam_self_test() override {
    ++calls.sam_self_test;
    return sam_self_test_status;
  }
  Status sam_id(uint8_t (&out)[16]) override {
    ++calls.sam_id;
    for (size_t i = 0; i < 16; ++i) out[i] = id[i];
    return sam_id_status;
  }
  Status find_card() override {
    ++calls.find;
    return find_status;
  }
  Status select_card(uint8_t (&uid)[card::kUidSize]) override {
    ++calls.select;
    for (size_t i = 0; i < card::kUidSize; ++i) uid[i] = static_cast<uint8_t>(0x11 * (i + 1));
    return select_status;
  }
  Status read_base(uint8_t* t, uint8_t* p) override {
    ++calls.read_base;
    for (size_t i = 0; i < card::kTextSize; ++i) t[i] = text[i];
    for (size_t i = 0; i < card::kPhotoSize; ++i) p[i] = photo[i];
    return read_base_status;
  }
  Status read_fingerprint(uint8_t* fp, size_t& fp_len) override {
    ++calls.read_fingerprint;
    fp_len = fingerprint_len;
    for (size_t i = 0; i < fingerprint_len && i < card::kFingerprintSize; ++i)
      fp[i] = fingerprint[i];
    return fingerprint_status;
  }
  Status read_addresses(uint8_t* buf, size_t& len) override {
    ++calls.read_addresses;
    len = address_entries * card::kAddressEntrySize;
    for (size_t i = 0; i < len && i < card::kAddressFileSize; ++i) buf[i] = addresses[i];
    return addresses_status;
  }
  bool issuer_macs_rejected() const override { return issuer_rejected; }
  void field_off() override { ++calls.field_off; }

  struct Calls {
    int sam_reset = 0, sam_self_test = 0, sam_id = 0, find = 0, select = 0, read_base = 0,
        read_fingerprint = 0, read_addresses = 0, field_off = 0;
  } calls;

  Status sam_reset_status = Status::Ok;
  Status sam_self_test_status = Status::Ok;
  Status sam_id_status = Status::Ok;
  Status find_status = Status::Ok;
  Status select_status = Status::Ok;
  Status read_base_status = Status::Ok;
  bool issuer_rejected = false;  // with a DataCheckFailed read: the SAM's issuer MAC verdict
  Status fingerprint_status = Status::Ok;
  size_t fingerprint_len = card::kFingerprintSize;
  Status addresses_status = Status::Ok;
  size_t address_entries = 1;

  uint8_t text[card::kTextSize];
  uint8_t photo[card::kPhotoSize];
  uint8_t fingerprint[card::kFingerprintSize];
  uint8_t addresses[card::kAddressFileSize];
  uint8_t id[16];
};

class RecordingBaudHook final : public core::HostBaudHook {
 public:
  explicit RecordingBaudHook(const FakeHostLink& link) : link_(link) {}
  void set_host_baud(uint32_t baud) override {
    bauds.push_back(baud);
    writes_before.push_back(link_.writes.size());
  }
  std::vector<uint32_t> bauds;
  std::vector<size_t> writes_before;  // replies already written when the hook ran

 private:
  const FakeHostLink& link_;
};

// Independent XOR, so the tests do not check the codec with itself.
inline uint8_t xor_of(const Bytes& b, size_t from, size_t to) {
  uint8_t x = 0;
  for (size_t i = from; i < to; ++i) x = static_cast<uint8_t>(x ^ b[i]);
  return x;
}

// AA AA AA 96 69 | LEN, assembled by hand: a frame's preamble and length field, LEN as given
// (the parser tests give lengths no frame may have).
inline Bytes frame_head(uint16_t len) {
  return {0xAA,
          0xAA,
          0xAA,
          0x96,
          0x69,
          static_cast<uint8_t>(len >> 8),
          static_cast<uint8_t>(len & 0xFF)};
}

// frame_head | body | CHK.
inline Bytes frame_of(const Bytes& body) {
  const Bytes head = frame_head(static_cast<uint16_t>(body.size() + 1));
  // Sized once and filled by copy: GCC 12 at -O2 reports a false -Warray-bounds when a
  // vector built from a 7-byte list grows by insert.
  Bytes f(head.size() + body.size() + 1);
  std::copy(body.begin(), body.end(), std::copy(head.begin(), head.end(), f.begin()));
  f.back() = xor_of(f, 5, f.size() - 1);
  return f;
}

inline Bytes bare_reply(uint8_t sw3) {
  return frame_of({0x00, 0x00, sw3});
}

}  // namespace idr::test
