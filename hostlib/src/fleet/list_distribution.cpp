// List distribution over JetStream (list_distribution.h, DESIGN 13).
#include "list_distribution.h"
#include "fleet_fail.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "idr/blocklist.h"

namespace idr::fleet {

namespace {

std::string data_subject(const std::string& list, uint64_t version) {
  return "lists." + list + ".data." + std::to_string(version);
}
std::string manifest_subject(const std::string& list) {
  return "lists." + list + ".manifest";
}

// A message's stream sequence: its own (a consumer's delivery), else the Nats-Sequence header
// a direct get sets; 0 when neither.
uint64_t stream_sequence(natsMsg* msg) {
  const uint64_t own = natsMsg_GetSequence(msg);
  if (own != 0) return own;
  const char* text = nullptr;
  if (natsMsgHeader_Get(msg, "Nats-Sequence", &text) != NATS_OK || text == nullptr) return 0;
  return std::strtoull(text, nullptr, 10);
}

// Writes `text` to `path` through a temporary file, fsync and rename.
Result<void> write_atomic(const std::string& path, const std::string& text, std::string* why) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail<void>(why, Error::Io, tmp + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail<void>(why, Error::Io, path + ": " + std::strerror(errno));
  }
  return {};
}

Result<void> rename_into_place(const std::string& from, const std::string& to, std::string* why) {
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (::rename(from.c_str(), to.c_str()) != 0)
    return fail<void>(why, Error::Io, to + ": " + std::strerror(errno));
  return {};
}

Result<void> copy_file(const std::string& from, const std::string& to, std::string* why) {
  std::ifstream in(from, std::ios::binary);
  const std::string tmp = to + ".tmp." + std::to_string(::getpid());
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!in || !out) return fail<void>(why, Error::Io, "cannot copy " + from + " to " + to);
  out << in.rdbuf();
  out.close();
  if (!out) {
    ::unlink(tmp.c_str());
    return fail<void>(why, Error::Io, to + ": write failed");
  }
  return rename_into_place(tmp, to, why);
}

// The current pointer: its manifest verified with `key` and the KV revision (0 when none).
struct Pointer {
  bool present = false;
  ListManifest manifest;
  std::string text;
  uint64_t revision = 0;
};

Result<Pointer> read_pointer(kvStore* kv, const std::string& list, const ListKey& key,
                             std::string* why) {
  kvEntry* raw = nullptr;
  const natsStatus s = retry_transient([&] { return kvStore_Get(&raw, kv, list.c_str()); });
  KvEntry e(raw);
  Pointer p;
  if (s == NATS_NOT_FOUND) return p;
  if (s != NATS_OK) return fail<Pointer>(why, Error::TransportClosed, js_error("pointer", s));
  p.text.assign(static_cast<const char*>(kvEntry_Value(raw)),
                static_cast<size_t>(kvEntry_ValueLen(raw)));
  p.revision = kvEntry_Revision(raw);
  std::string bad;
  auto m = verify_manifest(p.text, key, &bad);
  if (!m)
    return fail<Pointer>(why, Error::InvalidArgument, "version pointer of " + list + ": " + bad);
  if (m->list != list)
    return fail<Pointer>(why, Error::InvalidArgument,
                         "version pointer of " + list + " names list " + m->list);
  p.present = true;
  p.manifest = *m;
  return p;
}

