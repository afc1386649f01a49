// Transports: URIs, tcp (connect errors, cancel waking a blocked read), serial over a pty
// pair (openpty) with a scripted peer on the master side.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <thread>

#include "idr/proto/hostlink.h"
#include "idr/reader.h"
#include "idr/transport.h"

using namespace idr;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

namespace {

// A read limit no case outlives (ctest ends every case long before an hour).
constexpr std::chrono::milliseconds kNeverMs = std::chrono::hours(1);

const Bytes kStatusRequest = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED};
const Bytes kStatusOk = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94};

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Reads exactly n bytes from fd within `timeout` (test peer side).
Bytes read_n(int fd, size_t n, std::chrono::milliseconds timeout) {
  Bytes out;
  const auto deadline = Clock::now() + timeout;
  while (out.size() < n) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) break;
    uint8_t buf[256];
    const ssize_t r = ::read(fd, buf, std::min(sizeof(buf), n - out.size()));
    if (r <= 0) break;
    out.insert(out.end(), buf, buf + r);
  }
  return out;
}

void write_all(int fd, const Bytes& b) {
  size_t done = 0;
  while (done < b.size()) {
    const ssize_t n = ::write(fd, b.data() + done, b.size() - done);
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
}

// cancel() from another thread wakes a read blocked on `tr`; the cancel stays set (the
// caller resets it). The read's own limit is far beyond the case's ctest timeout, so only
// cancel() can end it: a cancel that does not wake the read leaves it blocked until ctest
// fails the case. No wall-clock bound (DESIGN 9).
void check_cancel_wakes_read(Transport& tr) {
  uint8_t buf[64];
  std::promise<void> reading;
  auto result = std::async(std::launch::async, [&] {
    reading.set_value();
    return tr.read(buf, sizeof(buf), kNeverMs).error();
  });
  reading.get_future().wait();
  tr.cancel();
  CHECK(result.get() == Error::Cancelled);
}

struct Pty {
  Pty() { REQUIRE(::openpty(&master, &slave, name, nullptr, nullptr) == 0); }
  ~Pty() {
    if (master >= 0) ::close(master);
    if (slave >= 0) ::close(slave);
  }
  int master = -1, slave = -1;
  char name[256] = {};
};

}  // namespace

