#pragma once
// The reader side of `idr serve`: opens a Session over the reader, waits for each
// presentation, reads it verified and publishes the decision to the Feed, with the reader's
// state (waiting, reading, error) on the way. A reader that cannot be reached or whose link
// broke is shown as an error and opened again after a pause, until stop().
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "feed.h"
#include "idr/session.h"

namespace idr::tool::serve {

class ReaderLoop {
 public:
  // `files`, `checks`, `today`, `now`: the Policy of each Session (loaded again on each
  // reconnect; the caller loaded it once before to refuse bad files up front).
  // `lost_stolen`: a list the caller keeps current (--follow, DESIGN 13), checked by every
  // Session instead of files.lost_stolen; each version it loads is checked from the next
  // read on, across reconnects.
  struct Config {
    std::string uri;
    Policy::Files files;
    std::shared_ptr<BlocklistHolder> lost_stolen;
    bool checks = true;
    std::string today;
    std::optional<int64_t> now;
    unsigned fields = kBase;
  };
  ReaderLoop(Feed& feed, Config config);
  ~ReaderLoop();  // stop() and join
  ReaderLoop(const ReaderLoop&) = delete;
  ReaderLoop& operator=(const ReaderLoop&) = delete;

  void start();
  // From any thread: cancels the reader call in progress and ends the loop.
  void stop();

 private:
  void run();
  // One connection: until its link fails or stop(). The error text when it failed.
  std::string serve_session(Session& session);

  Feed& feed_;
  const Config config_;
  std::atomic<bool> stop_{false};
  std::mutex cancel_mutex_;  // canceller_
  std::optional<Reader::Canceller> canceller_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace idr::tool::serve
