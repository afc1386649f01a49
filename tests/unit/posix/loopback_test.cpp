// protocol/posix: loopback address parsing and a real TCP round trip on 127.0.0.1.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <initializer_list>

#include "idr/posix/loopback.h"

using namespace idr::posix;

TEST_CASE("parse_loopback_address takes 127.0.0.1:PORT with PORT 0..65535") {
  uint16_t port = 1;
  CHECK(parse_loopback_address("127.0.0.1:0", port));
  CHECK(port == 0);
  CHECK(parse_loopback_address("127.0.0.1:8080", port));
  CHECK(port == 8080);
  CHECK(parse_loopback_address("127.0.0.1:65535", port));
  CHECK(port == 65535);
  CHECK(parse_loopback_address("127.0.0.1:00042", port));  // five digits, leading zeros
  CHECK(port == 42);
}

namespace {

// Each address must be refused and leave the port as it was.
void check_refused(std::initializer_list<const char*> addresses) {
  for (const char* address : addresses) {
    INFO(address);
    uint16_t port = 7;
    CHECK_FALSE(parse_loopback_address(address, port));
    CHECK(port == 7);
  }
}

}  // namespace

TEST_CASE("parse_loopback_address refuses other addresses and leaves the port alone") {
  check_refused({"0.0.0.0:80", "127.0.0.2:80", "localhost:80", "192.168.1.1:80", "127.0.0.1",
                 "127.0.0.180", " 127.0.0.1:80", ""});
}

TEST_CASE("parse_loopback_address refuses bad ports") {
  check_refused({"127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:123456",
                 "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80 ", "127.0.0.1:8a",
                 "127.0.0.1:0x10"});
}

TEST_CASE("listen, connect, accept, then bytes both ways, and EOF ends read_exact") {
  uint16_t bound = 0;
  const int server = listen_loopback(0, bound, 1);
  REQUIRE(server >= 0);
  REQUIRE(bound != 0);  // port 0 asks for a free port; the bound one is reported

  const int client = connect_loopback(bound);
  REQUIRE(client >= 0);
  const int served = accept_client(server);
  REQUIRE(served >= 0);

  const uint8_t request[] = {0x01, 0x02, 0x03, 0x04, 0x05};
  REQUIRE(write_all(client, request, sizeof request));
  uint8_t got[sizeof request] = {};
  REQUIRE(read_exact(served, got, sizeof got));
  for (size_t i = 0; i < sizeof request; ++i) CHECK(got[i] == request[i]);

  const uint8_t reply[] = {0xAA, 0x55};
  REQUIRE(write_all(served, reply, sizeof reply));
  uint8_t back[2] = {};
  REQUIRE(read_exact(client, back, sizeof back));
  CHECK(back[0] == 0xAA);
  CHECK(back[1] == 0x55);

  // One byte sent, three wanted, then the peer closes: read_exact must report the EOF.
  REQUIRE(write_all(client, request, 1));
  ::close(client);
  uint8_t short_read[3] = {};
  CHECK_FALSE(read_exact(served, short_read, sizeof short_read));
  CHECK(short_read[0] == 0x01);

  ::close(served);
  ::close(server);
}

TEST_CASE("connect_loopback gives -1 when nothing listens, write_all to a gone peer is false") {
  uint16_t bound = 0;
  const int server = listen_loopback(0, bound, 1);
  REQUIRE(server >= 0);
  ::close(server);  // the port is free again: nothing listens there
  CHECK(connect_loopback(bound) == -1);

  const int again = listen_loopback(0, bound, 1);
  REQUIRE(again >= 0);
  const int client = connect_loopback(bound);
  REQUIRE(client >= 0);
  const int served = accept_client(again);
  REQUIRE(served >= 0);
  ::close(served);
  // The peer reset the connection: some write fails (no SIGPIPE kills the test).
  const uint8_t chunk[4096] = {};
  bool failed = false;
  for (int i = 0; i < 1000 && !failed; ++i) failed = !write_all(client, chunk, sizeof chunk);
  CHECK(failed);
  ::close(client);
  ::close(again);
}
