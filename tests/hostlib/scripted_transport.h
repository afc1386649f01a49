#pragma once
// Test-only Transport: each write() (a command) makes the next scripted reply stream
// readable, delivered in chunks of a chosen size. An empty stream (or a script that ran
// out) reads as Timeout at once, so fuzz cases cost no real waiting.
#include <algorithm>
#include <atomic>
#include <deque>
#include <vector>

#include "idr/transport.h"

namespace idr::test {

using Bytes = std::vector<uint8_t>;

class ScriptedTransport final : public Transport {
 public:
  struct Log {
    std::vector<Bytes> requests;
    size_t discards = 0;
  };
  ScriptedTransport(std::deque<Bytes> replies, size_t chunk, Log* log = nullptr)
      : replies_(std::move(replies)), chunk_(std::max<size_t>(chunk, 1)), log_(log) {}

  Result<void> write(const uint8_t* data, size_t len) override {
    if (cancelled_) return Error::Cancelled;
    if (log_ != nullptr) log_->requests.emplace_back(data, data + len);
    if (!replies_.empty()) {
      pending_.insert(pending_.end(), replies_.front().begin(), replies_.front().end());
      replies_.pop_front();
    }
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
  std::deque<Bytes> replies_;
  std::deque<uint8_t> pending_;
  size_t chunk_;
  Log* log_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace idr::test
