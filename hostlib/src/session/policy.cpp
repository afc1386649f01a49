// Policy::load: the trust roots, revocation lists, counter store and lost/stolen list named
// by files, the one place that turns paths into a Policy (the idr tool and the C API both
// use it).
#include <filesystem>

#include "idr/session.h"

namespace idr {

namespace {

Error refuse(std::string* why, const std::string& what, const std::string& detail, Error e) {
  if (why) *why = what + ": " + detail;
  return e;
}

}  // namespace

Result<Policy> Policy::load(const Files& files, std::string* why) {
  Policy p;
  std::string detail;
  std::vector<std::string> lists = files.revoked;
  for (const auto& path : files.trust) {
    if (!p.trust.add_roots(path, &detail))
      return refuse(why, "trust " + path, detail, Error::InvalidArgument);
    // No list named: the one beside the trusted root (DESIGN 11).
    if (files.revoked.empty())
      if (std::string beside = revocation_list_beside(path); !beside.empty())
        lists.push_back(beside);
  }
  for (const auto& path : lists)
    if (!p.trust.load_revoked(path, &detail))
      return refuse(why, "revocation list " + path, detail, Error::InvalidArgument);
  if (!files.counters.empty()) {
    std::error_code ec;
    const auto parent = std::filesystem::path(files.counters).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    Result<CounterStore> store = CounterStore::open(files.counters, &detail);
    if (!store)
      return refuse(why, "counter store " + files.counters,
                    detail.empty() ? message(store.error()) : detail, store.error());
    p.counters.emplace(std::move(store).value());
  }
  if (!files.lost_stolen.empty()) {
    auto holder = std::make_shared<BlocklistHolder>();
    const Result<void> loaded = holder->reload(files.lost_stolen, &detail);
    if (!loaded)
      return refuse(why, "lost/stolen list " + files.lost_stolen,
                    detail.empty() ? message(loaded.error()) : detail, loaded.error());
    p.lost_stolen = std::move(holder);
  }
  return p;
}

}  // namespace idr
