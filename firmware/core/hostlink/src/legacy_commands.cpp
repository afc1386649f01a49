#include "idr/core/hostlink/legacy_commands.h"

#include <cstring>

#include "idr/core/hostlink/legacy_status.h"

namespace idr::core {
namespace {

namespace cmd = hostlink::cmd;
namespace para = hostlink::para;
namespace sw3 = hostlink::sw3;

size_t bare(uint8_t status3, uint8_t* out, size_t cap) {
  return hostlink::build_status_reply(status3, out, cap);
}

// The read replies keep the LEN low byte below 0x80 (DESIGN 8, signed-char clients):
// 30 01 -> LEN 0x0508; 30 10 -> 0x090A (fp 1024), 0x070A (fp 512), 0x050A (no fp).
constexpr size_t read_reply_size(size_t lengths, size_t fp_len) {
  return hostlink::kReplyDataOffset + lengths + card::kBaseSize + fp_len + hostlink::kChkSize;
}
static_assert(read_reply_size(4, 0) == 1295, "DESIGN 8: 30 01 reply is 1295 bytes");
static_assert(hostlink::legacy_len_ok(read_reply_size(4, 0)));
static_assert(hostlink::legacy_len_ok(read_reply_size(6, card::kFingerprintSize)));
static_assert(hostlink::legacy_len_ok(read_reply_size(6, card::kFingerprintTemplateSize)));
static_assert(hostlink::legacy_len_ok(read_reply_size(6, 0)));

void put_be16(uint8_t* at, size_t value) {
  at[0] = static_cast<uint8_t>(value >> 8);
  at[1] = static_cast<uint8_t>(value & 0xFF);
}

}  // namespace

LegacyOutcome LegacyCommands::handle(const hostlink::Request& req, ReplyWriter& reply,
                                     CardBuffers& cards) {
  LegacyOutcome outcome;
  uint8_t* const out = reply.buffer();
  const size_t cap = reply.capacity();
  const bool no_data = req.data_len == 0;
  switch (req.command) {
    case cmd::kReset:
    case cmd::kStatus:
    case cmd::kSamId:
      if (req.parameter != para::kNone) break;
      outcome.reply_size = no_data ? sam_command(req, out, cap) : bare(sw3::kLengthError, out, cap);
      return outcome;
    case cmd::kCard:
      if (req.parameter != para::kFind && req.parameter != para::kSelect) break;
      outcome.reply_size =
          no_data ? card_command(req, out, cap) : bare(sw3::kLengthError, out, cap);
      return outcome;
    case cmd::kRead:
      if (req.parameter != para::kReadBase && req.parameter != para::kReadAddress &&
          req.parameter != para::kReadBaseFingerprint)
        break;
      outcome.reply_size =
          !no_data ? bare(sw3::kLengthError, out, cap)
          : req.parameter == para::kReadAddress
              ? read_addresses(reply, cards)
              : read_base(req.parameter == para::kReadBaseFingerprint, reply, cards);
      return outcome;
    case cmd::kSetBaud:
      if (req.parameter >= hostlink::kBaudCodeCount) break;
      if (!no_data) {
        outcome.reply_size = bare(sw3::kLengthError, out, cap);
        return outcome;
      }
      // Answered at the old rate; the caller switches after the reply has left.
      outcome.reply_size = bare(sw3::kOk, out, cap);
      outcome.new_baud = hostlink::kBaudByCode[req.parameter];
      return outcome;
    case cmd::kSetMaxRfFrame:
      if (req.parameter != para::kNone) break;
      // The reader always uses the card's own frame size; the request is acknowledged.
      outcome.reply_size = bare(req.data_len == 1 ? sw3::kOk : sw3::kLengthError, out, cap);
      return outcome;
    case cmd::kExtension:
      if (extension_ == nullptr) break;
      outcome.reply_size = extension_->handle_extension(req, reply, cards);
      return outcome;
    default:
      break;
  }
  outcome.reply_size = bare(sw3::kCommandError, out, cap);
  return outcome;
}

LegacyOutcome LegacyCommands::handle(const hostlink::Request& req, uint8_t* out, size_t cap) {
  BufferHostLink link(out, cap);
  ReplyWriter reply(link);
  CardBuffers cards;
  LegacyOutcome outcome = handle(req, reply, cards);
  if (outcome.reply_size == kReplyStreamed) {
    const bool whole = reply.streamed_status() == Status::Ok && !link.overflowed();
    outcome.reply_size = whole ? link.size() : 0;
  } else if (outcome.reply_size != 0 && reply.send_built(outcome.reply_size) != Status::Ok) {
    outcome.reply_size = 0;
  }
  return outcome;
}

size_t LegacyCommands::sam_command(const hostlink::Request& req, uint8_t* out, size_t cap) {
  if (req.command == cmd::kReset) return bare(sw3_for_sam(reader_.sam_reset()), out, cap);
  if (req.command == cmd::kStatus) return bare(sw3_for_sam(reader_.sam_self_test()), out, cap);
  uint8_t id[16] = {};
  const Status s = reader_.sam_id(id);
  if (s != Status::Ok) return bare(sw3_for_sam(s), out, cap);
  return hostlink::build_reply(sw3::kOk, id, sizeof(id), out, cap);
}

size_t LegacyCommands::card_command(const hostlink::Request& req, uint8_t* out, size_t cap) {
  if (req.parameter == para::kFind) {
    const Status s = reader_.find_card();
    if (s != Status::Ok) return bare(sw3_for_find(s), out, cap);
    const uint8_t management_info[4] = {};  // clients compare it: always zero (DESIGN 8)
    return hostlink::build_reply(sw3::kFindOk, management_info, sizeof(management_info), out, cap);
  }
  uint8_t uid[card::kUidSize] = {};
  const Status s = reader_.select_card(uid);
  if (s != Status::Ok) return bare(sw3_for_select(s), out, cap);
  // DESIGN 8: select OK carries 8 zero bytes, not the UID.
  const uint8_t management_message[8] = {};
  return hostlink::build_reply(sw3::kOk, management_message, sizeof(management_message), out, cap);
}

size_t LegacyCommands::read_base(bool with_fingerprint, ReplyWriter& reply, CardBuffers& cards) {
  // Reply DATA: lengths (2 or 3 x u16 BE), text, photo [, fingerprint], streamed from the
  // card buffers.
  uint8_t* const out = reply.buffer();
  const size_t cap = reply.capacity();
  size_t fp_len = 0;
  // With the fingerprint: one read of both files and one issuer-MAC check (DESIGN 9).
  Status s = with_fingerprint
                 ? reader_.read_base_fingerprint(cards.text, cards.photo, cards.fingerprint, fp_len)
                 : reader_.read_base(cards.text, cards.photo);
  if (s != Status::Ok) return bare(sw3_for_read(s), out, cap);
  if (with_fingerprint && fp_len != 0 && fp_len != card::kFingerprintTemplateSize &&
      fp_len != card::kFingerprintSize)
    return bare(sw3::kReadFailed, out, cap);

  uint8_t lengths[6];
  const size_t lengths_size = with_fingerprint ? 6 : 4;
  put_be16(lengths, card::kTextSize);
  put_be16(lengths + 2, card::kPhotoSize);
  put_be16(lengths + 4, fp_len);
  reply.begin(sw3::kOk, lengths_size + card::kBaseSize + fp_len);
  reply.put(lengths, lengths_size);
  reply.put(cards.text, card::kTextSize);
  reply.put(cards.photo, card::kPhotoSize);
  reply.put(cards.fingerprint, fp_len);
  (void)reply.end();  // the server reads the outcome from streamed_status()
  return kReplyStreamed;
}

size_t LegacyCommands::read_addresses(ReplyWriter& reply, CardBuffers& cards) {
  uint8_t* const out = reply.buffer();
  const size_t cap = reply.capacity();
  uint8_t* const data = cards.addresses;
  size_t len = 0;
  const Status s = reader_.read_addresses(data, len);
  if (s != Status::Ok) return bare(sw3_for_read(s), out, cap);
  if (len == 0) return bare(sw3::kNoSuchContent, out, cap);
  if (len % card::kAddressEntrySize != 0 || len > card::kAddressFileSize)
    return bare(sw3::kReadFailed, out, cap);

  // Keep the LEN low byte below 0x80 (see the header): pad to all entry slots.
  if (!hostlink::legacy_len_ok(hostlink::kReplyDataOffset + len + hostlink::kChkSize)) {
    for (size_t i = len; i + 1 < card::kAddressFileSize; i += 2) {
      data[i] = 0x20;
      data[i + 1] = 0x00;
    }
    len = card::kAddressFileSize;
  }
  reply.begin(sw3::kOk, len);
  reply.put(data, len);
  (void)reply.end();
  return kReplyStreamed;
}

}  // namespace idr::core
