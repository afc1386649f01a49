#pragma once
// What the reader application needs from its security module (SAM). SamLink implements it
// over a UART (idr/proto/sam_link.h); tests put a fake SAM behind it. The firmware never
// sees card keys: it only tunnels card APDUs and card responses.
#include <cstddef>
#include <cstdint>

#include "idr/status.h"

namespace idr::drivers {

class Sam {
 public:
  [[nodiscard]] virtual Status reset() = 0;
  [[nodiscard]] virtual Status self_test() = 0;
  [[nodiscard]] virtual Status get_id(uint8_t (&id)[16]) = 0;
  // Changes the link speed (both sides); the reply still comes at the old rate.
  [[nodiscard]] virtual Status set_baud(uint32_t baud) = 0;

  // Mutual authentication: AuthStart gives the first APDU for the card; each card response
  // (SW included) goes to auth_next, which gives the next APDU, or apdu_len == 0 when done.
  [[nodiscard]] virtual Status auth_start(const uint8_t (&uid)[8], uint8_t* apdu, size_t cap,
                                          size_t& apdu_len) = 0;
  [[nodiscard]] virtual Status auth_next(const uint8_t* card_resp, size_t resp_len, uint8_t* apdu,
                                         size_t cap, size_t& apdu_len) = 0;

  // Unwrap in two halves so the request can travel while the CPU does RF work:
  // unwrap_send returns once the request is queued, unwrap_receive waits for the plain bytes.
  [[nodiscard]] virtual Status unwrap_send(uint8_t file, uint16_t offset, const uint8_t* card_resp,
                                           size_t resp_len) = 0;
  [[nodiscard]] virtual Status unwrap_receive(uint8_t* plain, size_t cap, size_t& plain_len) = 0;

  // The same halves for authentication and the SAM's id: the request is queued and the
  // call returns; the reply (the next APDU, empty when authenticated; the id) is collected
  // with auth_receive / get_id_receive, so the SAM works while the card is on the air
  // (DESIGN 9). One request at a time: each send is followed by its receive before the next
  // send. These defaults, for a SAM without a link, run the whole exchange in the send half
  // and hand its result to the receive half.
  [[nodiscard]] virtual Status auth_start_send(const uint8_t (&uid)[8]) {
    held_.status = auth_start(uid, held_.data, sizeof held_.data, held_.len);
    return Status::Ok;
  }
  [[nodiscard]] virtual Status auth_next_send(const uint8_t* card_resp, size_t resp_len) {
    held_.status = auth_next(card_resp, resp_len, held_.data, sizeof held_.data, held_.len);
    return Status::Ok;
  }
  [[nodiscard]] virtual Status auth_receive(uint8_t* apdu, size_t cap, size_t& apdu_len) {
    return take_held(apdu, cap, apdu_len);
  }
  [[nodiscard]] virtual Status get_id_send() {
    uint8_t id[16] = {};
    held_.status = get_id(id);
    for (size_t i = 0; i < sizeof id; ++i) held_.data[i] = id[i];
    held_.len = sizeof id;
    return Status::Ok;
  }
  [[nodiscard]] virtual Status get_id_receive(uint8_t (&id)[16]) {
    size_t n = 0;
    const Status st = take_held(id, sizeof id, n);
    return st == Status::Ok && n != sizeof id ? Status::Protocol : st;
  }

  [[nodiscard]] Status unwrap(uint8_t file, uint16_t offset, const uint8_t* card_resp,
                              size_t resp_len, uint8_t* plain, size_t cap, size_t& plain_len) {
    plain_len = 0;
    const Status st = unwrap_send(file, offset, card_resp, resp_len);
    if (st != Status::Ok) return st;
    return unwrap_receive(plain, cap, plain_len);
  }

 protected:
  ~Sam() = default;

 private:
  // The default halves' result between send and receive (an APDU is at most 5 + 16 bytes
  // in the stand-in protocol, sam_link.h; a real SAM's longer ones fit).
  struct Held {
    Status status = Status::InvalidArgument;  // no send yet
    uint8_t data[64] = {};
    size_t len = 0;
  };
  [[nodiscard]] Status take_held(uint8_t* out, size_t cap, size_t& len) {
    len = 0;
    const Status st = held_.status;
    held_.status = Status::InvalidArgument;  // one receive per send
    if (st != Status::Ok) return st;
    if (held_.len > cap) return Status::BufferTooSmall;
    for (size_t i = 0; i < held_.len; ++i) out[i] = held_.data[i];
    len = held_.len;
    return Status::Ok;
  }
  Held held_;
};

}  // namespace idr::drivers