// Publishes the content chunks, the manifest and moves the pointer (compare-and-set on its
// revision, so two publishers cannot both take the same version).
Result<ListManifest> publish_version(JetStream& link, const ListKey& key, const PublishOptions& o,
                                     ListManifest m, const std::string& content_path,
                                     const Pointer& pointer, std::string* why) {
  std::ifstream in(content_path, std::ios::binary);
  if (!in) return fail<ListManifest>(why, Error::Io, content_path + ": cannot open");
  const std::string id =
      o.list + "." + std::to_string(m.version) + "." + m.content_sha256.substr(0, 16);
  std::vector<char> buf(kListChunk);
  uint64_t total = 0;
  uint32_t index = 0;
  for (;;) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0 && index > 0) break;
    auto seq =
        link.publish(data_subject(o.list, m.version), buf.data(), n,
                     id + "." + std::to_string(index), why, "Idr-Chunk", std::to_string(index));
    if (!seq) return seq.error();
    if (index == 0) m.data_seq = *seq;
    ++index;
    total += n;
    if (n < buf.size()) break;
  }
  if (total != m.content_bytes)
    return fail<ListManifest>(why, Error::Io, content_path + ": changed while it was published");
  m.chunks = index;
  auto text = sign_manifest(m, key, why);
  if (!text) return text.error();
  auto kv = link.ensure_kv(kListBucket, o.replicas, why);
  if (!kv) return kv.error();
  uint64_t rev = 0;
  natsStatus s = pointer.present ? kvStore_Update(&rev, *kv, o.list.c_str(), text->data(),
                                                  static_cast<int>(text->size()), pointer.revision)
                                 : kvStore_Create(&rev, *kv, o.list.c_str(), text->data(),
                                                  static_cast<int>(text->size()));
  if (s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS) {
    // The update may have been applied without its answer: it was if the pointer is ours.
    std::string ignored;
    auto now = read_pointer(*kv, o.list, key, &ignored);
    if (now && now->present && now->text == *text) s = NATS_OK;
  }
  if (s != NATS_OK)
    return fail<ListManifest>(
        why, Error::TransportClosed,
        js_error("moving the version pointer (another publication of this list at the same "
                 "time?)",
                 s));
  // The manifest enters the stream only once its version is ours: a publication that lost
  // the compare-and-set leaves no manifest a follower could take for that version.
  auto seq = link.publish(manifest_subject(o.list), text->data(), text->size(), id, why);
  if (!seq)
    return fail<ListManifest>(why, seq.error(),
                              "version pointer moved to " + std::to_string(m.version) +
                                  " but its manifest was not published (" +
                                  (why ? *why : std::string()) +
                                  "); gates refuse the gap until a later full list is published");
  return m;
}

Result<Pointer> prepare(JetStream& link, const ListKey& key, const PublishOptions& o,
                        std::string* why) {
  if (!valid_list_name(o.list))
    return fail<Pointer>(why, Error::InvalidArgument,
                         "list name must be 1-32 characters a-z, 0-9 or '-'");
  if (!key.has_private())
    return fail<Pointer>(why, Error::InvalidArgument,
                         "publishing needs the authority's private key");
  auto s = link.ensure_stream(kListStream, "lists.>", o.replicas, why);
  if (!s) return s.error();
  auto kv = link.ensure_kv(kListBucket, o.replicas, why);
  if (!kv) return kv.error();
  return read_pointer(*kv, o.list, key, why);
}

}  // namespace

Result<ListManifest> publish_full(JetStream& link, const ListKey& key, const PublishOptions& o,
                                  const std::string& list_file, std::string* why) {
  auto pointer = prepare(link, key, o, why);
  if (!pointer) return pointer.error();
  std::string bad;
  auto list = Blocklist::open(list_file, &bad);
  if (!list) return fail<ListManifest>(why, list.error(), list_file + ": " + bad);
  auto sha = sha256_file_hex(list_file, why);
  if (!sha) return sha.error();
  ListManifest m;
  m.list = o.list;
  m.version = pointer->present ? pointer->manifest.version + 1 : 1;
  m.kind = ListKind::Full;
  m.content_sha256 = *sha;
  m.content_bytes = list->info().file_bytes;
  m.list_sha256 = *sha;
  m.list_entries = list->size();
  m.issued_at = o.now;
  auto done = publish_version(link, key, o, m, list_file, *pointer, why);
  if (!done) return done;
  auto copied = copy_file(list_file, o.master_dir + "/" + o.list + ".idrbl", why);
  if (!copied) return copied.error();
  return done;
}

