#pragma once
// One NATS connection with its JetStream context (libnats 3.4, DESIGN 10), for the fleet
// layer's publisher and ingester. Internal to hostlib.
#include <nats/nats.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr::fleet {

// nats_Open once per process; nats_CloseAndWait at exit, after the library's threads let go
// of everything (its connections are freed asynchronously).
void open_nats_library();

class NatsLink {
 public:
  // Connects to any of `servers`. With `keep_trying`, the connection is made even while no
  // server answers (libnats retries in the background, and reconnects forever after a loss);
  // without it TransportOpen when none answers. `wait`: JetStream API calls' timeout.
  [[nodiscard]] static Result<std::unique_ptr<NatsLink>> connect(
      const std::vector<std::string>& servers, bool keep_trying, std::chrono::milliseconds wait,
      std::string* why = nullptr);
  ~NatsLink();
  NatsLink(const NatsLink&) = delete;
  NatsLink& operator=(const NatsLink&) = delete;

  [[nodiscard]] natsConnection* connection() const { return nc_; }
  [[nodiscard]] jsCtx* js() const { return js_; }
  [[nodiscard]] bool connected() const;

 private:
  NatsLink() = default;
  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

// libnats's text for a status and the JetStream error code, for messages.
[[nodiscard]] std::string nats_error(natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0));

}  // namespace idr::fleet
