#pragma once
// The host link of the host board as a virtual smart card for vsmartcard's vpcd driver in
// pcscd (DESIGN 4, pcsc; OS glue). vpcd listens (DEVICENAME /dev/null:PORT in its
// reader.conf entry) and the card connects to it: this link connects to 127.0.0.1:PORT and
// connects again whenever the connection is gone. (vpcd's own connect-out mode,
// DEVICENAME HOST:PORT, aborts pcscd in Debian's 3.3 once a card goes: tests/pcsc/README.md.) Each
// vpcd message is a 2-byte big-endian length + payload; a 1-byte payload is control (00 power off,
// 01 power on, 02 reset, 04 get ATR: only 04 is answered, with the ATR of proto/pcsc_envelope.h);
// any other payload is an APDU. An envelope APDU hands its request frame to read(); the one reply
// frame written by the firmware goes back as the response data + 90 00. Closing the connection is
// how a card is removed. Fixed buffers, no heap.
#include <cstddef>
#include <cstdint>

#include "idr/hal/hal.h"
#include "idr/proto/pcsc_envelope.h"

namespace idr::board {

class VpcdHostLink final : public hal::HostLink {
 public:
  VpcdHostLink() = default;
  ~VpcdHostLink();
  VpcdHostLink(const VpcdHostLink&) = delete;
  VpcdHostLink& operator=(const VpcdHostLink&) = delete;

  // The vpcd port on 127.0.0.1 (not 0); the first connection is made by read().
  [[nodiscard]] Status connect_to(uint16_t port);
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] bool connected() const { return conn_ >= 0; }

  // Waits in REAL time, at most kMaxRealWaitMs per call (as TcpHostLink). Io once when vpcd
  // closes the connection; a later read connects again (at most every kReconnectMs).
  [[nodiscard]] Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override;
  // Collects the reply frame; when it is complete, sends it as the envelope's response.
  // Bytes written while no envelope waits (nothing asked) have nowhere to go: dropped.
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;

  static constexpr int kMaxRealWaitMs = 20;
  static constexpr int kReconnectMs = 100;
  // A vpcd message arrives whole; give its remaining bytes this long before giving up.
  static constexpr int kMessageTimeoutMs = 1000;
  // A request with no reply after this long is answered 6F 00 (the firmware always answers
  // a complete frame; this only keeps vpcd and the host from hanging on a firmware bug).
  static constexpr int kReplyTimeoutMs = 10000;

 private:
  enum class Message { None, Gone, Handled, Envelope };
  [[nodiscard]] Message receive_message(int wait_ms);
  [[nodiscard]] bool send_message(const uint8_t* payload, size_t n);
  [[nodiscard]] bool send_status(uint16_t sw);
  void drop_connection();

  int conn_ = -1;
  int64_t next_connect_ms_ = 0;  // monotonic
  uint16_t port_ = 0;

  // The request frame of the envelope being served, handed out by read().
  uint8_t request_[::idr::hostlink::kMaxRequestFrame] = {};
  size_t request_len_ = 0;
  size_t request_given_ = 0;
  bool awaiting_reply_ = false;
  int64_t reply_deadline_ms_ = 0;  // monotonic; then the request is answered 6F 00

  // The reply frame being collected, with room for 90 00 behind it.
  uint8_t reply_[::idr::proto::pcsc::kMaxResponse] = {};
  size_t reply_len_ = 0;

  uint8_t message_[::idr::proto::pcsc::kMaxCommand] = {};
};

}  // namespace idr::board
