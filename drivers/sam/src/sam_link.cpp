#include "idr/drivers/sam_link.h"

namespace idr::drivers {

namespace {
constexpr size_t kLenOffset = 1;
constexpr size_t kBodyOffset = sam::kHeaderSize;  // CMD or STATUS
constexpr size_t kMinLen = 2;                     // STATUS + CHK
constexpr size_t kMaxLen = 1 + sam::kMaxData + 1;
constexpr uint32_t kBitsPerByte = 10;  // 8N1
constexpr uint64_t kUsPerSecond = 1'000'000;
// Every successful UART read yields at least one byte, so this bounds the receive loop even
// when the line floods us with garbage.
constexpr int kMaxReads = 4 * static_cast<int>(sam::kMaxFrame);
}  // namespace

Status sam_reply_status(uint8_t reply) {
  switch (static_cast<sam::Reply>(reply)) {
    case sam::Reply::Ok:
      return Status::Ok;
    case sam::Reply::CardRejectedSam:
      return Status::CardAuthFailed;
    case sam::Reply::SamRejectedCard:
      return Status::SamAuthFailed;
    case sam::Reply::DataCheckFailed:
      return Status::DataCheckFailed;
    default:
      return Status::SamError;
  }
}

size_t build_sam_frame(uint8_t cmd_or_status, const uint8_t* data, size_t len, uint8_t* out,
                       size_t cap) {
  if (len > sam::kMaxData || (data == nullptr && len != 0)) return 0;
  const size_t frame_len = sam::kHeaderSize + 1 + len + 1;
  if (frame_len > cap) return 0;
  const size_t field = 1 + len + 1;  // LEN counts CMD, DATA and CHK
  out[0] = sam::kSof;
  out[kLenOffset] = static_cast<uint8_t>(field >> 8);
  out[kLenOffset + 1] = static_cast<uint8_t>(field & 0xFF);
  out[kBodyOffset] = cmd_or_status;
  for (size_t i = 0; i < len; ++i) out[kBodyOffset + 1 + i] = data[i];
  out[frame_len - 1] = sam::checksum(out + kLenOffset, frame_len - 1 - kLenOffset);
  return frame_len;
}

SamLink::SamLink(hal::Uart& uart, hal::Clock& clock) : uart_(uart), clock_(clock) {}

Status SamLink::resync() {
  uart_.flush_input();
  clear_rx();
  const size_t n =
      build_sam_frame(static_cast<uint8_t>(sam::Cmd::Reset), nullptr, 0, tx_, sizeof tx_);
  Status st = uart_.write(tx_, n);
  if (st != Status::Ok) return st;
  pending_request_len_ = n;
  const uint64_t quiet = reply_timeout_us();
  const uint64_t start = clock_.now_us();
  bool framed = false;
  uint64_t last_frame = start;
  for (int reads = 0; reads < kMaxReads; ++reads) {
    size_t at = 0;
    size_t len = 0;
    while (find_frame(at, len)) {  // owed replies and Reset's: all discarded
      drop_front(at + len);
      framed = true;
      last_frame = clock_.now_us();
    }
    if (rx_len_ == sizeof rx_) drop_front(sizeof rx_ / 2);  // garbage only: keep the tail
    const uint64_t now = clock_.now_us();
    if (framed && now - last_frame >= quiet) {
      clear_rx();
      desync_ = false;
      return Status::Ok;
    }
    if (now - start >= kResyncLimitUs) break;
    const uint64_t wait = framed ? quiet - (now - last_frame) : kResyncLimitUs - (now - start);
    size_t got = 0;
    st = uart_.read(rx_ + rx_len_, sizeof rx_ - rx_len_, got, static_cast<uint32_t>(wait));
    if (st == Status::Timeout) continue;
    if (st != Status::Ok) return Status::Io;
    rx_len_ += got;
  }
  clear_rx();
  return Status::SamError;  // still out of step: the next request tries again
}

Status SamLink::send_request(sam::Cmd cmd, const uint8_t* req, size_t req_len) {
  if (req_len > sam::kMaxData || (req == nullptr && req_len != 0)) return Status::InvalidArgument;
  if (desync_) {
    const Status st = resync();
    if (st != Status::Ok) return st;
  }
  const size_t n = build_sam_frame(static_cast<uint8_t>(cmd), req, req_len, tx_, sizeof tx_);
  if (n == 0) return Status::InvalidArgument;
  // The SAM never speaks unasked: whatever is pending is stale (e.g. a late reply to a
  // request we gave up on) and would be mistaken for this request's reply.
  uart_.flush_input();
  clear_rx();
  awaiting_reply_ = false;
  const Status st = uart_.write(tx_, n);
  if (st != Status::Ok) {
    desync_ = true;  // part of it may have gone out
    return st;
  }
  pending_request_len_ = n;
  awaiting_reply_ = true;
  return Status::Ok;
}

bool SamLink::find_frame(size_t& start, size_t& frame_len) {
  size_t i = scan_from_;
  if (rx_len_ >= recheck_at_) {  // an incomplete candidate may be complete now
    i = 0;
    recheck_at_ = SIZE_MAX;
  }
  for (; i + sam::kHeaderSize <= rx_len_; ++i) {
    if (rx_[i] != sam::kSof) continue;
    const size_t len = (static_cast<size_t>(rx_[i + 1]) << 8) | rx_[i + 2];
    if (len < kMinLen || len > kMaxLen) continue;  // not a real SOF
    const size_t total = sam::kHeaderSize + len;
    if (i + total > rx_len_) {  // incomplete; a later SOF may still be complete
      if (i + total < recheck_at_) recheck_at_ = i + total;
      continue;
    }
    const uint8_t chk = sam::checksum(rx_ + i + kLenOffset, total - 1 - kLenOffset);
    if (chk != rx_[i + total - 1]) continue;  // garbage that looked like a frame
    start = i;
    frame_len = total;
    scan_from_ = i;  // not ruled out: found again until the caller drops it
    return true;
  }
  scan_from_ = i;
  return false;
}

void SamLink::drop_front(size_t n) {
  if (n >= rx_len_) {
    clear_rx();
    return;
  }
  for (size_t i = n; i < rx_len_; ++i) rx_[i - n] = rx_[i];
  rx_len_ -= n;
  scan_from_ = 0;  // the bytes moved: examine them again
  recheck_at_ = SIZE_MAX;
}

void SamLink::clear_rx() {
  rx_len_ = 0;
  scan_from_ = 0;
  recheck_at_ = SIZE_MAX;
}

size_t SamLink::missing_bytes() const {
  return recheck_at_ != SIZE_MAX && recheck_at_ > rx_len_ ? recheck_at_ - rx_len_ : 0;
}

uint32_t SamLink::wire_time_us(size_t missing) const {
  if (missing < 2) return 0;
  const uint64_t us = (missing - 1) * kBitsPerByte * kUsPerSecond / baud_;
  return us > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(us);
}

uint32_t SamLink::reply_timeout_us() const {
  const uint64_t bytes = pending_request_len_ + sam::kMaxFrame;
  const uint64_t wire_us = bytes * kBitsPerByte * kUsPerSecond / baud_;
  const uint64_t total = wire_us + processing_budget_us_;
  return total > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(total);
}

Status SamLink::receive_reply(uint8_t* data, size_t cap, size_t& data_len) {
  data_len = 0;
  if (!awaiting_reply_) return Status::InvalidArgument;
  awaiting_reply_ = false;
  const uint64_t deadline = clock_.now_us() + reply_timeout_us();
  for (int reads = 0; reads < kMaxReads; ++reads) {
    size_t start = 0;
    size_t frame_len = 0;
    if (find_frame(start, frame_len)) {
      const uint8_t status = rx_[start + kBodyOffset];
      const size_t n = frame_len - sam::kHeaderSize - 2;
      const uint8_t* body = rx_ + start + kBodyOffset + 1;
      Status st = sam_reply_status(status);
      if (st == Status::Ok) {
        if (n > cap || (data == nullptr && n != 0)) {
          st = Status::BufferTooSmall;
        } else {
          for (size_t i = 0; i < n; ++i) data[i] = body[i];
          data_len = n;
        }
      }
      drop_front(start + frame_len);
      return st;
    }
    if (rx_len_ == sizeof rx_) drop_front(sizeof rx_ / 2);  // garbage only: keep the tail
    uint64_t now = clock_.now_us();
    if (now >= deadline) break;
    // No frame can be complete before rx_ holds recheck_at_ bytes: sleep through the wire
    // time of all but the last of the missing ones (never past the deadline) instead of
    // reading them a byte or two at a time (DESIGN 9: firmware CPU per read). Bytes that
    // came in unread meanwhile only make the sleep end a little late, never a frame lost.
    const uint32_t sleep_us = wire_time_us(missing_bytes());
    if (sleep_us > 0 && now + sleep_us < deadline) {
      clock_.delay_us(sleep_us);
      now += sleep_us;  // at least (a delay never ends early)
    }
    size_t got = 0;
    const Status st =
        uart_.read(rx_ + rx_len_, sizeof rx_ - rx_len_, got, static_cast<uint32_t>(deadline - now));
    if (st == Status::Timeout) break;
    if (st != Status::Ok) {
      desync_ = true;
      return Status::Io;
    }
    rx_len_ += got;
  }
  // Silence, a truncated frame or garbage only: the SAM did not answer usably (its reply
  // may still come: resync before the next request).
  clear_rx();
  desync_ = true;
  return Status::SamError;
}

Status SamLink::exchange(sam::Cmd cmd, const uint8_t* req, size_t req_len, uint8_t* data,
                         size_t cap, size_t& data_len) {
  data_len = 0;
  const Status st = send_request(cmd, req, req_len);
  if (st != Status::Ok) return st;
  return receive_reply(data, cap, data_len);
}

Status SamLink::reset() {
  size_t n = 0;
  return exchange(sam::Cmd::Reset, nullptr, 0, nullptr, 0, n);
}

Status SamLink::self_test() {
  size_t n = 0;
  return exchange(sam::Cmd::SelfTest, nullptr, 0, nullptr, 0, n);
}

Status SamLink::get_id(uint8_t (&id)[16]) {
  const Status st = get_id_send();
  if (st != Status::Ok) return st;
  return get_id_receive(id);
}

Status SamLink::get_id_send() {
  return send_request(sam::Cmd::GetId, nullptr, 0);
}

Status SamLink::get_id_receive(uint8_t (&id)[16]) {
  uint8_t buf[sizeof id] = {};
  size_t n = 0;
  const Status st = receive_reply(buf, sizeof buf, n);
  if (st != Status::Ok) return st == Status::BufferTooSmall ? Status::Protocol : st;
  if (n != sizeof id) return Status::Protocol;
  for (size_t i = 0; i < sizeof id; ++i) id[i] = buf[i];
  return Status::Ok;
}

Status SamLink::set_baud(uint32_t baud) {
  if (baud != 115200 && baud != 230400 && baud != 460800 && baud != 921600)
    return Status::InvalidArgument;
  const uint8_t req[4] = {static_cast<uint8_t>(baud >> 24), static_cast<uint8_t>(baud >> 16),
                          static_cast<uint8_t>(baud >> 8), static_cast<uint8_t>(baud)};
  size_t n = 0;
  const Status st = exchange(sam::Cmd::SetBaud, req, sizeof req, nullptr, 0, n);
  if (st != Status::Ok) return st;
  // The OK came at the old rate; from now on both sides use the new one.
  const Status b = uart_.set_baud(baud);
  if (b != Status::Ok) return b;
  baud_ = baud;
  return Status::Ok;
}

Status SamLink::auth_start(const uint8_t (&uid)[8], uint8_t* apdu, size_t cap, size_t& apdu_len) {
  apdu_len = 0;
  const Status st = auth_start_send(uid);
  if (st != Status::Ok) return st;
  return auth_receive(apdu, cap, apdu_len);
}

Status SamLink::auth_next(const uint8_t* card_resp, size_t resp_len, uint8_t* apdu, size_t cap,
                          size_t& apdu_len) {
  apdu_len = 0;
  const Status st = auth_next_send(card_resp, resp_len);
  if (st != Status::Ok) return st;
  return auth_receive(apdu, cap, apdu_len);
}

Status SamLink::auth_start_send(const uint8_t (&uid)[8]) {
  return send_request(sam::Cmd::AuthStart, uid, sizeof uid);
}

Status SamLink::auth_next_send(const uint8_t* card_resp, size_t resp_len) {
  return send_request(sam::Cmd::AuthNext, card_resp, resp_len);
}

Status SamLink::auth_receive(uint8_t* apdu, size_t cap, size_t& apdu_len) {
  return receive_reply(apdu, cap, apdu_len);
}

Status SamLink::unwrap_send(uint8_t file, uint16_t offset, const uint8_t* card_resp,
                            size_t resp_len) {
  if (card_resp == nullptr || resp_len + 3 > sam::kMaxData) return Status::InvalidArgument;
  uint8_t req[sam::kMaxData];
  req[0] = file;
  req[1] = static_cast<uint8_t>(offset >> 8);
  req[2] = static_cast<uint8_t>(offset & 0xFF);
  for (size_t i = 0; i < resp_len; ++i) req[3 + i] = card_resp[i];
  return send_request(sam::Cmd::Unwrap, req, resp_len + 3);
}

Status SamLink::unwrap_receive(uint8_t* plain, size_t cap, size_t& plain_len) {
  return receive_reply(plain, cap, plain_len);
}

}  // namespace idr::drivers
