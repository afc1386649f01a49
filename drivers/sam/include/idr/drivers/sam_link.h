#pragma once
// SAM link driver: the frames of idr/proto/sam_link.h over a HAL UART.
// One request, one reply; replies are found again after line garbage (resync on SOF, LEN
// and checksum); every read is bounded by a deadline. After a request got no usable reply,
// the next request first resynchronises with the SAM (resync(): a late reply must not answer
// a later request).
#include <cstddef>
#include <cstdint>

#include "idr/drivers/sam.h"
#include "idr/hal/hal.h"
#include "idr/proto/sam_link.h"
#include "idr/status.h"

namespace idr::drivers {

// Maps a SAM reply status byte to the firmware status (sam::Reply, DESIGN 8 SW3 codes).
[[nodiscard]] Status sam_reply_status(uint8_t reply);

// Builds a request frame into out; returns its length, 0 if it does not fit.
[[nodiscard]] size_t build_sam_frame(uint8_t cmd_or_status, const uint8_t* data, size_t len,
                                     uint8_t* out, size_t cap);

class SamLink final : public Sam {
 public:
  SamLink(hal::Uart& uart, hal::Clock& clock);

  [[nodiscard]] Status reset() override;
  [[nodiscard]] Status self_test() override;
  [[nodiscard]] Status get_id(uint8_t (&id)[16]) override;
  [[nodiscard]] Status set_baud(uint32_t baud) override;
  [[nodiscard]] Status auth_start(const uint8_t (&uid)[8], uint8_t* apdu, size_t cap,
                                  size_t& apdu_len) override;
  [[nodiscard]] Status auth_next(const uint8_t* card_resp, size_t resp_len, uint8_t* apdu,
                                 size_t cap, size_t& apdu_len) override;
  [[nodiscard]] Status auth_start_send(const uint8_t (&uid)[8]) override;
  [[nodiscard]] Status auth_next_send(const uint8_t* card_resp, size_t resp_len) override;
  [[nodiscard]] Status auth_receive(uint8_t* apdu, size_t cap, size_t& apdu_len) override;
  [[nodiscard]] Status get_id_send() override;
  [[nodiscard]] Status get_id_receive(uint8_t (&id)[16]) override;
  [[nodiscard]] Status unwrap_send(uint8_t file, uint16_t offset, const uint8_t* card_resp,
                                   size_t resp_len) override;
  [[nodiscard]] Status unwrap_receive(uint8_t* plain, size_t cap, size_t& plain_len) override;

  [[nodiscard]] uint32_t baud() const { return baud_; }
  // How long a resynchronisation waits at most for replies the SAM still owes: a reply later
  // than this cannot be told from the SAM speaking unasked (the link has no sequence numbers).
  static constexpr uint32_t kResyncLimitUs = 2'000'000;
  // Time allowed for the SAM's processing on top of the wire time of request and reply.
  void set_processing_budget_us(uint32_t us) { processing_budget_us_ = us; }

  // One request/reply exchange; the reply DATA lands in data (cap bytes), status in Ok or
  // the mapped SAM status. Public so tests and tools can send any command.
  [[nodiscard]] Status exchange(sam::Cmd cmd, const uint8_t* req, size_t req_len, uint8_t* data,
                                size_t cap, size_t& data_len);

 private:
  [[nodiscard]] Status send_request(sam::Cmd cmd, const uint8_t* req, size_t req_len);
  [[nodiscard]] Status receive_reply(uint8_t* data, size_t cap, size_t& data_len);
  // Looks for the first complete frame with a plausible LEN and a correct checksum in rx_.
  // Incremental: a start already ruled out (no SOF, implausible LEN, bad checksum) stays ruled
  // out while rx_ only grows, so only new bytes are examined, unless a candidate seen
  // incomplete has become complete (then rx_ is scanned again from its start). Linear in the
  // bytes received rather than quadratic when a reply arrives a few bytes per read.
  [[nodiscard]] bool find_frame(size_t& start, size_t& frame_len);
  void drop_front(size_t n);
  void clear_rx();  // empties rx_ (and the scan state with it)
  // Bytes rx_ still lacks before any frame in it can be complete (0: none is under way).
  [[nodiscard]] size_t missing_bytes() const;
  // Wire time of all but the last of `missing` bytes at the current baud rate.
  [[nodiscard]] uint32_t wire_time_us(size_t missing) const;
  [[nodiscard]] uint32_t reply_timeout_us() const;
  // The SAM works one request at a time, so a reply to a request we gave up on may still
  // come, and would be taken for the next request's (shifting every later reply by one).
  // Sends Reset and discards every frame until the line has been quiet for a whole reply
  // time after the last one (Reset's reply comes last); bounded by kResyncLimitUs.
  [[nodiscard]] Status resync();

  hal::Uart& uart_;
  hal::Clock& clock_;
  uint32_t baud_ = sam::kPowerUpBaud;
  uint32_t processing_budget_us_ = 100'000;
  bool awaiting_reply_ = false;
  bool desync_ = false;  // a request got no usable reply: resync() before the next
  size_t pending_request_len_ = 0;
  uint8_t tx_[sam::kMaxFrame] = {};
  uint8_t rx_[2 * sam::kMaxFrame] = {};
  size_t rx_len_ = 0;
  // find_frame's state: every start below scan_from_ was examined; none can be a frame
  // until rx_len_ reaches recheck_at_ (the end of the nearest incomplete candidate).
  size_t scan_from_ = 0;
  size_t recheck_at_ = SIZE_MAX;
};

}  // namespace idr::drivers
