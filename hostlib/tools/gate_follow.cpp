// --follow for `idr watch` and `idr serve` (gate_follow.h): the fleet layer's FollowedList
// in the gate's process, feeding the holder its Session checks (DESIGN 13).
#include "gate_follow.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "cli.h"
#include "idr/fleet.h"
#include "list_follow.h"  // hostlib/src/fleet
#include "list_manifest.h"

namespace idr::tool {

struct GateListFollower::Impl {
  fleet::ListKey anchor;  // outlives `list`, which verifies with it
  std::unique_ptr<fleet::FollowedList> list;
};

namespace {

// The host name up to its first '.' when it is a valid gate name; "" otherwise.
std::string default_gate() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "";
  std::string name(host);
  name = name.substr(0, name.find('.'));
  return fleet::valid_token(name) ? name : "";
}

}  // namespace

CLI::Option* add_gate_follow_options(CLI::App& app, GateFollowOptions& o) {
  CLI::Option* follow =
      app.add_option("--follow", o.list,
                     "follow the lost/stolen list the authority publishes as NAME on the\n"
                     "cluster (`idr lists publish`; DESIGN 13) instead of --blocklist: each\n"
                     "version verified with --authority, applied atomically in --lists-dir,\n"
                     "checked from the next read on (a read in progress keeps its list) and\n"
                     "reported as NAME.GATE; a refused update (forged, rollback, gap, tampered,\n"
                     "a list that does not load) leaves the list in force; until a version is\n"
                     "in force every card is rejected (lost_stolen NOT_CHECKED, no_list)")
          ->type_name("NAME");
  app.add_option("--authority", o.authority,
                 "with --follow: the authority's public key (PEM), the list's trust anchor")
      ->type_name("KEY")
      ->needs(follow);
  app.add_option("--lists-dir", o.dir,
                 "with --follow: the followed list's directory (NAME.idrbl, NAME.state)")
      ->type_name("DIR")
      ->needs(follow);
  app.add_option("--gate", o.gate,
                 "with --follow: this gate's name in the list's reports, 1-64 of A-Z a-z 0-9 _ -\n"
                 "(default: the host name up to its first '.')")
      ->type_name("NAME")
      ->needs(follow);
  app.add_option("--servers", o.servers,
                 "with --follow: the cluster's NATS URLs, comma-separated (default "
                 "nats://127.0.0.1:4222)")
      ->type_name("URLS")
      ->needs(follow);
  return follow;
}

GateListFollower::GateListFollower(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GateListFollower::~GateListFollower() = default;

std::unique_ptr<GateListFollower> GateListFollower::start(const char* command,
                                                          const GateFollowOptions& o,
                                                          std::shared_ptr<BlocklistHolder> holder,
                                                          int& code) {
  code = kExitOk;
  // The checks of idr-ingest's --follow (DESIGN 13), as usage errors.
  if (!fleet::valid_list_name(o.list))
    throw UsageError("--follow '" + o.list + "': a list name of 1-32 a-z 0-9 -");
  if (o.authority.empty()) throw UsageError("--follow needs --authority KEY");
  struct stat st {};
  if (o.dir.empty() || ::stat(o.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw UsageError("--lists-dir '" + o.dir + "' is not a directory");
  const std::string gate = o.gate.empty() ? default_gate() : o.gate;
  if (!fleet::valid_token(gate))
    throw UsageError(o.gate.empty()
                         ? "--follow: the host name is not a gate name: give --gate"
                         : "--gate '" + o.gate + "': 1-64 characters A-Z, a-z, 0-9, '_' or '-'");
  std::string why;
  auto servers = fleet::parse_servers(o.servers, &why);
  if (!servers) throw UsageError("--servers: " + why);

  auto anchor = fleet::ListKey::load(o.authority, &why);
  if (!anchor) {
    std::fprintf(stderr, "idr %s: --authority %s: %s\n", command, o.authority.c_str(), why.c_str());
    code = kExitError;
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(Impl{std::move(*anchor), nullptr});
  fleet::FollowedListOptions f;
  f.servers = *servers;
  f.connect.timeout_ms = 5000;  // as idr-ingest --follow: the cluster must answer at start
  f.list = o.list;
  f.dir = o.dir;
  f.gate = gate;
  const std::string prefix = std::string("idr ") + command + ": list " + o.list + ": ";
  f.on_event = [prefix](const std::string& what) {
    std::fprintf(stderr, "%s%s\n", prefix.c_str(), what.c_str());
  };
  auto list = fleet::FollowedList::open(impl->anchor, f, std::move(holder), &why);
  if (!list) {
    std::fprintf(stderr, "idr %s: %s\n", command, why.c_str());
    code = list.error() == Error::TransportOpen ? kExitUnreachable : kExitError;
    return nullptr;
  }
  impl->list = std::move(*list);
  impl->list->start();
  return std::unique_ptr<GateListFollower>(new GateListFollower(std::move(impl)));
}

}  // namespace idr::tool
