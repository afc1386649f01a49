#pragma once
// The host board's link to the simulator: one sim-wire request in, one response out.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "idr/status.h"

namespace idr::board {

class SimLink {
 public:
  virtual ~SimLink() = default;
  // Sends request[0..len) (a whole message, LEN included) and stores the whole response
  // message in resp[0..cap), its size in resp_len. Io when the link broke. `request` and
  // `resp` may be the same buffer (SimWireClient has one): the request is used up before
  // the response is stored.
  [[nodiscard]] virtual Status exchange(const uint8_t* request, size_t len, uint8_t* resp,
                                        size_t cap, size_t& resp_len) = 0;
};

// Calls a handler in the same process (e.g. Simulator::handle): in-process tests still go
// through the real wire codec on both sides.
class InProcessSimLink final : public SimLink {
 public:
  using Handler = std::function<size_t(const uint8_t* msg, size_t len, uint8_t* out, size_t cap)>;
  explicit InProcessSimLink(Handler handler) : handler_(std::move(handler)) {}
  [[nodiscard]] Status exchange(const uint8_t* request, size_t len, uint8_t* resp, size_t cap,
                                size_t& resp_len) override {
    // The handler reads the request while it writes the response: give it a copy.
    const std::vector<uint8_t> copy(request, request + len);
    resp_len = handler_(copy.data(), len, resp, cap);
    return resp_len >= 3 ? Status::Ok : Status::Io;
  }

 private:
  Handler handler_;
};

}  // namespace idr::board
