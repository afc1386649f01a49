// The fault campaign on the host link (DESIGN 4): a byte lost, a byte duplicated, or the link
// cut, at every byte of a full signed read's frames in either direction, on the host
// library's real transports: tcp:// over a loopback socket and serial: over a
// pseudo-terminal. The test holds the other end of the socket / the pty master and carries
// the bytes between it and the firmware in-process (fault_rig.h), applying the fault on the
// way; it runs the firmware whenever the host waits, so time is still virtual and one thread
// does everything.
//
// Points: in the suite, of each frame its first SOF byte, its two LEN bytes, its first byte
// after LEN, one byte in the middle and its last byte (CHK); with IDR_FAULTS_FULL=1
// (toolchain/fuzz --faults) every request byte, and of each reply its 8 header bytes, its
// last byte and every 16th byte between (the data bytes between are alike to the parsers:
// only their count and the checksum matter).
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "fault_rig.h"
#include "idr/transport.h"
#include "link_sweep.h"

using namespace idr;
using namespace idr::faults;

namespace {

constexpr size_t kHeader = 8;  // AA AA AA 96 69 | LEN LEN | CMD or SW1

enum class Dir { ToReader = 0, ToHost = 1 };
enum class ByteFault { Drop, Duplicate, Disconnect };

struct WireFault {
  ByteFault kind = ByteFault::Drop;
  Dir dir = Dir::ToReader;
  uint64_t index = UINT64_MAX;  // byte index in that direction since the wire was made
};

// The test's end of a real transport: a connected socket or a pty master.
struct Wire {
  int fd = -1;
  std::unique_ptr<Transport> host;  // the host library's end, opened by URI
  ~Wire() {
    if (fd >= 0) ::close(fd);
  }
};

std::unique_ptr<Wire> tcp_wire() {
  auto w = std::make_unique<Wire>();
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  auto t = open_transport("tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  REQUIRE(t);
  w->host = std::move(t).value();
  w->fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);
  REQUIRE(w->fd >= 0);
  return w;
}

std::unique_ptr<Wire> pty_wire() {
  auto w = std::make_unique<Wire>();
  w->fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(w->fd >= 0);
  REQUIRE(::grantpt(w->fd) == 0);
  REQUIRE(::unlockpt(w->fd) == 0);
  auto t = open_transport(std::string("serial:") + ::ptsname(w->fd));
  REQUIRE(t);
  w->host = std::move(t).value();
  return w;
}

// The host library's transport with the wire's fault in the middle: bytes the host writes are
// taken from the wire's fd into the firmware, the firmware's bytes are written to it; a host
// read runs the firmware (virtual time) while nothing is on the way.
class WireTransport final : public Transport {
 public:
  WireTransport(FaultRig& rig, std::unique_ptr<Wire> wire, WireFault fault)
      : rig_(rig), wire_(std::move(wire)), fault_(fault) {
    REQUIRE(::fcntl(wire_->fd, F_SETFL, ::fcntl(wire_->fd, F_GETFL) | O_NONBLOCK) == 0);
    rig_.pipe().to_host.clear();  // what the firmware sent to an earlier connection
  }
  [[nodiscard]] bool fault_fired() const { return fired_; }

  Result<void> write(const uint8_t* data, size_t len) override {
    auto w = wire_->host->write(data, len);
    if (!w) return w;
    rig_.note_command();
    take_from_host(len);
    return {};
  }

  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) override {
    const uint64_t until = rig_.now_ns() + static_cast<uint64_t>(timeout.count()) * 1'000'000;
    for (;;) {
      give_to_host();
      if (in_flight_ > 0 || closed_) {
        // Bytes are on their way (or the link is cut): the kernel delivers them at once.
        auto got = wire_->host->read(buf, max, std::chrono::milliseconds(closed_ ? 0 : 200));
        if (got) {
          in_flight_ -= std::min(in_flight_, *got);
          return got;
        }
        if (got.error() != Error::Timeout) return got.error();
        if (closed_) return Error::TransportClosed;
        in_flight_ = 0;  // nothing more is coming (a pty drops nothing: not expected)
        continue;
      }
      if (rig_.now_ns() >= until) {
        rig_.note_timeout();
        return Error::Timeout;
      }
      rig_.step();
    }
  }
  void discard_input() override {
    wire_->host->discard_input();
    in_flight_ = 0;
  }
  void cancel() override { wire_->host->cancel(); }
  void reset_cancel() override { wire_->host->reset_cancel(); }
  [[nodiscard]] std::string describe() const override { return wire_->host->describe(); }

 private:
  // Applies the fault to the next byte of `dir`: how many copies of it go on (0, 1 or 2).
  int copies(Dir dir) {
    const uint64_t i = count_[static_cast<int>(dir)]++;
    if (closed_) return 0;
    if (dir != fault_.dir || i != fault_.index) return 1;
    fired_ = true;
    switch (fault_.kind) {
      case ByteFault::Drop:
        return 0;
      case ByteFault::Duplicate:
        return 2;
      case ByteFault::Disconnect:
        ::close(wire_->fd);
        wire_->fd = -1;
        closed_ = true;
        return 0;
    }
    return 1;
  }

