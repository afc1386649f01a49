#include "idr/board/vpcd_host_link.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "idr/posix/loopback.h"
#include "idr/posix/poll_wait.h"

namespace idr::board {

namespace pcsc = ::idr::proto::pcsc;
namespace hl = ::idr::hostlink;

namespace {

int64_t now_ms() {
  timespec t{};
  (void)::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

// Exactly n bytes within timeout_ms (a vpcd message arrives whole, so this is short).
bool read_within(int fd, uint8_t* buf, size_t n, int timeout_ms) {
  const int64_t deadline = now_ms() + timeout_ms;
  size_t have = 0;
  while (have < n) {  // bounded by the deadline
    const int64_t left = deadline - now_ms();
    if (left <= 0 || !posix::readable(fd, static_cast<int>(left))) return false;
    const ssize_t r = ::read(fd, buf + have, n - have);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) return false;
    have += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

VpcdHostLink::~VpcdHostLink() {
  drop_connection();
}

Status VpcdHostLink::connect_to(uint16_t port) {
  if (port == 0) return Status::InvalidArgument;
  port_ = port;
  return Status::Ok;
}

void VpcdHostLink::drop_connection() {
  if (conn_ >= 0) ::close(conn_);
  conn_ = -1;
  awaiting_reply_ = false;
  request_len_ = request_given_ = reply_len_ = 0;
}

bool VpcdHostLink::send_message(const uint8_t* payload, size_t n) {
  const uint8_t len[2] = {static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n & 0xFF)};
  return posix::write_all(conn_, len, 2) && posix::write_all(conn_, payload, n);
}

bool VpcdHostLink::send_status(uint16_t sw) {
  const uint8_t bytes[2] = {static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw & 0xFF)};
  return send_message(bytes, 2);
}

VpcdHostLink::Message VpcdHostLink::receive_message(int ms) {
  if (conn_ < 0) {
    const int64_t now = now_ms();
    if (now >= next_connect_ms_) {
      next_connect_ms_ = now + kReconnectMs;
      conn_ = posix::connect_loopback(port_);  // vpcd takes it at its next poll: inserted
    }
    if (conn_ < 0 && ms > 0) (void)::poll(nullptr, 0, ms);
    return Message::None;
  }
  if (!posix::readable(conn_, ms)) return Message::None;
  uint8_t len_bytes[2];
  if (!read_within(conn_, len_bytes, 2, kMessageTimeoutMs)) {
    drop_connection();  // vpcd went: the card is removed
    return Message::Gone;
  }
  const size_t len = static_cast<size_t>((len_bytes[0] << 8) | len_bytes[1]);
  const size_t keep = len < sizeof(message_) ? len : sizeof(message_);
  if (!read_within(conn_, message_, keep, kMessageTimeoutMs)) {
    drop_connection();
    return Message::Gone;
  }
  // An APDU larger than any envelope: read past it (at most 64 KiB), answer 67 00.
  for (size_t skipped = keep; skipped < len;) {
    uint8_t sink[256];
    const size_t n = len - skipped < sizeof(sink) ? len - skipped : sizeof(sink);
    if (!read_within(conn_, sink, n, kMessageTimeoutMs)) {
      drop_connection();
      return Message::Gone;
    }
    skipped += n;
  }
  bool ok = true;
  if (len == 1) {
    switch (message_[0]) {
      case 0x04:  // get ATR: the only control message with an answer
        ok = send_message(pcsc::kAtr.bytes, pcsc::kAtrSize);
        break;
      case 0x00:  // power off, 01 power on, 02 reset: the application has no card state
      case 0x01:
      case 0x02:
      default:
        break;
    }
  } else if (len > 1) {
    const uint8_t* frame = nullptr;
    size_t frame_len = 0;
    const uint16_t sw =
        keep == len ? pcsc::open_envelope(message_, len, frame, frame_len) : pcsc::kSwWrongLength;
    if (sw == pcsc::kSwOk) {
      for (size_t i = 0; i < frame_len; ++i) request_[i] = frame[i];
      request_len_ = frame_len;
      request_given_ = 0;
      reply_len_ = 0;
      awaiting_reply_ = true;
      reply_deadline_ms_ = now_ms() + kReplyTimeoutMs;
      return Message::Envelope;
    }
    ok = send_status(sw);
  }
  if (!ok) {
    drop_connection();
    return Message::Gone;
  }
  return Message::Handled;
}

Status VpcdHostLink::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (port_ == 0) return Status::Io;
  const int ms = posix::wait_ms(timeout_us, kMaxRealWaitMs);
  if (!awaiting_reply_) {
    switch (receive_message(ms)) {
      case Message::Gone:
        return Status::Io;
      case Message::None:
      case Message::Handled:
        return Status::Timeout;
      case Message::Envelope:
        break;
    }
  }
  if (request_given_ < request_len_) {
    const size_t left = request_len_ - request_given_;
    got = left < max ? left : max;
    for (size_t i = 0; i < got; ++i) buf[i] = request_[request_given_ + i];
    request_given_ += got;
    return Status::Ok;
  }
  // The whole request was handed out and no reply came yet: nothing to read meanwhile
  // (vpcd waits for this response before it sends anything else).
  if (ms > 0) (void)::poll(nullptr, 0, ms);
  if (now_ms() >= reply_deadline_ms_) {
    awaiting_reply_ = false;
    if (!send_status(pcsc::kSwNoReply)) {
      drop_connection();
      return Status::Io;
    }
  }
  return Status::Timeout;
}

Status VpcdHostLink::write(const uint8_t* data, size_t len) {
  if (conn_ < 0) return Status::Io;
  if (!awaiting_reply_) return Status::Ok;  // nobody asked: nowhere to send it
  uint8_t* const frame = reply_;
  const size_t room = hl::kMaxReplyFrame - reply_len_;
  const size_t take = len < room ? len : room;
  for (size_t i = 0; i < take; ++i) frame[reply_len_ + i] = data[i];
  reply_len_ += take;

  const size_t whole = pcsc::frame_size(frame, reply_len_);
  uint16_t sw = pcsc::kSwOk;
  if (reply_len_ >= hl::kHeaderSize && (whole == 0 || whole > hl::kMaxReplyFrame))
    sw = pcsc::kSwNoReply;  // not a reply frame: never pass garbage to the host
  else if (whole == 0 || reply_len_ < whole)
    return Status::Ok;  // more to come

  awaiting_reply_ = false;
  request_len_ = request_given_ = 0;
  bool sent = false;
  if (sw == pcsc::kSwOk) {
    frame[whole] = 0x90;  // bytes after the one frame are dropped
    frame[whole + 1] = 0x00;
    sent = send_message(frame, whole + pcsc::kSwSize);
  } else {
    sent = send_status(sw);
  }
  reply_len_ = 0;
  if (sent) return Status::Ok;
  drop_connection();
  return Status::Io;
}

}  // namespace idr::board
