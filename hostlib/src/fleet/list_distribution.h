#pragma once
// List distribution over JetStream (DESIGN 13): the authority publishes signed versions of
// the lost/stolen and document-control lists (list files and delta files of idr/blocklist.h);
// gates follow, verify and apply them atomically, and report their version.
//
// On the cluster:
//   stream IDR_LISTS, subjects lists.>
//     lists.NAME.data.VERSION   the content in chunks of at most 512 KiB (header Idr-Chunk: i)
//     lists.NAME.manifest       every signed manifest (list_manifest.h), oldest first
//   bucket idr_lists,        key NAME:      the current signed manifest (the version pointer)
//   bucket idr_list_gates,   key NAME.GATE: what a gate applied ("version N list-sha256 H ...")
//
// A gate keeps in its directory NAME.idrbl (the list in force) and NAME.state (its version,
// the list file's SHA-256 and where it stopped reading manifests). Every new list is written
// beside it and renamed into place (the one it replaces kept as NAME.idrbl.kept until the
// gate's user took the new one), then the state is replaced the same way; a state whose
// SHA-256 does not match the list file (a crash between the two renames) makes the gate
// fetch the newest full list again.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "idr/error.h"
#include "jetstream.h"
#include "list_manifest.h"

namespace idr::fleet {

inline constexpr char kListStream[] = "IDR_LISTS";
inline constexpr char kListBucket[] = "idr_lists";
inline constexpr char kGateBucket[] = "idr_list_gates";
inline constexpr size_t kListChunk = 512 * 1024;

// The authority's side: `idr lists publish`.
struct PublishOptions {
  std::string list;        // list name, e.g. lost-stolen
  std::string master_dir;  // the authority's copy of each list in force: DIR/NAME.idrbl
  int replicas = 1;        // of the stream and buckets when they are created
  int64_t now = 0;         // issued-at (Unix seconds)
};
// Publishes a full list file as the next version. Returns the manifest published.
[[nodiscard]] Result<ListManifest> publish_full(JetStream& link, const ListKey& key,
                                                const PublishOptions& o,
                                                const std::string& list_file,
                                                std::string* why = nullptr);
// Publishes a delta file (blocklist.h format) as the next version: it applies to the version
// in force (the master copy, which must be the one the pointer names).
[[nodiscard]] Result<ListManifest> publish_delta(JetStream& link, const ListKey& key,
                                                 const PublishOptions& o,
                                                 const std::string& delta_file,
                                                 std::string* why = nullptr);

// The gate's side.
struct GateListState {
  uint64_t version = 0;  // 0: no list yet
  std::string list_sha256;
  uint64_t manifest_seq = 0;  // stream sequence of the manifest last applied
  // The highest version ever applied (the state file's, kept when the list beside it is
  // missing or altered and is fetched again): no version below it is accepted.
  uint64_t floor = 0;
};

struct FollowOptions {
  std::string list;
  std::string dir;   // DIR/NAME.idrbl, DIR/NAME.state
  std::string gate;  // this gate's name in the report bucket (1..64 of [A-Za-z0-9_-];
                     // `idr lists follow` refuses others)
  int replicas = 1;  // of the report bucket when it is created
  // A pointer issued longer ago than this (seconds; 0: no limit) fails sync() with the
  // reason, in the report too, after applying it (a frozen authority or withheld updates).
  int64_t max_age_s = 7 * 86400;
  // Called with each new version once its list is in place at list_path, before the state
  // (and so the version reported) advances: it takes the list (e.g. BlocklistHolder::reload).
  // A failure (with `why`) is a refusal: the list in force is put back, the version stays, the
  // reason is reported and the next sync tries again; the version reported is always the one
  // the caller took.
  std::function<Result<void>(const std::string& list_path, const ListManifest&, std::string* why)>
      on_applied;
};

class ListFollower {
 public:
  ListFollower(JetStream& link, const ListKey& anchor, FollowOptions o);

  // Brings the gate to the version the pointer names: verifies every manifest, applies the
  // deltas that continue the gate's version (or the newest full list and the deltas after
  // it), each atomically, then reports. Refuses, keeping the list in force, and says why in
  // *why: a manifest that does not verify (forged), a pointer at or below the gate's version
  // with other content or below it (replay, rollback), a version with no publication that
  // continues the gate's (gap), content whose SHA-256 differs, a result list whose SHA-256
  // differs from the manifest's. Returns the state after the call.
  [[nodiscard]] Result<GateListState> sync(std::string* why = nullptr);
  // Follows until `stop`: a sync at start, then one on each pointer update (KV watch) and at
  // least every `poll_ms`; a broken watch is started again. `on_error` gets each refusal's
  // reason and each watch failure.
  [[nodiscard]] Result<void> run(const std::atomic<bool>& stop, int64_t poll_ms,
                                 const std::function<void(const std::string&)>& on_error,
                                 std::string* why = nullptr);

  [[nodiscard]] const GateListState& state() const { return state_; }
  [[nodiscard]] std::string list_path() const;

 private:
  [[nodiscard]] Result<void> load_state(std::string* why);
  [[nodiscard]] Result<void> apply(const ListManifest& m, uint64_t manifest_seq, std::string* why);
  void report(const std::string& error);

  JetStream& link_;
  const ListKey& anchor_;
  FollowOptions o_;
  GateListState state_;
  bool loaded_ = false;
};

// The gate's state file and the report bucket, for `idr lists status`.
[[nodiscard]] Result<GateListState> read_gate_state(const std::string& dir, const std::string& list,
                                                    std::string* why = nullptr);

}  // namespace idr::fleet
