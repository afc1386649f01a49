#pragma once
// Test-only Transport (needs idr): each write() (a command) makes a reply readable, delivered
// in chunks of a chosen size. The reply is the next of a fixed script, or what a responder
// makes of the request (a firmware in process, for the fuzz seed maker). An empty reply (or
// a script that ran out) reads as Timeout at once, so fuzz cases cost no real waiting.
#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "idr/transport.h"

namespace idr::testing {

using Bytes = std::vector<uint8_t>;

class ScriptedTransport final : public Transport {
 public:
  struct Log {
    std::vector<Bytes> requests;
    size_t discards = 0;
  };
  // The reply to a request (empty: none).
  using Responder = std::function<Bytes(const Bytes& request)>;

  // Replies in order, one per write.
  ScriptedTransport(std::deque<Bytes> replies, size_t chunk, Log* log = nullptr)
      : ScriptedTransport(from_script(std::move(replies)), chunk, log) {}
  ScriptedTransport(Responder responder, size_t chunk, Log* log = nullptr)
      : responder_(std::move(responder)), chunk_(std::max<size_t>(chunk, 1)), log_(log) {}

  Result<void> write(const uint8_t* data, size_t len) override {
    if (cancelled_) return Error::Cancelled;
    Bytes request(data, data + len);
    const Bytes reply = responder_(request);
    pending_.insert(pending_.end(), reply.begin(), reply.end());
    if (log_ != nullptr) log_->requests.push_back(std::move(request));
    return {};
  }
  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds) override {
    if (cancelled_) return Error::Cancelled;
    if (pending_.empty()) return Error::Timeout;
    const size_t n = std::min({max, chunk_, pending_.size()});
    std::copy(pending_.begin(), pending_.begin() + static_cast<long>(n), buf);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(n));
    return n;
  }
  void discard_input() override {
    pending_.clear();
    if (log_ != nullptr) ++log_->discards;
  }
  void cancel() override { cancelled_ = true; }
  void reset_cancel() override { cancelled_ = false; }
  [[nodiscard]] std::string describe() const override { return "scripted"; }

  // Bytes left unread (a test can check that a stale reply was dropped).
  void inject(const Bytes& b) { pending_.insert(pending_.end(), b.begin(), b.end()); }

 private:
  static Responder from_script(std::deque<Bytes> replies) {
    return [replies = std::move(replies)](const Bytes&) mutable {
      if (replies.empty()) return Bytes{};
      Bytes next = std::move(replies.front());
      replies.pop_front();
      return next;
    };
  }

  Responder responder_;
  std::deque<uint8_t> pending_;
  size_t chunk_;
  Log* log_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace idr::testing