Result<ListManifest> publish_delta(JetStream& link, const ListKey& key, const PublishOptions& o,
                                   const std::string& delta_file, std::string* why) {
  auto pointer = prepare(link, key, o, why);
  if (!pointer) return pointer.error();
  if (!pointer->present)
    return fail<ListManifest>(why, Error::InvalidArgument,
                              o.list + ": nothing published yet; publish a full list first");
  const std::string master = o.master_dir + "/" + o.list + ".idrbl";
  auto master_sha = sha256_file_hex(master, why);
  if (!master_sha) return master_sha.error();
  if (*master_sha != pointer->manifest.list_sha256)
    return fail<ListManifest>(why, Error::InvalidArgument,
                              master + " is not the list of the published version " +
                                  std::to_string(pointer->manifest.version));
  const std::string next = master + ".next";
  std::string bad;
  auto applied = apply_blocklist_delta(master, delta_file, next, &bad);
  if (!applied) return fail<ListManifest>(why, applied.error(), delta_file + ": " + bad);
  auto next_sha = sha256_file_hex(next, why);
  auto content_sha = sha256_file_hex(delta_file, why);
  if (!next_sha || !content_sha) return Error::Io;
  std::ifstream d(delta_file, std::ios::binary | std::ios::ate);
  ListManifest m;
  m.list = o.list;
  m.version = pointer->manifest.version + 1;
  m.kind = ListKind::Delta;
  m.base = pointer->manifest.version;
  m.content_sha256 = *content_sha;
  m.content_bytes = static_cast<uint64_t>(d.tellg());
  m.list_sha256 = *next_sha;
  m.list_entries = applied->result.entries;
  m.issued_at = o.now;
  auto done = publish_version(link, key, o, m, delta_file, *pointer, why);
  if (!done) {
    ::unlink(next.c_str());
    return done;
  }
  auto moved = rename_into_place(next, master, why);
  if (!moved) return moved.error();
  return done;
}

// ---- the gate ----

ListFollower::ListFollower(JetStream& link, const ListKey& anchor, FollowOptions o)
    : link_(link), anchor_(anchor), o_(std::move(o)) {}

std::string ListFollower::list_path() const {
  return o_.dir + "/" + o_.list + ".idrbl";
}

Result<GateListState> read_gate_state(const std::string& dir, const std::string& list,
                                      std::string* why) {
  GateListState st;
  std::ifstream in(dir + "/" + list + ".state");
  if (!in) return st;  // never applied a version
  std::string k1, k2, k3;
  if (!(in >> k1 >> st.version >> k2 >> st.list_sha256 >> k3 >> st.manifest_seq) ||
      k1 != "version" || k2 != "list-sha256" || k3 != "manifest-seq")
    return fail<GateListState>(why, Error::InvalidArgument, dir + "/" + list + ".state: malformed");
  return st;
}

Result<void> ListFollower::load_state(std::string* why) {
  if (loaded_) return {};
  if (!valid_list_name(o_.list))
    return fail<void>(why, Error::InvalidArgument,
                      "list name must be 1-32 characters a-z, 0-9 or '-'");
  auto st = read_gate_state(o_.dir, o_.list, why);
  // A state file that does not parse is refused, never read as "no version yet": that
  // would lower the rollback floor.
  if (!st) return st.error();
  state_ = {};
  state_.floor = st->version;
  if (st->version > 0) {
    auto sha = sha256_file_hex(list_path(), nullptr);
    // The list does not match: fetch a full list again, but never one below the version
    // once applied (the state file keeps that version until a newer one is in place).
    if (sha && *sha == st->list_sha256) state_ = *st;
    state_.floor = st->version;
  }
  loaded_ = true;
  return {};
}

