#include "idr/mps2/uart_links.h"

namespace idr::mps2 {

Status UartSimLink::exchange(const uint8_t* request, size_t len, uint8_t* resp, size_t cap,
                             size_t& resp_len) {
  cpu_.begin_wait();
  const Status s = exchange_unmetered(request, len, resp, cap, resp_len);
  cpu_.end_wait();
  return s;
}

Status UartSimLink::exchange_unmetered(const uint8_t* request, size_t len, uint8_t* resp,
                                       size_t cap, size_t& resp_len) {
  resp_len = 0;
  if (cap < 3) return Status::BufferTooSmall;
  if (uart_.write(request, len, kTimeoutTicks) != Status::Ok) return Status::Io;
  // Response: LEN (u16 little endian, bytes after it), then that many bytes.
  for (size_t i = 0; i < 2; ++i) {
    if (uart_.read_byte(resp[i], kTimeoutTicks) != Status::Ok) return Status::Io;
  }
  const size_t body = static_cast<size_t>(resp[0]) | (static_cast<size_t>(resp[1]) << 8);
  if (body + 2 > cap) return Status::Io;  // framing lost: the stream cannot be trusted
  for (size_t i = 0; i < body; ++i) {
    if (uart_.read_byte(resp[2 + i], kTimeoutTicks) != Status::Ok) return Status::Io;
  }
  resp_len = body + 2;
  return Status::Ok;
}

Status UartHostLink::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (max == 0) return Status::InvalidArgument;
  const uint32_t wait_us = timeout_us < kMaxWaitUs ? timeout_us : kMaxWaitUs;
  cpu_.begin_wait();
  Status s = uart_.read_byte(buf[0], Timer0::ticks_from_us(wait_us));
  cpu_.end_wait();
  if (s != Status::Ok) return Status::Timeout;
  got = 1;
  // The rest of a burst: QEMU's UART holds one byte at a time, so wait briefly for each
  // next one rather than returning (and reporting) byte by byte.
  cpu_.begin_wait();
  while (got < max && uart_.read_byte(buf[got], Timer0::ticks_from_us(kBurstGapUs)) == Status::Ok)
    ++got;
  cpu_.end_wait();
  return Status::Ok;
}

Status UartHostLink::write(const uint8_t* data, size_t len) {
  return uart_.write(data, len, UartSimLink::kTimeoutTicks) == Status::Ok ? Status::Ok : Status::Io;
}

}  // namespace idr::mps2
