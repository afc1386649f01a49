#include "idr/core/hostlink/legacy_server.h"

namespace idr::core {

Status LegacyServer::serve_once(uint32_t timeout_us) {
  hostlink::ParseEvent event = hostlink::ParseEvent::kNone;
  const Status received = receiver_.receive(timeout_us, event);
  if (received != Status::Ok) return received;

  LegacyOutcome outcome;
  switch (event) {
    case hostlink::ParseEvent::kFrame:
      // A faulty reader runs no command: nothing it would do can be trusted.
      if (fault_ == nullptr || !fault_->faulted())
        outcome = commands_.handle(receiver_.parser().request(), reply_, sizeof(reply_));
      break;
    case hostlink::ParseEvent::kBadChecksum:
      ++counters_.bad_checksum;
      outcome.reply_size =
          hostlink::build_status_reply(hostlink::sw3::kChecksumError, reply_, sizeof(reply_));
      break;
    case hostlink::ParseEvent::kBadLength:
      ++counters_.bad_length;
      outcome.reply_size =
          hostlink::build_status_reply(hostlink::sw3::kLengthError, reply_, sizeof(reply_));
      break;
    case hostlink::ParseEvent::kNone:
      return Status::Timeout;  // receive() never reports Ok without an event
  }
  if (fault_ != nullptr && fault_->faulted()) {
    ++counters_.fault_replies;
    outcome = LegacyOutcome{};
    outcome.reply_size =
        hostlink::build_status_reply(hostlink::sw3::kSelfTestFailed, reply_, sizeof(reply_));
  }
  if (outcome.reply_size == 0) return Status::BufferTooSmall;  // cannot happen: sized above

  const Status written = link_.write(reply_, outcome.reply_size);
  if (written != Status::Ok) return written;
  ++counters_.replies;
  if (outcome.new_baud != 0 && baud_hook_ != nullptr) baud_hook_->set_host_baud(outcome.new_baud);
  return Status::Ok;
}

LegacyServerCounters LegacyServer::counters() const {
  LegacyServerCounters c = counters_;
  c.dropped_partial = receiver_.dropped_partial_frames();
  return c;
}

}  // namespace idr::core
