#pragma once
// Small helpers shared by the sim_card tests: frames with CRC_B, a card in a field, a SAM
// client that waits in virtual time.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "idr/proto/sam_link.h"
#include "idr/sim/crc_b.h"
#include "idr/sim/resident_id_card.h"
#include "idr/sim/rf_field.h"
#include "idr/sim/sam_model.h"
#include "idr/sim/scenario.h"

namespace test {

using Bytes = std::vector<uint8_t>;

inline Bytes with_crc(Bytes b) {
  uint8_t c[2];
  idr::sim::append_crc_b(b.data(), b.size(), c);
  b.push_back(c[0]);
  b.push_back(c[1]);
  return b;
}

inline Bytes strip_crc(const Bytes& b) {
  if (!idr::sim::check_crc_b(b.data(), b.size())) throw std::runtime_error("reply CRC_B wrong");
  return Bytes(b.begin(), b.end() - 2);
}

// A plain resident card image for tests.
inline idr::sim::CardImage sample_image(const std::string& label = "test-card", size_t fp = 1024) {
  idr::sim::CardSpec spec;
  spec.label = label;
  spec.text = {{"name", "张伟"}, {"gender", "1"}, {"id_number", "110101199003071233"}};
  spec.fingerprint_size = fp;
  spec.addresses = {"北京市海淀区中关村大街1号"};
  return idr::sim::make_card_image(spec);
}

// The reader's side of the air: sends frames, lets virtual time pass to the end of replies.
struct Reader {
  idr::sim::EventQueue queue;
  idr::sim::TimeAccounts accounts;
  idr::sim::TimingParams timing;
  idr::sim::RfField field{queue, accounts, timing, 42};

  std::optional<idr::sim::AirReply> send(const Bytes& payload) {
    idr::sim::AirFrame f;
    f.bytes = with_crc(payload);
    // The reader's frame takes its air time first; transmit() is called at its EOF.
    queue.advance_by(idr::sim::type_b_frame_time(f.bytes.size()));
    auto r = field.transmit(f);
    if (r)
      queue.advance_to(r->end);
    else
      queue.advance_by(idr::sim::kMs);
    return r;
  }
  // Payload of a clean reply (throws if there is none or it is damaged).
  Bytes ask(const Bytes& payload) {
    auto r = send(payload);
    if (!r) throw std::runtime_error("no reply");
    if (r->framing_error) throw std::runtime_error("framing error");
    return strip_crc(r->bytes);
  }
  // REQB + ATTRIB as in the public trace.
  void activate() {
    ask({0x05, 0x00, 0x00});
    ask({0x1D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x08});
  }
};

struct SamReply {
  uint8_t status = 0;
  Bytes data;
  idr::sim::Time complete = 0;  // when the last reply byte arrived at the board
};

inline Bytes sam_frame(uint8_t cmd, const Bytes& data) {
  const size_t len = 1 + data.size() + 1;
  Bytes f{idr::sam::kSof, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len & 0xFF), cmd};
  f.insert(f.end(), data.begin(), data.end());
  f.push_back(idr::sam::checksum(f.data() + 1, f.size() - 1));
  return f;
}

// Reads one reply frame from the SAM, waiting in virtual time (at most 2 s).
inline SamReply sam_read_reply(idr::sim::EventQueue& q, idr::sim::SamModel& sam) {
  Bytes got;
  const idr::sim::Time deadline = q.now() + 2 * idr::sim::kSec;
  for (int guard = 0; guard < 10000; ++guard) {
    q.run_until(deadline, [&] { return sam.board_available() > 0; });
    const Bytes more = sam.board_read(512);
    if (more.empty()) throw std::runtime_error("SAM did not answer");
    got.insert(got.end(), more.begin(), more.end());
    if (got.size() >= 3 && got.size() == 3 + ((static_cast<size_t>(got[1]) << 8) | got[2])) break;
  }
  if (got.size() < 5 || got[0] != idr::sam::kSof) throw std::runtime_error("bad SAM reply frame");
  if (idr::sam::checksum(got.data() + 1, got.size() - 2) != got.back())
    throw std::runtime_error("bad SAM CHK");
  return SamReply{got[3], Bytes(got.begin() + 4, got.end() - 1), q.now()};
}

inline SamReply sam_call(idr::sim::EventQueue& q, idr::sim::SamModel& sam, idr::sam::Cmd cmd,
                         const Bytes& data = {}) {
  sam.board_write(sam_frame(static_cast<uint8_t>(cmd), data));
  return sam_read_reply(q, sam);
}

}  // namespace test
