#pragma once
// Sends one reply frame (DESIGN 4) to the host link in pieces, so that no reply needs a
// buffer of its whole size (DESIGN 9 footprint): the caller declares the DATA size first
// (LEN goes out in the header), DATA passes through a small staging buffer, CHK is
// accumulated on the way. The wire format is unchanged: one request, one frame.
// A small reply is built whole in buffer() (the staging buffer) and sent with send_built().
//
// A streamed frame whose DATA does not match its declared size (a bug, or a flash read that
// failed half-way through a certificate chain) is never completed as a valid frame: end()
// pads it to its declared size with a wrong CHK, so the host's strict parser drops it as a
// bad checksum instead of taking bytes the firmware did not mean.
#include <cstddef>
#include <cstdint>

#include "idr/core/hardware_fault.h"
#include "idr/hal/hal.h"
#include "idr/proto/cbor.h"
#include "idr/proto/hostlink.h"
#include "idr/status.h"

namespace idr::core {

// What a command handler returns when it streamed its reply through the ReplyWriter
// instead of building it in buffer().
inline constexpr size_t kReplyStreamed = static_cast<size_t>(-1);

class ReplyWriter final : public cbor::Sink {
 public:
  // Largest reply built whole, and the size of the pieces a streamed one is written in.
  static constexpr size_t kStagingSize = 512;

  // fault (may be null): once it holds a HardwareFault, begin() sends nothing, so the
  // server can still answer with the reader-fault reply alone (legacy_server.h).
  explicit ReplyWriter(hal::HostLink& link, const FaultLatch* fault = nullptr)
      : link_(link), fault_(fault) {}
  ReplyWriter(const ReplyWriter&) = delete;
  ReplyWriter& operator=(const ReplyWriter&) = delete;

  // Small replies: build the whole frame here (hostlink::build_reply etc.), then send it.
  [[nodiscard]] uint8_t* buffer() { return staging_; }
  [[nodiscard]] static constexpr size_t capacity() { return kStagingSize; }
  [[nodiscard]] Status send_built(size_t frame_size);

  // Streamed replies (SW1 = SW2 = 00): begin declares the DATA size, then exactly that many
  // bytes through put()/emit()/fill(), then end() sends CHK and whatever is staged.
  void begin(uint8_t status3, size_t data_len);
  void put(const uint8_t* data, size_t len);
  void emit(const uint8_t* data, size_t len) override { put(data, len); }
  // Room in the staging buffer to fill in place (e.g. straight from flash): at least 1 byte
  // and at most `want`; commit(n) then adds the n bytes written there.
  [[nodiscard]] uint8_t* fill(size_t want, size_t& room);
  void commit(size_t n);
  // Ok when the whole frame went out as declared. Io (or what the link said) when a write
  // failed; InvalidArgument when the DATA size did not match (the frame went out broken).
  [[nodiscard]] Status end();
  // What end() returned for the last streamed reply.
  [[nodiscard]] Status streamed_status() const { return status_; }
  // Whether any byte of the last streamed reply reached the link.
  [[nodiscard]] bool streamed_any() const { return sent_any_; }

 private:
  void send_staged();

  hal::HostLink& link_;
  const FaultLatch* fault_;
  bool sent_any_ = false;
  uint8_t staging_[kStagingSize] = {};
  size_t staged_ = 0;
  size_t declared_ = 0;  // DATA bytes announced by begin()
  size_t written_ = 0;   // DATA bytes given so far
  uint8_t chk_ = 0;
  bool overflow_ = false;  // more DATA than declared was offered (and dropped)
  Status status_ = Status::Ok;
};

// A host link that collects what is written into a caller's buffer, for in-process callers
// (tests, fuzz harnesses) that want a reply frame as bytes. Reads report Io (no host).
class BufferHostLink final : public hal::HostLink {
 public:
  BufferHostLink(uint8_t* out, size_t cap) : out_(out), cap_(cap) {}
  [[nodiscard]] Status read(uint8_t*, size_t, size_t& got, uint32_t) override {
    got = 0;
    return Status::Io;
  }
  [[nodiscard]] Status write(const uint8_t* data, size_t len) override;
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool overflowed() const { return overflow_; }

 private:
  uint8_t* out_;
  size_t cap_;
  size_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace idr::core
