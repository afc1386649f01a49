// The host board's TCP host link: loopback server, one client at a time.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "idr/board/tcp_host_link.h"
#include "idr/posix/loopback.h"

using namespace idr;

namespace {

int connect_to(uint16_t port) {
  const int fd = posix::connect_loopback(port);
  REQUIRE(fd >= 0);
  return fd;
}

// Reads until something arrives or ~2 s of bounded attempts passed.
Status read_some(board::TcpHostLink& link, uint8_t* buf, size_t max, size_t& got) {
  Status s = Status::Timeout;
  for (int i = 0; i < 100 && s == Status::Timeout; ++i) s = link.read(buf, max, got, 20'000);
  return s;
}

}  // namespace

TEST_CASE("TCP host link: bytes both ways, client gone gives Io, the next client is served") {
  board::TcpHostLink link;
  REQUIRE(link.listen_loopback(0) == Status::Ok);
  REQUIRE(link.port() != 0);
  uint8_t buf[16];
  size_t got = 0;
  CHECK(link.read(buf, sizeof buf, got, 1000) == Status::Timeout);  // nobody there yet

  int c = connect_to(link.port());
  const uint8_t frame[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69};
  REQUIRE(::write(c, frame, sizeof frame) == 5);
  REQUIRE(read_some(link, buf, sizeof buf, got) == Status::Ok);
  CHECK(got == 5);
  CHECK(buf[3] == 0x96);
  REQUIRE(link.write(frame, 3) == Status::Ok);
  uint8_t back[3];
  REQUIRE(::read(c, back, 3) == 3);
  CHECK(back[0] == 0xAA);

  ::close(c);
  CHECK(read_some(link, buf, sizeof buf, got) == Status::Io);
  CHECK_FALSE(link.has_client());
  CHECK(link.write(frame, 1) == Status::Io);

  c = connect_to(link.port());
  REQUIRE(::write(c, frame + 4, 1) == 1);
  REQUIRE(read_some(link, buf, sizeof buf, got) == Status::Ok);
  CHECK(got == 1);
  CHECK(buf[0] == 0x69);
  ::close(c);
}
