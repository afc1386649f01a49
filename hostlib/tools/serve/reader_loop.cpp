#include "reader_loop.h"

namespace idr::tool::serve {

namespace {

constexpr std::chrono::milliseconds kPollInterval{50};
constexpr std::chrono::milliseconds kReconnectPause{2000};

}  // namespace

ReaderLoop::ReaderLoop(Feed& feed, Config config) : feed_(feed), config_(std::move(config)) {
  feed_.set_reader_uri(config_.uri);
}

ReaderLoop::~ReaderLoop() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void ReaderLoop::start() {
  thread_ = std::thread([this] { run(); });
}

void ReaderLoop::stop() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> lock(cancel_mutex_);
    if (canceller_) canceller_->cancel();
  }
  std::lock_guard<std::mutex> lock(wake_mutex_);
  wake_.notify_all();
}

void ReaderLoop::run() {
  while (!stop_) {
    feed_.set_state(ReaderState::Connecting);
    std::string why;
    Result<Policy> policy = Policy::load(config_.files, &why);
    std::string failure;
    if (!policy) {
      failure = "policy: " + (why.empty() ? message(policy.error()) : why);
    } else {
      if (config_.lost_stolen) policy->lost_stolen = config_.lost_stolen;
      policy->checks = config_.checks;
      policy->today = config_.today;
      policy->now = config_.now;
      Result<Session> session = Session::open(config_.uri, std::move(*policy));
      if (!session) {
        failure = "reader " + config_.uri + ": " + message(session.error());
      } else {
        {
          std::lock_guard<std::mutex> lock(cancel_mutex_);
          canceller_ = session->canceller();
          if (stop_) canceller_->cancel();
        }
        failure = serve_session(*session);
        std::lock_guard<std::mutex> lock(cancel_mutex_);
        canceller_.reset();
      }
    }
    if (stop_) break;
    feed_.set_state(ReaderState::Error, failure);
    std::unique_lock<std::mutex> lock(wake_mutex_);
    wake_.wait_for(lock, kReconnectPause, [this] { return stop_.load(); });
  }
}

std::string ReaderLoop::serve_session(Session& session) {
  feed_.set_state(ReaderState::Waiting);
  while (!stop_) {
    const Result<bool> found = session.reader().find_card();
    if (!found && ends_watch(found.error())) return message(found.error());
    if (found && *found) {
      feed_.set_state(ReaderState::Reading);
      const Presentation p = session.read_found(config_.fields);
      if (!p && ends_watch(p.error())) return message(p.error());
      feed_.publish(p);
      feed_.set_state(ReaderState::Waiting);
      if (p) continue;  // look for the next card at once
    }
    // A card is found again only after it left the field (DESIGN 8), so polling reads each
    // presentation once.
    std::unique_lock<std::mutex> lock(wake_mutex_);
    wake_.wait_for(lock, kPollInterval, [this] { return stop_.load(); });
  }
  return "stopped";
}

}  // namespace idr::tool::serve
