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

LegacyOutcome LegacyCommands::handle(const hostlink::Request& req, uint8_t* out, size_t cap) {
  LegacyOutcome outcome;
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
          no_data ? read_command(req, out, cap) : bare(sw3::kLengthError, out, cap);
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
      outcome.reply_size = extension_->handle_extension(req, out, cap);
      return outcome;
    default:
      break;
  }
  outcome.reply_size = bare(sw3::kCommandError, out, cap);
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

size_t LegacyCommands::read_command(const hostlink::Request& req, uint8_t* out, size_t cap) {
  if (cap < kMaxLegacyReplyFrame) return bare(sw3::kReadFailed, out, cap);
  if (req.parameter == para::kReadAddress) return read_addresses(out, cap);
  return read_base(req.parameter == para::kReadBaseFingerprint, out, cap);
}

size_t LegacyCommands::read_base(bool with_fingerprint, uint8_t* out, size_t cap) {
  // Layout after SW3: lengths (2 or 3 x u16 BE), text, photo [, fingerprint]. The card data
  // is read straight into the reply buffer.
  const size_t lengths = with_fingerprint ? 6 : 4;
  uint8_t* data = out + hostlink::kReplyDataOffset;
  uint8_t* text = data + lengths;
  uint8_t* photo = text + card::kTextSize;
  uint8_t* fingerprint = photo + card::kPhotoSize;

  Status s = reader_.read_base(text, photo);
  if (s != Status::Ok) return bare(sw3_for_read(s), out, cap);

  size_t fp_len = 0;
  if (with_fingerprint) {
    s = reader_.read_fingerprint(fingerprint, fp_len);
    // A card without fingerprint file: the reply says fingerprint length 0.
    if (s == Status::NoSuchContent) {
      s = Status::Ok;
      fp_len = 0;
    }
    if (s != Status::Ok) return bare(sw3_for_read(s), out, cap);
    if (fp_len != 0 && fp_len != card::kFingerprintTemplateSize && fp_len != card::kFingerprintSize)
      return bare(sw3::kReadFailed, out, cap);
  }

  put_be16(data, card::kTextSize);
  put_be16(data + 2, card::kPhotoSize);
  if (with_fingerprint) put_be16(data + 4, fp_len);
  const size_t data_len = lengths + card::kBaseSize + fp_len;
  return hostlink::seal_reply(out, cap, 0x00, 0x00, sw3::kOk, data_len);
}

size_t LegacyCommands::read_addresses(uint8_t* out, size_t cap) {
  uint8_t* data = out + hostlink::kReplyDataOffset;
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
  return hostlink::seal_reply(out, cap, 0x00, 0x00, sw3::kOk, len);
}

}  // namespace idr::core
