#include "server.h"

#include <arpa/inet.h>
#include <sys/random.h>

#include <httplib.h>

#include "../../src/core/hex.h"
#include "output.h"
#include "serve/assets.h"

namespace idr::tool::serve {

namespace {

// The page runs only its own files: no inline script or style, no other origin, no frames.
const char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// How long an idle event stream waits before a comment line (finds clients that left).
constexpr std::chrono::seconds kKeepAlive{15};

void common_headers(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kCsp);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
}

void error(httplib::Response& res, int status, const std::string& why) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(to_text(nlohmann::json{{"error", why}}), "application/json");
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

}  // namespace

bool parse_listen(const std::string& text, std::string& host, int& port, std::string* why) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    if (why) *why = "--listen wants HOST:PORT, got '" + text + "'";
    return false;
  }
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    if (why) *why = "--listen: '" + p + "' is not a port (0..65535)";
    return false;
  }
  port = std::stoi(p);
  if (!is_loopback(host)) {
    if (why) *why = "--listen: '" + host + "' is not a loopback address (the page shows card data)";
    return false;
  }
  return true;
}

std::string make_token() {
  uint8_t bytes[16];
  size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    got += static_cast<size_t>(n);
  }
  return detail::to_hex(bytes, sizeof bytes);
}

bool token_matches(const std::string& expected, const std::string& given) {
  if (expected.empty() || given.size() != expected.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ given[i]);
  return diff == 0;
}

Server::Server(Feed& feed, std::string token, ServerLimits limits)
    : feed_(feed),
      token_(std::move(token)),
      limits_(limits),
      http_(std::make_unique<httplib::Server>()) {
  const size_t workers = limits_.workers;
  http_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  http_->set_payload_max_length(limits_.max_request);
  http_->set_read_timeout(limits_.io_timeout_seconds);
  http_->set_write_timeout(limits_.io_timeout_seconds);
  http_->set_keep_alive_timeout(limits_.io_timeout_seconds);
  routes();
}

Server::~Server() {
  stop();
}

int Server::bind(const std::string& host, int port) {
  host_ = host;
  if (port == 0)
    port_ = http_->bind_to_any_port(host);
  else
    port_ = http_->bind_to_port(host, port) ? port : -1;
  return port_;
}

void Server::run() {
  http_->listen_after_bind();
}

void Server::stop() {
  feed_.close();
  http_->stop();
}

void Server::routes() {
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    common_headers(res);
    // Only this address by name: a page of another site whose name was rebound to
    // 127.0.0.1 sends its own Host.
    const std::string host = req.get_header_value("Host");
    const std::string port = ":" + std::to_string(port_);
    const std::string bracketed = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
    if (host != bracketed + port && host != "localhost" + port) {
      error(res, 403, "unexpected Host header");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.path.rfind("/api/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
    std::string given;
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0)
      given = auth.substr(7);
    else if (req.has_param("token"))
      given = req.get_param_value("token");
    if (given.empty()) {
      error(res, 401, "this API needs the token idr serve printed");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!token_matches(token_, given)) {
      error(res, 403, "wrong token");
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("Cache-Control", "no-store");
    return httplib::Server::HandlerResponse::Unhandled;
  });

  http_->Get(R"(/|/app\.js|/style\.css)", [](const httplib::Request& req, httplib::Response& res) {
    const Asset* a = find_asset(req.path);
    if (!a) return error(res, 404, "no such file");
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(a->body), std::string(a->content_type).c_str());
  });

  http_->Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(to_text(feed_.snapshot()), "application/json");
  });

  http_->Get(
      R"(/api/photo/(\d{1,18}))", [this](const httplib::Request& req, httplib::Response& res) {
        const auto png = feed_.photo(std::stoull(req.matches[1].str()));
        if (!png) return error(res, 404, "no photo (not kept, not verified or not decoded)");
        res.set_content(reinterpret_cast<const char*>(png->data()), png->size(), "image/png");
      });

  http_->Get("/api/events", [this](const httplib::Request&, httplib::Response& res) {
    if (streams_.fetch_add(1) >= limits_.event_streams) {
      --streams_;
      return error(res, 503, "too many event streams");
    }
    res.set_header("X-Accel-Buffering", "no");
    auto seq = std::make_shared<std::optional<uint64_t>>();
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, seq](size_t, httplib::DataSink& sink) {
          if (seq->has_value()) {
            const uint64_t now = feed_.wait_for_change(**seq, kKeepAlive);
            if (feed_.closed()) return false;
            if (now == **seq) {  // idle: a comment, so a client that left is noticed
              static const char kPing[] = ": idle\n\n";
              return sink.write(kPing, sizeof kPing - 1);
            }
          }
          const nlohmann::json snap = feed_.snapshot();
          *seq = snap.at("seq").get<uint64_t>();
          const std::string event = "event: snapshot\ndata: " + to_text(snap) + "\n\n";
          return sink.write(event.data(), event.size());
        },
        [this](bool) { --streams_; });
  });
}

}  // namespace idr::tool::serve
