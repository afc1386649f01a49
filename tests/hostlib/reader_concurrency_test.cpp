// idr::Reader's thread-safety contract (reader.h) under real threads: close() and the
// destructor racing cancel() from other threads, many times over, against a real tcp
// transport whose peer never answers (so a call blocks until it is cancelled or closed).
// Run under ASan and TSan (label concurrency): a use-after-free or data race fails the run.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <optional>
#include <thread>

#include "idr/reader.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

constexpr int kIterations = 200;

// A loopback listener; each accepted connection is a peer that reads nothing and says nothing.
class SilentPeer {
 public:
  SilentPeer() : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(listener_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(::listen(listener_, 8) == 0);
    socklen_t len = sizeof(a);
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    uri_ = "tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~SilentPeer() {
    drop();
    ::close(listener_);
  }
  SilentPeer(const SilentPeer&) = delete;
  SilentPeer& operator=(const SilentPeer&) = delete;

  // Opens a reader on it (commands wait up to a minute: only cancel or close ends them).
  Reader open() {
    ReaderOptions options;
    options.command_timeout = 60s;
    auto r = Reader::open(uri_, options);
    REQUIRE(r.ok());
    drop();
    peer_ = ::accept(listener_, nullptr, nullptr);
    REQUIRE(peer_ >= 0);
    return std::move(r).value();
  }
  [[nodiscard]] const std::string& uri() const { return uri_; }

 private:
  void drop() {
    if (peer_ >= 0) ::close(peer_);
    peer_ = -1;
  }
  int listener_;
  int peer_ = -1;
  std::string uri_;
};

// Cancels through `c` `times` times once `go` is set, yielding between calls so the
// cancels land at varying points of the other threads' work.
std::thread cancelling(Reader::Canceller c, const std::atomic<bool>& go, int times) {
  return std::thread([c, &go, times] {
    while (!go.load()) std::this_thread::yield();
    for (int k = 0; k < times; ++k) {
      c.cancel();
      std::this_thread::yield();
    }
  });
}

bool stopped(Error e) {
  return e == Error::Cancelled || e == Error::TransportClosed;
}

}  // namespace

TEST_CASE("hostlib concurrency: a Canceller races close and destruction of a busy reader") {
  SilentPeer peer;
  for (int i = 0; i < kIterations; ++i) {
    std::optional<Reader> reader(peer.open());
    const Reader::Canceller c = reader->canceller();
    std::atomic<bool> go{false};
    std::thread canceller = cancelling(c, go, 1 + i % 16);
    std::atomic<int> result{0};
    std::thread caller([&] {
      result.store(static_cast<int>(i % 2 == 0 ? reader->status().error()
                                               : reader->wait_for_card(60s).error()));
    });
    go.store(true);
    // Even iterations close from here while the caller may be inside its call; odd ones
    // leave it to the canceller and close in the destructor.
    if (i % 4 < 2) reader->close();
    caller.join();
    reader.reset();  // the canceller may still be cancelling
    canceller.join();
    c.cancel();  // after destruction: does nothing
    CHECK(stopped(static_cast<Error>(result.load())));
  }
}

TEST_CASE("hostlib concurrency: close from another thread ends a blocked call, cancels race it") {
  SilentPeer peer;
  for (int i = 0; i < kIterations; ++i) {
    Reader reader = peer.open();
    std::atomic<bool> go{false};
    std::thread canceller = cancelling(reader.canceller(), go, 1 + i % 8);
    std::thread closer([&] {
      while (!go.load()) std::this_thread::yield();
      reader.close();
    });
    go.store(true);
    const Error e = reader.wait_for_card(60s, kText).error();
    closer.join();
    canceller.join();
    CHECK(stopped(e));
    CHECK(reader.status().error() == Error::TransportClosed);
  }
}

TEST_CASE("hostlib concurrency: after close every call gives TransportClosed") {
  SilentPeer peer;
  Reader reader = peer.open();
  const Reader::Canceller c = reader.canceller();
  reader.close();
  reader.close();  // again: nothing
  c.cancel();
  reader.reset_cancel();
  CHECK(reader.status().error() == Error::TransportClosed);
  CHECK(reader.find_card().error() == Error::TransportClosed);
  CHECK(reader.wait_for_card(1s).error() == Error::TransportClosed);
  CHECK(reader.device_info().error() == Error::TransportClosed);
  CHECK(reader.describe() == peer.uri());
  // A default Canceller, and one of a moved-from reader, cancel nothing.
  Reader::Canceller{}.cancel();
  Reader moved = std::move(reader);
  reader.canceller().cancel();  // NOLINT(bugprone-use-after-move): moved-from is defined
  CHECK(moved.status().error() == Error::TransportClosed);
}
