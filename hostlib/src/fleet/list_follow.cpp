// FollowedList: a ListFollower feeding a BlocklistHolder on a thread of its own (DESIGN 13).
#include "list_follow.h"

#include <chrono>

namespace idr::fleet {

Result<std::unique_ptr<FollowedList>> FollowedList::open(const ListKey& anchor,
                                                         FollowedListOptions options,
                                                         std::shared_ptr<BlocklistHolder> holder,
                                                         std::string* why) {
  std::unique_ptr<FollowedList> f(new FollowedList());
  f->options_ = std::move(options);
  f->holder_ = std::move(holder);
  auto js = JetStream::connect(f->options_.servers, f->options_.connect, why);
  if (!js) return js.error();
  f->link_ = std::make_unique<JetStream>(std::move(*js));
  FollowOptions fo;
  fo.list = f->options_.list;
  fo.dir = f->options_.dir;
  fo.gate = f->options_.gate;
  fo.replicas = f->options_.replicas;
  fo.max_age_s = f->options_.max_age_s;
  // Each version in place goes to the holder at once; one it cannot load is refused by the
  // follower, so the version reported is the one the holder answers with.
  fo.on_applied = [raw = f.get()](const std::string& path, const ListManifest& m,
                                  std::string* failed) -> Result<void> {
    auto loaded = raw->holder_->reload(path, failed);
    if (loaded)
      raw->tell("version " + std::to_string(m.version) + " applied (" +
                std::to_string(m.list_entries) + " entries)");
    return loaded;
  };
  f->follower_ = std::make_unique<ListFollower>(*f->link_, anchor, fo);
  std::string refused;
  auto st = f->follower_->sync(&refused);
  if (!st || !refused.empty()) f->tell(refused);
  // The version in force before this start (none applied by the sync): loaded, or no start.
  const uint64_t version = f->follower_->state().version;
  if (!f->holder_->current() && version > 0) {
    std::string failed;
    if (!f->holder_->reload(f->follower_->list_path(), &failed)) {
      if (why)
        *why = "list " + f->options_.list + ": version " + std::to_string(version) +
               " in force in " + f->options_.dir + " but not loaded: " + failed;
      return Error::Io;
    }
  }
  return f;
}

FollowedList::~FollowedList() {
  stop();
}

void FollowedList::tell(const std::string& what) const {
  if (options_.on_event && !what.empty()) options_.on_event(what);
}

void FollowedList::start() {
  thread_ = std::thread([this] {
    const int64_t poll = options_.poll_ms;
    while (!stop_.load()) {
      std::string failed;
      auto r = follower_->run(
          stop_, poll, [this](const std::string& e) { tell(e); }, &failed);
      if (r) continue;
      tell(failed);
      for (int64_t slept = 0; slept < poll && !stop_.load(); slept += 50)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void FollowedList::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace idr::fleet