TEST_CASE("hostlib transport: URIs: malformed, unsupported, unreachable") {
  CHECK(open_transport("tcp://127.0.0.1").error() == Error::InvalidArgument);
  CHECK(open_transport("tcp://127.0.0.1:").error() == Error::InvalidArgument);
  CHECK(open_transport("tcp://:5000").error() == Error::InvalidArgument);
  CHECK(open_transport("tcp://127.0.0.1:0").error() == Error::InvalidArgument);
  CHECK(open_transport("tcp://127.0.0.1:65536").error() == Error::InvalidArgument);
  CHECK(open_transport("tcp://127.0.0.1:12x").error() == Error::InvalidArgument);
  CHECK(open_transport("tcp://[::1]5000").error() == Error::InvalidArgument);
  CHECK(open_transport("nonsense").error() == Error::InvalidArgument);
  CHECK(open_transport("nosuch:1209:0001").error() == Error::Unsupported);   // usb: exists now
  CHECK(open_transport("usb:1209:0001").error() == Error::InvalidArgument);  // bus > 255
  CHECK(open_transport("serial:/dev/null?baud=12345").error() == Error::InvalidArgument);
  CHECK(open_transport("serial:/dev/null?speed=9600").error() == Error::InvalidArgument);
  CHECK(open_transport("serial:").error() == Error::InvalidArgument);
  CHECK(open_transport("serial:/nonexistent/tty").error() == Error::TransportOpen);
  CHECK(open_transport("serial:/dev/null").error() == Error::TransportOpen);  // not a tty
  CHECK(Reader::open("nonsense").error() == Error::InvalidArgument);

  // A port nobody listens on: bind one, learn its number, close it.
  int port = 0;
  {
    Fd s(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    socklen_t len = sizeof(a);
    REQUIRE(::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  CHECK(open_transport("tcp://127.0.0.1:" + std::to_string(port)).error() == Error::TransportOpen);
}

TEST_CASE("hostlib transport: tcp reads, times out, sees the peer close, and cancel wakes it") {
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  REQUIRE(::listen(listener.fd, 1) == 0);
  socklen_t len = sizeof(a);
  REQUIRE(::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const std::string uri = "tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port));

  auto t = open_transport(uri);
  REQUIRE(t.ok());
  Transport& tr = *t.value();
  CHECK(tr.describe() == uri);
  Fd peer(::accept(listener.fd, nullptr, nullptr));
  REQUIRE(peer.fd >= 0);

  uint8_t buf[64];
  CHECK(tr.read(buf, sizeof(buf), 20ms).error() == Error::Timeout);
  write_all(peer.fd, {1, 2, 3});
  auto n = tr.read(buf, sizeof(buf), 1000ms);
  REQUIRE(n.ok());
  CHECK(*n >= 1);

  // discard_input drops what is waiting.
  write_all(peer.fd, {4, 5, 6});
  std::this_thread::sleep_for(20ms);  // loopback delivery (not thread synchronisation)
  tr.discard_input();
  CHECK(tr.read(buf, sizeof(buf), 20ms).error() == Error::Timeout);

  check_cancel_wakes_read(tr);
  CHECK(tr.read(buf, sizeof(buf), 10ms).error() == Error::Cancelled);  // sticky
  CHECK(tr.write(buf, 1).error() == Error::Cancelled);
  tr.reset_cancel();
  CHECK(tr.read(buf, sizeof(buf), 10ms).error() == Error::Timeout);

  ::close(peer.fd);
  peer.fd = -1;
  CHECK(tr.read(buf, sizeof(buf), 1000ms).error() == Error::TransportClosed);
}

TEST_CASE("hostlib transport: serial over a pty: raw 8N1, status answered by a scripted peer") {
  Pty pty;
  auto t = open_transport(std::string("serial:") + pty.name + "?baud=115200");
  REQUIRE(t.ok());
  CHECK(t.value()->describe() == std::string("serial:") + pty.name + "?baud=115200");

  // The line is raw: the reader side's termios has no echo, no canonical mode, 8 bits.
  termios tio{};
  REQUIRE(::tcgetattr(pty.slave, &tio) == 0);
  CHECK((tio.c_lflag & (ECHO | ICANON | ISIG)) == 0);
  CHECK((tio.c_cflag & CSIZE) == CS8);
  CHECK((tio.c_cflag & (PARENB | CSTOPB)) == 0);
  CHECK((tio.c_iflag & (ICRNL | IXON | ISTRIP)) == 0);
  CHECK((tio.c_oflag & OPOST) == 0);
  CHECK(cfgetospeed(&tio) == B115200);

  Reader reader = Reader::over(std::move(t).value());
  // The peer answers in two pieces with a pause (a UART delivers bytes as they come).
  std::thread peer([&] {
    const Bytes req = read_n(pty.master, kStatusRequest.size(), 5000ms);
    if (req != kStatusRequest) return;
    write_all(pty.master, Bytes(kStatusOk.begin(), kStatusOk.begin() + 4));
    std::this_thread::sleep_for(10ms);
    write_all(pty.master, Bytes(kStatusOk.begin() + 4, kStatusOk.end()));
  });
  CHECK(reader.status().ok());
  peer.join();

  // Bytes a cooked tty would mangle (CR, LF, XON, XOFF, 0xFF, ^C, DEL) pass untouched.
  const Bytes id = {0x0D, 0x0A, 0x11, 0x13, 0xFF, 0x03, 0x04, 0x7F, 1, 2, 3, 4, 5, 6, 7, 8};
  std::thread peer2([&] {
    const Bytes sam_request = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x12, 0xFF, 0xEE};
    if (read_n(pty.master, sam_request.size(), 5000ms) != sam_request) return;
    Bytes out(64);
    out.resize(hostlink::build_reply(0x90, id.data(), id.size(), out.data(), out.size()));
    write_all(pty.master, out);
  });
  auto sam = reader.sam_id();
  peer2.join();
  REQUIRE(sam.ok());
  CHECK(Bytes(sam->raw.begin(), sam->raw.end()) == id);
}

TEST_CASE("hostlib transport: serial passes every byte value both ways and sees a hang-up") {
  Pty pty;
  auto t = open_transport(std::string("serial:") + pty.name + "?baud=921600");
  REQUIRE(t.ok());
  Transport& tr = *t.value();
  Bytes all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  REQUIRE(tr.write(all.data(), all.size()).ok());
  CHECK(read_n(pty.master, all.size(), 2000ms) == all);

  write_all(pty.master, all);
  Bytes got;
  uint8_t buf[512];
  while (got.size() < all.size()) {
    auto n = tr.read(buf, sizeof(buf), 2000ms);
    REQUIRE(n.ok());
    got.insert(got.end(), buf, buf + *n);
  }
  CHECK(got == all);

  // Timeout with a silent peer; cancel wakes a read; the master closing is a hang-up.
  CHECK(tr.read(buf, sizeof(buf), 20ms).error() == Error::Timeout);
  check_cancel_wakes_read(tr);
  tr.reset_cancel();

  ::close(pty.slave);
  pty.slave = -1;
  ::close(pty.master);
  pty.master = -1;
  CHECK(tr.read(buf, sizeof(buf), 1000ms).error() == Error::TransportClosed);
}
