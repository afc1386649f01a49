// protocol/posix poll_wait.h: the host board links' real-time wait (milliseconds from the
// firmware's microseconds, capped) and the one-descriptor poll, on a real pipe.
#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>

#include "idr/posix/poll_wait.h"

using namespace idr::posix;

TEST_CASE("wait_ms rounds up to whole milliseconds and caps at max_ms", "[posix]") {
  CHECK(wait_ms(0, 20) == 0);
  CHECK(wait_ms(1, 20) == 1);  // a short timeout still waits
  CHECK(wait_ms(1000, 20) == 1);
  CHECK(wait_ms(1001, 20) == 2);
  CHECK(wait_ms(19999, 20) == 20);
  CHECK(wait_ms(20001, 20) == 20);
  CHECK(wait_ms(UINT32_MAX, 20) == 20);  // no wrap-around near the top of the range
  CHECK(wait_ms(5000, 3) == 3);
}

TEST_CASE("readable and poll_one report what a pipe has", "[posix]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  CHECK_FALSE(readable(fds[0], 0));  // empty
  CHECK(poll_one(fds[0], POLLIN, 0) == 0);
  CHECK((poll_one(fds[1], POLLOUT, 0) & POLLOUT) != 0);  // room to write

  const uint8_t byte = 0x5A;
  REQUIRE(::write(fds[1], &byte, 1) == 1);
  CHECK(readable(fds[0], 0));
  CHECK((poll_one(fds[0], POLLIN, 0) & POLLIN) != 0);

  uint8_t got = 0;
  REQUIRE(::read(fds[0], &got, 1) == 1);
  CHECK_FALSE(readable(fds[0], 0));

  ::close(fds[1]);  // the writer gone: a hang-up counts, the read then sees EOF
  CHECK(readable(fds[0], 0));
  CHECK((poll_one(fds[0], POLLIN, 0) & POLLHUP) != 0);
  ::close(fds[0]);
}

TEST_CASE("poll_one on a closed descriptor answers POLLNVAL, not a wait", "[posix]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::close(fds[0]);
  ::close(fds[1]);
  CHECK((poll_one(fds[0], POLLIN, 0) & POLLNVAL) != 0);
}
