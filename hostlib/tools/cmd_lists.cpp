// idr lists keygen | publish | follow | status: list distribution over JetStream (DESIGN 13,
// hostlib/src/fleet/list_distribution.h) for the authority and for gates.
#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "cli.h"
#include "commands.h"
#include "idr/fleet.h"
#include "interrupt.h"
#include "jetstream.h"
#include "list_distribution.h"
#include "list_manifest.h"

namespace idr::tool {

namespace {

constexpr const char* kDefaultServers = "nats://127.0.0.1:4222";

struct ListsCommand {
  CLI::App *keygen = nullptr, *publish = nullptr, *follow = nullptr, *status = nullptr;
  std::string servers = kDefaultServers, key, authority, list = "lost-stolen", master, full, delta,
              dir, gate, private_out, public_out;
  uint64_t replicas = 1, poll_ms = 1000, max_age_days = 7;
  bool once = false;
};

int fail(const char* sub, const std::string& why, int code = kExitError) {
  std::fprintf(stderr, "idr lists %s: %s\n", sub, why.c_str());
  return code;
}

// Unreachable cluster: 2; anything refused (signature, version, content): 6; files: 7.
int code_for(Error e) {
  if (e == Error::TransportOpen || e == Error::TransportClosed) return kExitUnreachable;
  if (e == Error::InvalidArgument) return kExitRejected;
  return kExitError;
}

void print_manifest(const fleet::ListManifest& m) {
  std::printf("list %s\nversion %llu\nkind %s\nbase %llu\nentries %llu\nlist-sha256 %s\n",
              m.list.c_str(), static_cast<unsigned long long>(m.version),
              m.kind == fleet::ListKind::Full ? "full" : "delta",
              static_cast<unsigned long long>(m.base),
              static_cast<unsigned long long>(m.list_entries), m.list_sha256.c_str());
}

int keygen(const ListsCommand& o) {
  std::string why;
  auto key = fleet::ListKey::generate(&why);
  if (!key) return fail("keygen", why);
  auto saved = key->save(o.private_out, o.public_out, &why);
  if (!saved) return fail("keygen", why);
  std::printf(
      "private key %s (keep it on the authority's host)\npublic key %s (the gates' "
      "trust anchor)\n",
      o.private_out.c_str(), o.public_out.c_str());
  return kExitOk;
}

int publish(const ListsCommand& o) {
  if (o.full.empty() == o.delta.empty()) throw UsageError("publish: give --full or --delta");
  std::string why;
  auto key = fleet::ListKey::load(o.key, &why);
  if (!key) return fail("publish", why);
  auto link = fleet::JetStream::connect(o.servers, 10000, &why);
  if (!link) return fail("publish", why, kExitUnreachable);
  fleet::PublishOptions p{o.list, o.master, static_cast<int>(o.replicas),
                          static_cast<int64_t>(std::time(nullptr))};
  auto m = o.full.empty() ? fleet::publish_delta(*link, *key, p, o.delta, &why)
                          : fleet::publish_full(*link, *key, p, o.full, &why);
  if (!m) return fail("publish", why, code_for(m.error()));
  print_manifest(*m);
  return kExitOk;
}

int follow(const ListsCommand& o) {
  // The gate's name is a key token of the report bucket (list_distribution.h).
  if (!fleet::valid_token(o.gate))
    throw UsageError("follow: --gate must be 1-64 characters A-Z, a-z, 0-9, '_' or '-'");
  std::string why;
  auto anchor = fleet::ListKey::load(o.authority, &why);
  if (!anchor) return fail("follow", why);
  auto link = fleet::JetStream::connect(o.servers, 10000, &why);
  if (!link) return fail("follow", why, kExitUnreachable);
  fleet::FollowOptions f;
  f.list = o.list;
  f.dir = o.dir;
  f.gate = o.gate;
  f.replicas = static_cast<int>(o.replicas);
  f.max_age_s = static_cast<int64_t>(o.max_age_days) * 86400;
  f.on_applied = [](const std::string& path, const fleet::ListManifest& m,
                    std::string*) -> Result<void> {
    std::printf("applied version %llu (%s, %llu entries) to %s\n",
                static_cast<unsigned long long>(m.version),
                m.kind == fleet::ListKind::Full ? "full" : "delta",
                static_cast<unsigned long long>(m.list_entries), path.c_str());
    std::fflush(stdout);
    return {};
  };
  fleet::ListFollower follower(*link, *anchor, f);
  if (o.once) {
    auto st = follower.sync(&why);
    if (!st) return fail("follow", why, code_for(st.error()));
    if (!why.empty()) std::fprintf(stderr, "idr lists follow: %s\n", why.c_str());
    std::printf("version %llu\nlist-sha256 %s\n", static_cast<unsigned long long>(st->version),
                st->list_sha256.c_str());
    return kExitOk;
  }
  InterruptWatcher interrupt;
  std::atomic<bool> stop{false};
  interrupt.on_interrupt([&](int) { stop = true; });
  auto r = follower.run(
      stop, static_cast<int64_t>(o.poll_ms),
      [](const std::string& error) {
        std::fprintf(stderr, "idr lists follow: %s\n", error.c_str());
      },
      &why);
  if (!r) return fail("follow", why, code_for(r.error()));
  return interrupt.interrupted() ? kExitInterrupted : kExitOk;
}

int status(const ListsCommand& o) {
  std::string why;
  auto anchor = fleet::ListKey::load(o.authority, &why);
  if (!anchor) return fail("status", why);
  auto link = fleet::JetStream::connect(o.servers, 10000, &why);
  if (!link) return fail("status", why, kExitUnreachable);
  auto kv = link->open_kv(fleet::kListBucket, &why);
  if (!kv) return fail("status", "nothing published: " + why, kExitError);
  kvEntry* raw = nullptr;
  if (kvStore_Get(&raw, *kv, o.list.c_str()) != NATS_OK)
    return fail("status", o.list + ": nothing published", kExitError);
  fleet::KvEntry e(raw);
  const std::string text(static_cast<const char*>(kvEntry_Value(raw)),
                         static_cast<size_t>(kvEntry_ValueLen(raw)));
  auto m = fleet::verify_manifest(text, *anchor, &why);
  if (!m) return fail("status", "version pointer: " + why, kExitRejected);
  print_manifest(*m);
  // Each gate's report: "gate NAME: version N ... [error ...]".
  auto gates = link->open_kv(fleet::kGateBucket, nullptr);
  if (!gates) return kExitOk;
  kvKeysList keys;
  if (kvStore_Keys(&keys, *gates, nullptr) != NATS_OK) return kExitOk;
  const std::string prefix = o.list + ".";
  for (int i = 0; i < keys.Count; ++i) {
    const std::string k = keys.Keys[i];
    if (k.compare(0, prefix.size(), prefix) != 0) continue;
    kvEntry* g = nullptr;
    if (kvStore_Get(&g, *gates, k.c_str()) != NATS_OK) continue;
    fleet::KvEntry ge(g);
    std::string report(static_cast<const char*>(kvEntry_Value(g)),
                       static_cast<size_t>(kvEntry_ValueLen(g)));
    for (char& c : report)
      if (c == '\n') c = ' ';
    std::printf("gate %s: %s\n", k.substr(prefix.size()).c_str(), report.c_str());
  }
  kvKeysList_Destroy(&keys);
  return kExitOk;
}

int run_lists(const ListsCommand& o) {
  if (*o.keygen) return keygen(o);
  if (*o.publish) return publish(o);
  if (*o.follow) return follow(o);
  return status(o);
}

}  // namespace

Command add_lists(CLI::App& idr) {
  auto o = std::make_shared<ListsCommand>();
  CLI::App* app = add_command(
      idr, "lists", "signed lost/stolen and document-control lists over NATS JetStream",
      "The authority publishes signed versions (full list files or deltas, `idr blocklist`\n"
      "formats); gates follow, verify the signature and the chain of versions, apply\n"
      "atomically and report their version (DESIGN 13).\n");
  app->require_subcommand(1, 1);
  auto servers = [&](CLI::App* sub) {
    sub->add_option("--servers", o->servers, "NATS URLs, comma-separated")->capture_default_str();
  };
  auto list = [&](CLI::App* sub) {
    sub->add_option("--list", o->list, "list name: [a-z0-9-], e.g. lost-stolen, document-control")
        ->capture_default_str();
  };
  auto replicas = [&](CLI::App* sub) {
    add_number_option(*sub, "--replicas", o->replicas, 1, 5,
                      "replicas of the stream and buckets when this creates them (default 1)");
  };
  o->keygen = app->add_subcommand("keygen", "make the authority's P-256 key pair");
  o->keygen->add_option("PRIVATE", o->private_out, "private key file to write (mode 0600)")
      ->required();
  o->keygen->add_option("PUBLIC", o->public_out, "public key file to write (for the gates)")
      ->required();

  o->publish = app->add_subcommand("publish", "publish the next version (the authority)");
  servers(o->publish);
  list(o->publish);
  replicas(o->publish);
  o->publish->add_option("--key", o->key, "the authority's private key (PEM)")->required();
  o->publish->add_option("--master", o->master, "the authority's copy of the lists: DIR/NAME.idrbl")
      ->required();
  o->publish->add_option("--full", o->full, "a list file (idr blocklist build) as the new version");
  o->publish->add_option("--delta", o->delta, "a delta file applied to the version in force");

  o->follow = app->add_subcommand("follow", "keep a gate's list at the published version");
  servers(o->follow);
  list(o->follow);
  replicas(o->follow);
  o->follow->add_option("--authority", o->authority, "the authority's public key (PEM)")
      ->required();
  o->follow->add_option("--dir", o->dir, "the gate's lists: DIR/NAME.idrbl, DIR/NAME.state")
      ->required();
  o->follow->add_option("--gate", o->gate, "this gate's name in the reports")->required();
  o->follow->add_flag("--once", o->once, "bring the list up to date once and exit");
  add_number_option(*o->follow, "--poll-ms", o->poll_ms, 50, 3600000,
                    "retry at least this often (default 1000)");
  add_number_option(*o->follow, "--max-age-days", o->max_age_days, 1, 3650,
                    "an error when the published version is older (default 7)");

  o->status = app->add_subcommand("status", "the published version and each gate's report");
  servers(o->status);
  list(o->status);
  o->status->add_option("--authority", o->authority, "the authority's public key (PEM)")
      ->required();
  for (CLI::App* sub : {o->keygen, o->publish, o->follow, o->status}) sub->footer(kExitCodeHelp);
  return {app, [o](const std::optional<Words>&) { return run_lists(*o); }};
}

}  // namespace idr::tool
