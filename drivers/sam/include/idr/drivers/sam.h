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

  [[nodiscard]] Status unwrap(uint8_t file, uint16_t offset, const uint8_t* card_resp,
                              size_t resp_len, uint8_t* plain, size_t cap, size_t& plain_len) {
    plain_len = 0;
    const Status st = unwrap_send(file, offset, card_resp, resp_len);
    if (st != Status::Ok) return st;
    return unwrap_receive(plain, cap, plain_len);
  }

 protected:
  ~Sam() = default;
};

}  // namespace idr::drivers
