#pragma once
// What `idr serve` shows (DESIGN 12): the reader's state and the last presentations of this
// run, in memory only. The reader thread writes (set_state, publish); HTTP threads read
// (snapshot, photo, wait_for_change). Thread-safe: every member function may be called from
// any thread at once.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "idr/session.h"

namespace idr::tool::serve {

// The reader's state as the page shows it.
enum class ReaderState { Connecting, Waiting, Reading, Error };
[[nodiscard]] const char* to_string(ReaderState s) noexcept;

// One presentation as JSON: {"id", "time", "accepted", "verified", "verdicts": [...],
// "reasons": [names]} and, ONLY when the record verified, "card" (the fields, no raw
// bytes), "photo" (its URL, when the photo decoded), "reader" {"serial", "counter"}; a read
// that failed is {"id", "time", "error": message}. A record that did not verify yields no
// field of it: not the card's, not the reader serial or counter it names.
[[nodiscard]] nlohmann::json presentation_json(const Presentation& p, uint64_t id,
                                               const std::string& time, bool has_photo);

class Feed {
 public:
  // keep_last: how many presentations are kept (at least 1); clear_after_seconds: how long
  // the page shows one before it clears it (0: until the next), told to the page.
  Feed(size_t keep_last, unsigned clear_after_seconds);

  void set_state(ReaderState s, const std::string& detail = "");
  // Records one presentation (the oldest beyond keep_last is forgotten with its photo).
  void publish(const Presentation& p);
  // {"seq", "reader": {"uri", "state", "detail"}, "page": {"clear_after"},
  //  "presentations": [newest last]}.
  [[nodiscard]] nlohmann::json snapshot() const;
  // The PNG of presentation `id`, when it is still kept and had a verified, decoded photo.
  [[nodiscard]] std::optional<std::vector<uint8_t>> photo(uint64_t id) const;
  // Waits until the sequence number passes `seq` or `timeout` passes or close(); returns
  // the current sequence number.
  uint64_t wait_for_change(uint64_t seq, std::chrono::milliseconds timeout) const;
  [[nodiscard]] uint64_t seq() const;
  // Wakes every waiter for good (the server is stopping).
  void close();
  [[nodiscard]] bool closed() const;
  void set_reader_uri(const std::string& uri);

 private:
  struct Entry {
    nlohmann::json json;
    std::vector<uint8_t> png;  // empty: no photo
  };
  const size_t keep_last_;
  const unsigned clear_after_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  uint64_t seq_ = 0;
  uint64_t next_id_ = 1;
  bool closed_ = false;
  ReaderState state_ = ReaderState::Connecting;
  std::string detail_, uri_;
  std::deque<Entry> entries_;
};

}  // namespace idr::tool::serve
