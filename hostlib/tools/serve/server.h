#pragma once
// The HTTP side of `idr serve` (DESIGN 12): the page's assets and a small API over a Feed,
// on a loopback address only, every API call authorised by a per-start token.
//
//   GET /, /app.js, /style.css   the page (embedded, assets.h); no card data, no token
//   GET /api/status              reader state + the last presentations (JSON)
//   GET /api/events              the same as Server-Sent Events, one "snapshot" per change
//   GET /api/photo/ID            a verified presentation's photo (PNG, from memory)
// The API needs the token as "Authorization: Bearer T" or "?token=T" (the page's
// EventSource and <img> cannot set headers): 401 without one, 403 with a wrong one. Every
// response carries a strict Content-Security-Policy; API responses are `no-store`. A Host
// header that is not this address is refused (403), so a DNS-rebound name cannot reach it.
// Bounded: worker threads, event streams, request size, read/write timeouts.
#include <atomic>
#include <memory>
#include <string>

#include "feed.h"

namespace httplib {
class Server;
}

namespace idr::tool::serve {

struct ServerLimits {
  size_t workers = 8;          // connections handled at once
  size_t event_streams = 4;    // concurrent /api/events (each holds a worker)
  size_t max_request = 8192;   // bytes of request body accepted
  int io_timeout_seconds = 5;  // read and write timeouts
};

// "HOST:PORT" where HOST is a loopback address (127.0.0.0/8, ::1 in brackets, localhost);
// false with *why otherwise.
[[nodiscard]] bool parse_listen(const std::string& text, std::string& host, int& port,
                                std::string* why);

// 32 hex digits from getrandom(2).
[[nodiscard]] std::string make_token();
// Constant-time in the content of the strings (their length is not secret).
[[nodiscard]] bool token_matches(const std::string& expected, const std::string& given);

class Server {
 public:
  Server(Feed& feed, std::string token, ServerLimits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (port 0: any free one); returns the port, or -1.
  [[nodiscard]] int bind(const std::string& host, int port);
  // Serves until stop(); call after bind.
  void run();
  // From any thread (e.g. a signal watcher).
  void stop();
  [[nodiscard]] const std::string& token() const { return token_; }

 private:
  void routes();
  Feed& feed_;
  const std::string token_;
  const ServerLimits limits_;
  std::string host_;
  int port_ = -1;
  std::atomic<size_t> streams_{0};
  std::unique_ptr<httplib::Server> http_;
};

}  // namespace idr::tool::serve