void ListFollower::report(const std::string& error) {
  auto kv = link_.ensure_kv(kGateBucket, o_.replicas, nullptr);
  if (!kv) return;
  std::ostringstream t;
  t << "version " << state_.version << "\nlist-sha256 " << state_.list_sha256 << "\nat "
    << std::time(nullptr) << "\n";
  if (!error.empty()) t << "error " << error << "\n";
  const std::string text = t.str();
  uint64_t rev = 0;
  (void)retry_transient(
      [&] {
        return kvStore_Put(&rev, *kv, (o_.list + "." + o_.gate).c_str(), text.data(),
                           static_cast<int>(text.size()));
      },
      5000);
}

Result<void> ListFollower::apply(const ListManifest& m, uint64_t manifest_seq, std::string* why) {
  const std::string tmp = o_.dir + "/" + o_.list + ".incoming." + std::to_string(::getpid());
  struct Cleanup {
    std::string path;
    ~Cleanup() { ::unlink(path.c_str()); }
  } cleanup{tmp};
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail<void>(why, Error::Io, tmp + ": cannot create");
    uint64_t seq = m.data_seq, total = 0;
    for (uint32_t i = 0; i < m.chunks;) {
      std::string bad;
      auto msg = link_.next_on_subject(kListStream, data_subject(m.list, m.version), seq, &bad);
      if (!msg)
        return fail<void>(why, msg.error(),
                          "version " + std::to_string(m.version) + ": chunk " + std::to_string(i) +
                              " of " + std::to_string(m.chunks) + " missing (" + bad + ")");
      const char* index = nullptr;
      if (natsMsgHeader_Get(msg->get(), "Idr-Chunk", &index) != NATS_OK || index == nullptr)
        return fail<void>(why, Error::InvalidArgument, "a chunk without its index");
      const uint64_t at = stream_sequence(msg->get());
      if (at < seq) return fail<void>(why, Error::InvalidArgument, "stream went backwards");
      seq = at + 1;
      const std::string expected = std::to_string(i);
      if (index != expected) continue;  // a chunk republished by an interrupted publication
      const auto n = static_cast<uint64_t>(natsMsg_GetDataLength(msg->get()));
      total += n;
      if (total > m.content_bytes)
        return fail<void>(why, Error::InvalidArgument,
                          "version " + std::to_string(m.version) + ": more content than signed");
      out.write(natsMsg_GetData(msg->get()), static_cast<std::streamsize>(n));
      ++i;
    }
    out.close();
    if (!out) return fail<void>(why, Error::Io, tmp + ": write failed");
  }
  auto sha = sha256_file_hex(tmp, why);
  if (!sha) return sha.error();
  if (*sha != m.content_sha256)
    return fail<void>(why, Error::InvalidArgument,
                      "version " + std::to_string(m.version) +
                          ": content SHA-256 differs from the signed manifest (tampered)");
  const std::string next = list_path() + ".next";
  std::string bad;
  if (m.kind == ListKind::Full) {
    auto list = Blocklist::open(tmp, &bad);
    if (!list)
      return fail<void>(why, list.error(), "version " + std::to_string(m.version) + ": " + bad);
    if (::rename(tmp.c_str(), next.c_str()) != 0)
      return fail<void>(why, Error::Io, next + ": " + std::strerror(errno));
  } else {
    auto applied = apply_blocklist_delta(list_path(), tmp, next, &bad);
    if (!applied)
      return fail<void>(why, applied.error(), "version " + std::to_string(m.version) + ": " + bad);
  }
  auto next_sha = sha256_file_hex(next, why);
  if (!next_sha || *next_sha != m.list_sha256) {
    ::unlink(next.c_str());
    return fail<void>(why, Error::InvalidArgument,
                      "version " + std::to_string(m.version) +
                          ": the resulting list differs from the signed list SHA-256");
  }
  // The list in force stays reachable (a hard link beside it) until the caller took the new
  // one: a version it cannot take is undone and refused, so the state never names a version
  // the caller does not use.
  const std::string kept = list_path() + ".kept";
  ::unlink(kept.c_str());
  const bool had_list = ::link(list_path().c_str(), kept.c_str()) == 0;
  auto moved = rename_into_place(next, list_path(), why);
  if (!moved) {
    ::unlink(kept.c_str());
    return moved;
  }
  if (o_.on_applied) {
    std::string failed;
    auto taken = o_.on_applied(list_path(), m, &failed);
    if (!taken) {
      const bool restored = had_list ? ::rename(kept.c_str(), list_path().c_str()) == 0
                                     : ::unlink(list_path().c_str()) == 0;
      // Not restored: the list no longer matches the state, which is read again and makes the
      // next sync fetch a full list (as after a crash between the renames).
      if (!restored) loaded_ = false;
      return fail<void>(why, taken.error(),
                        "version " + std::to_string(m.version) + " not taken: " + failed);
    }
  }
  ::unlink(kept.c_str());
  state_ = {m.version, m.list_sha256, manifest_seq, std::max(state_.floor, m.version)};
  std::ostringstream t;
  t << "version " << state_.version << "\nlist-sha256 " << state_.list_sha256 << "\nmanifest-seq "
    << state_.manifest_seq << "\n";
  return write_atomic(o_.dir + "/" + o_.list + ".state", t.str(), why);
}

