#include "idr/core/hostlink/legacy_server.h"

namespace idr::core {

Status LegacyServer::serve_once(uint32_t timeout_us) {
  hostlink::ParseEvent event = hostlink::ParseEvent::kNone;
  const Status received = receiver_.receive(timeout_us, event);
  if (received != Status::Ok) return received;

  LegacyOutcome outcome;
  // The counter of the kind of reply this is, bumped only once the reply went out: a count
  // says the host was told (fault_reported() ends the simulator boards on it).
  uint32_t* answered_kind = nullptr;
  switch (event) {
    case hostlink::ParseEvent::kFrame:
      // A faulty reader runs no command: nothing it would do can be trusted.
      if (fault_ == nullptr || !fault_->faulted())
        outcome = commands_.handle(receiver_.parser().request(), reply_, cards_);
      break;
    case hostlink::ParseEvent::kBadChecksum:
      answered_kind = &counters_.bad_checksum;
      outcome.reply_size = hostlink::build_status_reply(hostlink::sw3::kChecksumError,
                                                        reply_.buffer(), reply_.capacity());
      break;
    case hostlink::ParseEvent::kBadLength:
      answered_kind = &counters_.bad_length;
      outcome.reply_size = hostlink::build_status_reply(hostlink::sw3::kLengthError,
                                                        reply_.buffer(), reply_.capacity());
      break;
    case hostlink::ParseEvent::kNone:
      return Status::Timeout;  // receive() never reports Ok without an event
  }
  bool streamed = outcome.reply_size == kReplyStreamed;
  // A streamed reply that began after the fault sent nothing (reply_writer.h): the
  // reader-fault reply is the only one.
  if (fault_ != nullptr && fault_->faulted() && !(streamed && reply_.streamed_any())) {
    streamed = false;
    answered_kind = &counters_.fault_replies;
    outcome = LegacyOutcome{};
    outcome.reply_size = hostlink::build_status_reply(hostlink::sw3::kSelfTestFailed,
                                                      reply_.buffer(), reply_.capacity());
  }
  // A fault during a streamed reply (a flash read of the chain half-way through): that
  // reply went out broken (reply_writer.h); the next command gets the SW3 60.
  if (outcome.reply_size == 0) return Status::BufferTooSmall;  // cannot happen: sized above

  const Status written =
      streamed ? reply_.streamed_status() : reply_.send_built(outcome.reply_size);
  if (written != Status::Ok) return written;
  ++counters_.replies;
  if (answered_kind != nullptr) ++*answered_kind;
  if (outcome.new_baud != 0 && baud_hook_ != nullptr) baud_hook_->set_host_baud(outcome.new_baud);
  return Status::Ok;
}

LegacyServerCounters LegacyServer::counters() const {
  LegacyServerCounters c = counters_;
  c.dropped_partial = receiver_.dropped_partial_frames();
  return c;
}

}  // namespace idr::core
