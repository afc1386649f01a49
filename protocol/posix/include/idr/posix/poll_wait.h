#pragma once
// Waiting in real time on one descriptor, shared by the host board's links (TCP, pty, vpcd,
// the socket USB controller): the firmware's microsecond timeouts become whole milliseconds
// with a cap, and poll() is retried on EINTR a bounded number of times. No exceptions and no
// heap, like loopback.h.
#include <cstdint>

namespace idr::posix {

// The milliseconds to wait for a timeout of `timeout_us`: rounded up to a whole millisecond
// (so a short timeout still waits), at most `max_ms` (a link's kMaxRealWaitMs, so the
// firmware's loop runs again soon).
[[nodiscard]] int wait_ms(uint32_t timeout_us, int max_ms);

// poll() on `fd` for `events`, at most `ms` milliseconds (EINTR retried, at most 100 times):
// the revents, 0 on timeout, error or too many interruptions.
[[nodiscard]] int poll_one(int fd, short events, int ms);

// Whether `fd` became readable within `ms` milliseconds (POLLIN; a hang-up or error counts
// too: the read that follows tells which).
[[nodiscard]] bool readable(int fd, int ms);

}  // namespace idr::posix
