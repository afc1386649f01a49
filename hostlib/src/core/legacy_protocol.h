#pragma once
// The legacy host-link protocol as a client (DESIGN 4, 8): one command in flight, stale
// input dropped before it, one reply frame within a whole-reply deadline, and strict checks
// of each reply's shape. Frames are built and parsed with the shared codec
// (protocol/include/idr/proto/hostlink.h); nothing here re-implements it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "idr/card.h"
#include "idr/error.h"
#include "idr/reader.h"
#include "idr/transport.h"

namespace idr::detail {

// A reply with a correct CHK: SW1 SW2 SW3 and DATA.
struct ReplyFrame {
  uint8_t sw1 = 0;
  uint8_t sw2 = 0;
  uint8_t sw3 = 0;
  std::vector<uint8_t> data;
};

class LegacyLink {
 public:
  explicit LegacyLink(Transport& transport);
  ~LegacyLink();
  LegacyLink(const LegacyLink&) = delete;
  LegacyLink& operator=(const LegacyLink&) = delete;

  // Sends CMD PARA [DATA] and waits for one reply frame until `budget` has passed.
  // MalformedReply for a bad CHK or LEN, or SW1 SW2 other than 00 00.
  Result<ReplyFrame> transact(uint8_t command, uint8_t parameter, const uint8_t* data,
                              size_t data_len, std::chrono::milliseconds budget);

 private:
  struct Parser;
  // Reads and parses until one frame ends (Ok: a frame or a bad one) or `deadline`.
  Result<ReplyFrame> receive(std::chrono::steady_clock::time_point deadline);
  // A command that was cancelled mid-reply may still be answered: wait for (and drop) that
  // late reply, within the old command's own deadline, so it cannot answer the next one
  // and shift every later pair (DESIGN 8).
  Result<void> drain_outstanding();

  Transport& transport_;
  std::unique_ptr<Parser> parser_;
  bool outstanding_ = false;
  std::chrono::steady_clock::time_point outstanding_until_{};
};

// Strict interpretation of each legacy reply (DESIGN 8). Any inconsistency is an error:
// a caller never gets data that the reply did not carry exactly.
Result<void> parse_plain_ok(const ReplyFrame& r);  // 10 FF, 11 FF
Result<SamId> parse_sam_id(const ReplyFrame& r);   // 12 FF: 16 bytes, LEN 00 14
Result<bool> parse_find(const ReplyFrame& r);      // 20 01: 9F + 4 bytes / 80
Result<void> parse_select(const ReplyFrame& r);    // 20 02: 90 + 8 bytes / 81 NoCard
Result<CardData> parse_read_base(const ReplyFrame& r, bool with_fingerprint);  // 30 01 / 30 10
Result<std::vector<std::string>> parse_addresses(const ReplyFrame& r);         // 30 03 / 91

// SDT's string form of a SAM id: "%02d.%02d-%08u-%010u-%010u" over u16 LE, u16 LE, u32 LE x3.
std::string sam_id_text(const std::array<uint8_t, 16>& raw);

}  // namespace idr::detail
