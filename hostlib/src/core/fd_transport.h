#pragma once
// The poll() loop shared by the tcp and serial transports: reads and writes on one file
// descriptor with a deadline, and an eventfd that cancel() signals from any thread so a
// blocked poll wakes at once.
#include <string>

#include "idr/transport.h"

namespace idr::detail {

class FdTransport : public Transport {
 public:
  // Takes ownership of fd (non-blocking). `is_socket` selects send(MSG_NOSIGNAL).
  FdTransport(int fd, bool is_socket, std::string description);
  ~FdTransport() override;
  FdTransport(const FdTransport&) = delete;
  FdTransport& operator=(const FdTransport&) = delete;

  Result<void> write(const uint8_t* data, size_t len) override;
  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) override;
  void discard_input() override;
  void cancel() override;
  void reset_cancel() override;
  [[nodiscard]] std::string describe() const override { return description_; }

  // Writes give up after this long without progress (a peer that stopped reading).
  static constexpr std::chrono::milliseconds kWriteTimeout{5000};

 protected:
  [[nodiscard]] int fd() const { return fd_; }

 private:
  [[nodiscard]] bool cancelled() const;
  int fd_;
  int wake_;  // eventfd; readable while cancelled
  bool is_socket_;
  std::string description_;
};

// Makes the eventfd; -1 on failure.
int make_wake_fd();

Result<std::unique_ptr<Transport>> open_tcp(const std::string& host_port);
Result<std::unique_ptr<Transport>> open_serial(const std::string& path_and_query);

}  // namespace idr::detail
