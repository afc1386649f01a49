#include "idr/core/hostlink/frame_receiver.h"

namespace idr::core {

bool FrameReceiver::feed_queued(hostlink::ParseEvent& event) {
  event = hostlink::ParseEvent::kNone;
  if (queue_pos_ >= queue_len_) return false;
  queue_pos_ += parser_.push(queue_ + queue_pos_, queue_len_ - queue_pos_, event);
  return event != hostlink::ParseEvent::kNone;
}

void FrameReceiver::drop_if_stalled(uint64_t now) {
  if (parser_.mid_frame() && now - last_byte_us_ >= kInterByteTimeoutUs) {
    parser_.reset();
    ++dropped_;
  }
}

Status FrameReceiver::receive(uint32_t timeout_us, hostlink::ParseEvent& event) {
  event = hostlink::ParseEvent::kNone;
  const uint64_t start = clock_.now_us();
  for (uint32_t reads = 0; reads < kMaxReadsPerCall; ++reads) {
    // The queue holds at most kReadChunk bytes and every pass consumes at least one.
    if (feed_queued(event)) return Status::Ok;

    const uint64_t now = clock_.now_us();
    drop_if_stalled(now);
    const uint64_t elapsed = now - start;
    if (reads > 0 && elapsed >= timeout_us) return Status::Timeout;

    uint64_t wait = elapsed >= timeout_us ? 0 : timeout_us - elapsed;
    if (parser_.mid_frame()) {
      // Wake up when the partial frame would time out, to drop it on time.
      const uint64_t left = kInterByteTimeoutUs - (now - last_byte_us_);
      if (left < wait) wait = left;
    }

    size_t got = 0;
    const Status s = link_.read(queue_, sizeof(queue_), got, static_cast<uint32_t>(wait));
    if (s == Status::Ok) {
      if (got > sizeof(queue_)) got = sizeof(queue_);  // a link that over-reports
      queue_pos_ = 0;
      queue_len_ = got;
      if (got > 0) last_byte_us_ = clock_.now_us();
      continue;
    }
    if (s == Status::Timeout) continue;
    // The host went away: a new connection must start clean.
    parser_.reset();
    queue_pos_ = queue_len_ = 0;
    return s;
  }
  return Status::Timeout;
}

}  // namespace idr::core
