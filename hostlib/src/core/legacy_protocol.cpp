#include "legacy_protocol.h"

#include <cstdio>
#include <cstring>

#include "idr/proto/card_layout.h"
#include "idr/proto/hostlink.h"

namespace idr::detail {

namespace hl = idr::hostlink;
using Clock = std::chrono::steady_clock;

struct LegacyLink::Parser {
  hl::ReplyParser frames;
};

LegacyLink::LegacyLink(Transport& transport)
    : transport_(transport), parser_(std::make_unique<Parser>()) {}
LegacyLink::~LegacyLink() = default;

Result<void> LegacyLink::drain_outstanding() {
  if (!outstanding_) return {};
  if (Clock::now() < outstanding_until_) {
    // Keep the parser's partial frame: the rest of the late reply completes it.
    auto late = receive(outstanding_until_);
    if (!late && late.error() == Error::Cancelled) return Error::Cancelled;
  }
  outstanding_ = false;
  return {};
}

Result<ReplyFrame> LegacyLink::receive(Clock::time_point deadline) {
  uint8_t chunk[4096];
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Error::Timeout;
    auto got = transport_.read(chunk, sizeof(chunk), left);
    if (!got) return got.error();
    size_t at = 0;
    while (at < *got) {
      hl::ParseEvent event = hl::ParseEvent::kNone;
      at += parser_->frames.push(chunk + at, *got - at, event);
      switch (event) {
        case hl::ParseEvent::kNone:
          break;
        case hl::ParseEvent::kBadChecksum:
        case hl::ParseEvent::kBadLength:
          outstanding_ = false;
          return Error::MalformedReply;
        case hl::ParseEvent::kFrame: {
          outstanding_ = false;
          const hl::Reply reply = parser_->frames.reply();
          if (reply.sw1 != 0x00 || reply.sw2 != 0x00) return Error::MalformedReply;
          ReplyFrame out;
          out.sw1 = reply.sw1;
          out.sw2 = reply.sw2;
          out.sw3 = reply.sw3;
          out.data.assign(reply.data, reply.data + reply.data_len);
          return out;  // bytes after the frame are dropped with the next discard_input()
        }
      }
    }
  }
}

Result<ReplyFrame> LegacyLink::transact(uint8_t command, uint8_t parameter, const uint8_t* data,
                                        size_t data_len, std::chrono::milliseconds budget) {
  uint8_t request[hl::kMaxRequestFrame];
  const size_t request_size =
      hl::build_request(command, parameter, data, data_len, request, sizeof(request));
  if (request_size == 0) return Error::InvalidArgument;

  if (auto d = drain_outstanding(); !d) return d.error();
  // A late reply to an earlier (timed-out) command must not answer this one.
  transport_.discard_input();
  parser_->frames.reset();
  const auto deadline = Clock::now() + budget;
  if (auto w = transport_.write(request, request_size); !w) return w.error();
  outstanding_ = true;  // until its reply ends or its deadline passes
  outstanding_until_ = deadline;
  return receive(deadline);
}

namespace {

// An error status from the reader, or MalformedReply for a success code that does not
// belong to this command (e.g. 9F answering a read).
Error status_error(uint8_t sw3) {
  const Error e = error_from_sw3(sw3);
  return e == Error::Ok ? Error::MalformedReply : e;
}

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

Result<void> parse_plain_ok(const ReplyFrame& r) {
  if (r.sw3 != hl::sw3::kOk) return status_error(r.sw3);
  if (!r.data.empty()) return Error::MalformedReply;  // OK is the bare 11-byte frame
  return {};
}

std::string sam_id_text(const std::array<uint8_t, 16>& raw) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%02u.%02u-%08u-%010u-%010u", unsigned{le16(&raw[0])},
                unsigned{le16(&raw[2])}, le32(&raw[4]), le32(&raw[8]), le32(&raw[12]));
  return buf;
}

Result<SamId> parse_sam_id(const ReplyFrame& r) {
  if (r.sw3 != hl::sw3::kOk) return status_error(r.sw3);
  // LEN exactly 00 14: SW1 SW2 SW3 + 16 + CHK (DESIGN 8).
  if (r.data.size() != 16) return Error::MalformedReply;
  SamId id;
  std::memcpy(id.raw.data(), r.data.data(), id.raw.size());
  id.text = sam_id_text(id.raw);
  return id;
}

Result<bool> parse_find(const ReplyFrame& r) {
  if (r.sw3 == hl::sw3::kFindFailed) {
    if (!r.data.empty()) return Error::MalformedReply;
    return false;
  }
  if (r.sw3 != hl::sw3::kFindOk) return status_error(r.sw3);
  if (r.data.size() != 4) return Error::MalformedReply;  // 4 bytes of management info
  return true;
}

Result<void> parse_select(const ReplyFrame& r) {
  if (r.sw3 == hl::sw3::kSelectFailed) return Error::NoCard;
  if (r.sw3 != hl::sw3::kOk) return status_error(r.sw3);
  if (r.data.size() != 8) return Error::MalformedReply;  // 8 bytes of management message
  return {};
}

Result<CardData> parse_read_base(const ReplyFrame& r, bool with_fingerprint) {
  if (r.sw3 != hl::sw3::kOk) return status_error(r.sw3);
  // After SW3: big-endian lengths text 0x0100, photo 0x0400 [, fingerprint 0/0x200/0x400],
  // then the data (DESIGN 8: 1295 bytes for 30 01; 30 10 by its fingerprint length).
  const size_t lengths = with_fingerprint ? 6 : 4;
  if (r.data.size() < lengths) return Error::MalformedReply;
  const uint8_t* d = r.data.data();
  if (be16(d) != card::kTextSize || be16(d + 2) != card::kPhotoSize) return Error::MalformedReply;
  size_t fp_len = 0;
  if (with_fingerprint) {
    fp_len = be16(d + 4);
    if (fp_len != 0 && fp_len != card::kFingerprintTemplateSize && fp_len != card::kFingerprintSize)
      return Error::MalformedReply;
  }
  if (r.data.size() != lengths + card::kBaseSize + fp_len) return Error::MalformedReply;

  auto decoded = decode_text(d + lengths);
  if (!decoded) return decoded.error();
  CardData c = std::move(decoded).value();
  const uint8_t* photo = d + lengths + card::kTextSize;
  c.photo.assign(photo, photo + card::kPhotoSize);
  c.fields_read = kText | kPhoto;
  if (with_fingerprint) {
    const uint8_t* fp = photo + card::kPhotoSize;
    c.fingerprint.assign(fp, fp + fp_len);
    c.fields_read |= kFingerprint;
  }
  return c;
}

Result<std::vector<std::string>> parse_addresses(const ReplyFrame& r) {
  std::vector<std::string> out;
  if (r.sw3 == hl::sw3::kNoSuchContent) {
    if (!r.data.empty()) return Error::MalformedReply;
    return out;  // the card has no appended address
  }
  if (r.sw3 != hl::sw3::kOk) return status_error(r.sw3);
  const size_t n = r.data.size() / card::kAddressEntrySize;
  if (r.data.empty() || r.data.size() % card::kAddressEntrySize != 0 || n > card::kAddressEntries)
    return Error::MalformedReply;
  for (size_t i = 0; i < n; ++i) {
    auto text =
        ucs2le_to_utf8(r.data.data() + i * card::kAddressEntrySize, card::kAddressEntrySize);
    if (!text) return text.error();
    // Unused slots (spaces or zeros: the reader pads LEN, DESIGN 8) carry no address.
    if (!text->empty()) out.push_back(std::move(text).value());
  }
  return out;
}

}  // namespace idr::detail
