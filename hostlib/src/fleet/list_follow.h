#pragma once
// A followed list in a running program (DESIGN 13, List distribution): a ListFollower on a
// NATS connection of its own and a thread of its own, whose on_applied loads each version
// into the program's BlocklistHolder at once (the list idr-ingest's detections or a gate's
// Session checks). BlocklistHolder::reload swaps under its lock: a lookup in progress keeps
// the list it took, the next one uses the new list. A version the holder cannot load is
// refused like a bad update (the follower puts the list in force back, its version still the
// one reported, and tries again at the next sync), so the version reported in
// idr_list_gates is always the one the holder answers with.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "idr/blocklist.h"
#include "idr/error.h"
#include "jetstream.h"
#include "list_distribution.h"
#include "list_manifest.h"

namespace idr::fleet {

struct FollowedListOptions {
  std::vector<std::string> servers;  // the cluster's nats:// URLs
  NatsConnect connect;               // how the follower's own connection is made
  std::string list;                  // e.g. lost-stolen
  std::string dir;                   // DIR/NAME.idrbl and DIR/NAME.state
  std::string gate;                  // the name in the reports (1..64 of [A-Za-z0-9_-])
  int replicas = 1;                  // of the report bucket when it is created
  int64_t poll_ms = 1000;            // a sync at least this often besides each pointer update
  int64_t max_age_s = 7 * 86400;     // FollowOptions::max_age_s
  // Each version applied ("version N applied (E entries)"), each refusal and each failure
  // (the cluster away): from open() and then from the follower's thread.
  std::function<void(const std::string& what)> on_event;
};

class FollowedList {
 public:
  // Connects, brings the list up to the published version once (a refusal, or a sync that
  // fails, is told to on_event and is no error: the list in force stays), and loads the
  // version in force into `holder` when that sync applied none. Io with `why` when that
  // version cannot be loaded (the follower would report a version the holder does not
  // answer with); TransportOpen when the connection cannot be made. `anchor` (the
  // authority's public key) must outlive the FollowedList.
  [[nodiscard]] static Result<std::unique_ptr<FollowedList>> open(
      const ListKey& anchor, FollowedListOptions options, std::shared_ptr<BlocklistHolder> holder,
      std::string* why = nullptr);
  ~FollowedList();  // stop()
  FollowedList(const FollowedList&) = delete;
  FollowedList& operator=(const FollowedList&) = delete;

  // Follows on a thread of its own (ListFollower::run; started again after the poll interval
  // when it fails, e.g. while the cluster is away) until stop().
  void start();
  // Ends and joins the thread (at most about a poll interval and a sync).
  void stop();

 private:
  FollowedList() = default;
  void tell(const std::string& what) const;

  FollowedListOptions options_;
  std::shared_ptr<BlocklistHolder> holder_;
  std::unique_ptr<JetStream> link_;
  std::unique_ptr<ListFollower> follower_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace idr::fleet
