#pragma once
// Shared by the hostlib e2e tests: the sample scenarios, a transport that forwards to
// another (the base of test wrappers) and a wrapper that tells the test when the reader has
// sent a command (synchronisation without sleeps).
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "idr/transport.h"

namespace idr::test {

inline std::string sample_dir() {
  return std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/";
}

// Every sample scenario file, sorted (hw-sim/scenarios/*.json).
inline std::vector<std::string> sample_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(sample_dir()))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Forwards every call to a real transport; a test's wrapper overrides what it watches.
class ForwardingTransport : public Transport {
 public:
  explicit ForwardingTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}
  Result<void> write(const uint8_t* d, size_t n) override { return inner_->write(d, n); }
  Result<size_t> read(uint8_t* b, size_t m, std::chrono::milliseconds t) override {
    return inner_->read(b, m, t);
  }
  void discard_input() override { inner_->discard_input(); }
  void cancel() override { inner_->cancel(); }
  void reset_cancel() override { inner_->reset_cancel(); }
  [[nodiscard]] std::string describe() const override { return inner_->describe(); }

 private:
  std::unique_ptr<Transport> inner_;
};

// Forwards to a real transport and counts writes (commands sent).
class CountingTransport final : public ForwardingTransport {
 public:
  using ForwardingTransport::ForwardingTransport;
  Result<void> write(const uint8_t* d, size_t n) override {
    {
      std::lock_guard<std::mutex> lock(m_);
      ++started_;
    }
    cv_.notify_all();
    auto r = ForwardingTransport::write(d, n);
    {
      std::lock_guard<std::mutex> lock(m_);
      ++writes_;
    }
    cv_.notify_all();
    return r;
  }

  // Blocks until at least n commands were sent (or the bound passes: returns false).
  bool wait_for_writes(size_t n, std::chrono::milliseconds bound) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, bound, [&] { return writes_ >= n; });
  }
  // Blocks until at least n commands were handed to the transport (a synchronous transport,
  // e.g. PC/SC's SCardTransmit, may still be inside the nth write).
  bool wait_for_started(size_t n, std::chrono::milliseconds bound) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, bound, [&] { return started_ >= n; });
  }
  [[nodiscard]] size_t started() {
    std::lock_guard<std::mutex> lock(m_);
    return started_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  size_t writes_ = 0;
  size_t started_ = 0;
};

}  // namespace idr::test