Result<GateListState> ListFollower::sync(std::string* why) {
  auto loaded = load_state(why);
  if (!loaded) return loaded.error();
  auto refuse = [&](Error e, const std::string& text) -> Result<GateListState> {
    report(text);
    if (why) *why = text;
    return e;
  };
  auto kv = link_.ensure_kv(kListBucket, o_.replicas, why);
  if (!kv) return kv.error();
  std::string bad;
  auto pointer = read_pointer(*kv, o_.list, anchor_, &bad);
  if (!pointer)
    return refuse(pointer.error(), bad + "; version " + std::to_string(state_.version) + " kept");
  if (!pointer->present) return state_;  // nothing published yet
  const ListManifest& target = pointer->manifest;
  // A pointer older than the maximum age: the authority's updates may be withheld (a
  // freeze). The genuine version is still applied, and the sync fails with the reason.
  const int64_t age = static_cast<int64_t>(std::time(nullptr)) - target.issued_at;
  const std::string frozen =
      o_.max_age_s > 0 && age > o_.max_age_s
          ? "version pointer at " + std::to_string(target.version) + " was issued " +
                std::to_string(age) + " s ago, more than the maximum age of " +
                std::to_string(o_.max_age_s) + " s: updates may be withheld (freeze)"
          : std::string();
  if (target.version < std::max(state_.version, state_.floor))
    return refuse(Error::InvalidArgument,
                  "version pointer at " + std::to_string(target.version) + " is below version " +
                      std::to_string(std::max(state_.version, state_.floor)) +
                      (state_.version < state_.floor ? " once applied" : " in force") +
                      ": rollback refused");
  if (target.version == state_.version) {
    if (target.list_sha256 != state_.list_sha256)
      return refuse(Error::InvalidArgument, "version " + std::to_string(target.version) +
                                                " published with other content than the list "
                                                "in force: refused");
    if (!frozen.empty()) return refuse(Error::InvalidArgument, frozen);
    report("");
    return state_;
  }
  // Every verified manifest above our version, by version.
  std::map<uint64_t, std::pair<ListManifest, uint64_t>> known;
  std::string refused;
  for (uint64_t seq = state_.manifest_seq + 1;;) {
    auto msg = link_.next_on_subject(kListStream, manifest_subject(o_.list), seq, &bad);
    if (!msg) {
      if (msg.error() == Error::Unsupported) break;
      return refuse(msg.error(), bad);
    }
    const uint64_t at = stream_sequence(msg->get());
    if (at < seq) return refuse(Error::InvalidArgument, "stream went backwards");
    seq = at + 1;
    const std::string text(natsMsg_GetData(msg->get()),
                           static_cast<size_t>(natsMsg_GetDataLength(msg->get())));
    auto m = verify_manifest(text, anchor_, &bad);
    if (!m || m->list != o_.list) {
      refused = "manifest at stream sequence " + std::to_string(at) +
                " refused: " + (m ? "names list " + m->list : bad);
      continue;
    }
    // For the pointer's version only the manifest the pointer names (an older publication's
    // manifest that lost the compare-and-set may be in the stream): checked before applying.
    if (m->version == target.version &&
        (m->list_sha256 != target.list_sha256 || m->content_sha256 != target.content_sha256)) {
      refused = "manifest at stream sequence " + std::to_string(at) + " for version " +
                std::to_string(m->version) + " is not the one the version pointer names";
      continue;
    }
    if (m->version > state_.version && m->version <= target.version) known[m->version] = {*m, at};
  }
  while (state_.version < target.version) {
    const ListManifest* step = nullptr;
    uint64_t step_seq = 0;
    auto next = known.find(state_.version + 1);
    if (state_.version > 0 && next != known.end() && next->second.first.kind == ListKind::Delta &&
        next->second.first.base == state_.version) {
      step = &next->second.first;
      step_seq = next->second.second;
    } else {
      for (auto it = known.rbegin(); it != known.rend(); ++it)
        if (it->first > state_.version && it->second.first.kind == ListKind::Full) {
          step = &it->second.first;
          step_seq = it->second.second;
          break;
        }
    }
    if (step == nullptr)
      return refuse(Error::InvalidArgument,
                    "no publication continues version " + std::to_string(state_.version) +
                        " towards " + std::to_string(target.version) + " (gap)" +
                        (refused.empty() ? "" : "; " + refused) + "; version " +
                        std::to_string(state_.version) + " kept");
    auto applied = apply(*step, step_seq, &bad);
    if (!applied)
      return refuse(applied.error(), bad + "; version " + std::to_string(state_.version) + " kept");
  }
  if (state_.list_sha256 != target.list_sha256)
    return refuse(Error::InvalidArgument, "version " + std::to_string(target.version) +
                                              " in the stream differs from the version pointer");
  if (!frozen.empty()) return refuse(Error::InvalidArgument, frozen);
  report(refused);
  if (!refused.empty() && why) *why = refused;
  return state_;
}