  // The `len` bytes the host just wrote, from the wire into the firmware.
  void take_from_host(size_t len) {
    size_t got = 0;
    for (int waits = 0; got < len && !closed_ && waits < 50; ++waits) {
      pollfd p{wire_->fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      uint8_t chunk[4096];
      const ssize_t n = ::read(wire_->fd, chunk, sizeof chunk);
      if (n <= 0) continue;
      got += static_cast<size_t>(n);
      for (ssize_t i = 0; i < n; ++i)
        for (int c = copies(Dir::ToReader); c > 0; --c) rig_.pipe().to_reader.push_back(chunk[i]);
    }
  }

  // What the firmware wrote, to the wire (as far as the kernel takes it now).
  void give_to_host() {
    auto& from = rig_.pipe().to_host;
    while (!from.empty()) {
      const uint8_t b = from.front();
      from.pop_front();
      for (int c = copies(Dir::ToHost); c > 0; --c) out_.push_back(b);
    }
    while (!out_.empty() && !closed_) {
      const ssize_t n = ::write(wire_->fd, out_.data(), out_.size());
      if (n <= 0) break;  // full (EAGAIN): the host's reads make room
      out_.erase(out_.begin(), out_.begin() + n);
      in_flight_ += static_cast<size_t>(n);
    }
  }

  FaultRig& rig_;
  std::unique_ptr<Wire> wire_;
  WireFault fault_;
  uint64_t count_[2] = {0, 0};
  std::vector<uint8_t> out_;
  size_t in_flight_ = 0;
  bool closed_ = false;
  bool fired_ = false;
};

using WireMaker = std::unique_ptr<Wire> (*)();

// A new connection for the host with `fault` on it; returns the transport (owned by the rig's
// new Reader) to ask whether the fault fired.
WireTransport* connect(FaultRig& rig, WireMaker make, WireFault fault) {
  auto t = std::make_unique<WireTransport>(rig, make(), fault);
  WireTransport* raw = t.get();
  rig.set_reader(std::make_unique<Reader>(Reader::over(std::move(t))));
  return raw;
}

// The byte indexes to fault in one direction (see the header comment). frames: [start, length).
std::vector<uint64_t> points_of(const std::vector<std::pair<uint64_t, uint64_t>>& frames, Dir dir) {
  std::vector<uint64_t> out;
  for (const auto& [start, length] : frames) {
    for (uint64_t i = 0; i < length; ++i) {
      bool point = false;
      if (!full_sweep()) {
        point = i == 0 || i == 5 || i == 6 || i == 7 || i == length / 2 || i + 1 == length;
      } else {
        const uint64_t stride = dir == Dir::ToReader ? 1 : 16;
        point = i < kHeader || i + 1 == length || (i - kHeader) % stride == 0;
      }
      if (point) out.push_back(start + i);
    }
  }
  return out;
}

// Frame boundaries of a byte stream of host-link frames (DESIGN 4: LEN after 5 SOF bytes).
std::vector<std::pair<uint64_t, uint64_t>> frames_in(const std::vector<uint8_t>& s) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t at = 0; at + 7 <= s.size();) {
    const size_t len = (size_t{s[at + 5]} << 8) | s[at + 6];
    out.emplace_back(at, 7 + len);
    at += 7 + len;
  }
  return out;
}

// Records both directions of a clean read (to find the frames).
struct Recorder {
  std::vector<uint8_t> to_reader, to_host;
};

void transport_class(const char* name, WireMaker make) {
  auto rig = provisioned(scenario("resident-longterm-address"));

  // A clean read over this transport: the frames going each way, as the firmware received
  // and sent them.
  (void)connect(*rig, make, WireFault{});
  Recorder rec;
  rig->pipe().record_in = &rec.to_reader;
  rig->pipe().record_out = &rec.to_host;
  const AttemptResult clean = rig->attempt();
  rig->pipe().record_in = nullptr;
  rig->pipe().record_out = nullptr;
  REQUIRE(clean.outcome == ReadOutcome::Recovered);
  const auto to_reader = points_of(frames_in(rec.to_reader), Dir::ToReader);
  const auto to_host = points_of(frames_in(rec.to_host), Dir::ToHost);
  REQUIRE(!to_reader.empty());
  REQUIRE(!to_host.empty());

  std::vector<std::pair<Dir, uint64_t>> points;
  for (const uint64_t index : to_reader) points.emplace_back(Dir::ToReader, index);
  for (const uint64_t index : to_host) points.emplace_back(Dir::ToHost, index);
  for (const ByteFault kind : {ByteFault::Drop, ByteFault::Duplicate, ByteFault::Disconnect}) {
    const char* kind_name = kind == ByteFault::Drop        ? "byte loss"
                            : kind == ByteFault::Duplicate ? "byte duplication"
                                                           : "disconnect mid-frame";
    LinkFaultClass c;
    c.name = std::string(name) + " " + kind_name;
    c.points = points.size();
    c.where = [&](size_t i) {
      return "byte " + std::to_string(points[i].second) +
             (points[i].first == Dir::ToReader ? " to the reader" : " to the host");
    };
    c.arm = [&, kind](size_t i) -> std::function<bool()> {
      WireTransport* w = connect(*rig, make, WireFault{kind, points[i].first, points[i].second});
      return [w] { return w->fault_fired(); };
    };
    c.reconnect = [&] { (void)connect(*rig, make, WireFault{}); };
    sweep(*rig, c);
  }
  CHECK(rig->simulator().model_errors().empty());
}

}  // namespace

TEST_CASE("faults: host link byte loss, duplication and disconnect on tcp://", "[faults]") {
  transport_class("tcp", tcp_wire);
}

TEST_CASE("faults: host link byte loss, duplication and disconnect on serial: (pty)", "[faults]") {
  transport_class("serial", pty_wire);
}
