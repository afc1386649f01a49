#pragma once
// The legacy command set of DESIGN 8: one request in, one byte-exact reply out. Talks to
// the card side only through IdCardReader; knows nothing of the link or of time.
//
// Replies (SW1 = SW2 = 00; "bare" = the 11-byte AA AA AA 96 69 00 04 00 00 SW3 CHK):
//   10 FF reset         sam_reset()        bare 90 | bare 60
//   11 FF status        sam_self_test()    bare 90 | bare 60
//   12 FF SAM id        sam_id()           LEN 00 14: 90 + 16 bytes | bare 60
//   20 01 find          find_card()        LEN 00 08: 9F + 00 00 00 00 | bare 80
//   20 02 select        select_card()      LEN 00 0C: 90 + 8 zero bytes (not the UID:
//                                          clients compare it byte for byte) | bare 81
//   30 01 text+photo    read_base()        90, 01 00, 04 00, text, photo: 1295 bytes
//   30 10 +fingerprint  + read_fingerprint 90, 01 00, 04 00, fp length (04 00 / 02 00 /
//                                          00 00), text, photo, fp: 2321 bytes with 1024
//   30 03 address       read_addresses()   90 + 70 * n bytes | bare 91 when there is none
//   60 PP set baud      PP 00..04          bare 90, then the link baud changes (hook)
//   61 FF xx max RF     (no effect)        bare 90
//   read failures: see legacy_status.h.
//   Extension CMD (hostlink::cmd::kExtension): handed to the ExtensionHandler when there
//   is one (extension_commands.h), else bare 21 like an unknown CMD.
//   Request errors: unknown CMD or an unknown PARA of a known CMD -> bare 21; DATA on a command
//   that takes none (or 61 without exactly one data byte) -> bare 11.
//
// Appended addresses and the signed-char LEN rule: a reply LEN whose low byte is >= 0x80
// breaks clients that read LEN as signed chars (DESIGN 8). 70 * n + 4 gives 0x4A, 0x90,
// 0xD6, 0x11C for n = 1..4, so with 2 or 3 entries the reply is padded to all 4 entry slots,
// the unused ones filled with UCS-2 spaces (20 00, the card's own padding). Clients then
// see blank entries instead of failing to parse the reply.
#include <cstddef>
#include <cstdint>

#include "idr/core/hostlink/card_buffers.h"
#include "idr/core/hostlink/extension_handler.h"
#include "idr/core/hostlink/reply_writer.h"
#include "idr/core/id_card_reader.h"
#include "idr/proto/card_layout.h"
#include "idr/proto/hostlink.h"

namespace idr::core {

// Largest legacy reply: 30 10 with a 1024-byte fingerprint (DESIGN 8: 2321 bytes).
inline constexpr size_t kMaxLegacyReplyFrame = hostlink::kReplyDataOffset + 6 + card::kTextSize +
                                               card::kPhotoSize + card::kFingerprintSize +
                                               hostlink::kChkSize;
static_assert(kMaxLegacyReplyFrame == 2321, "DESIGN 8: 30 10 reply is 2321 bytes");

struct LegacyOutcome {
  // Bytes of the reply built in ReplyWriter::buffer(), or kReplyStreamed (sent already).
  size_t reply_size = 0;
  uint32_t new_baud = 0;  // non-zero: switch the host link to it once the reply has left
};

class LegacyCommands {
 public:
  // extension: who answers CMD 0xE0 (null: nobody, bare 21).
  explicit LegacyCommands(IdCardReader& reader, ExtensionHandler* extension = nullptr)
      : reader_(reader), extension_(extension) {}

  // Answers `req` through `reply`: small replies are built in reply.buffer(), the card
  // reads (read into `cards`) and large extension replies are streamed.
  [[nodiscard]] LegacyOutcome handle(const hostlink::Request& req, ReplyWriter& reply,
                                     CardBuffers& cards);
  // The same for in-process callers (tests, fuzz seeds): the whole reply frame into
  // out[0..cap); reply_size 0 when it does not fit or was not sent whole. Needs about 3 KiB
  // of stack (its own CardBuffers): never on the firmware's stack.
  [[nodiscard]] LegacyOutcome handle(const hostlink::Request& req, uint8_t* out, size_t cap);

 private:
  [[nodiscard]] size_t sam_command(const hostlink::Request& req, uint8_t* out, size_t cap);
  [[nodiscard]] size_t card_command(const hostlink::Request& req, uint8_t* out, size_t cap);
  [[nodiscard]] size_t read_base(bool with_fingerprint, ReplyWriter& reply, CardBuffers& cards);
  [[nodiscard]] size_t read_addresses(ReplyWriter& reply, CardBuffers& cards);

  IdCardReader& reader_;
  ExtensionHandler* extension_;
};

}  // namespace idr::core