Result<void> ListFollower::run(const std::atomic<bool>& stop, int64_t poll_ms,
                               const std::function<void(const std::string&)>& on_error,
                               std::string* why) {
  auto kv = link_.ensure_kv(kListBucket, o_.replicas, why);
  if (!kv) return kv.error();
  kvWatcher* w = nullptr;
  while (!stop.load()) {
    std::string bad;
    auto r = sync(&bad);
    if ((!r || !bad.empty()) && on_error) on_error(bad);
    if (w == nullptr) {
      // (Re)started after a broken watch, e.g. while a node restarts: the poll covers it.
      const natsStatus s = kvStore_Watch(&w, *kv, o_.list.c_str(), nullptr);
      if (s != NATS_OK) {
        w = nullptr;
        if (on_error) on_error(js_error("watching the version pointer", s));
        nats_Sleep(poll_ms);
        continue;
      }
    }
    kvEntry* e = nullptr;
    // Wakes on a pointer update, or after poll_ms for a retry.
    const natsStatus n = kvWatcher_Next(&e, w, poll_ms);
    if (e) kvEntry_Destroy(e);
    if (n != NATS_OK && n != NATS_TIMEOUT) {
      kvWatcher_Destroy(w);
      w = nullptr;
    }
  }
  if (w) kvWatcher_Destroy(w);
  return {};
}

}  // namespace idr::fleet
