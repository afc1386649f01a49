#pragma once
// A running gate follows the lost/stolen list itself (DESIGN 13, List distribution): `idr
// watch` and `idr serve` take --follow NAME --authority KEY --lists-dir DIR [--gate NAME]
// [--servers URLS] (the options of idr-ingest's --follow, and --servers as `idr lists`), run
// the fleet layer's FollowedList in their own process, and the Session checks each version as
// soon as it is applied (BlocklistHolder::reload: a read in progress keeps the list it took).
// Declared here without the fleet layer's headers: idr_tool_objects compiles against the
// public headers only; the code is in idr_tool_fleet.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "idr/blocklist.h"

namespace idr::tool {

struct GateFollowOptions {
  std::string list;       // --follow NAME; empty: no following
  std::string authority;  // --authority KEY (PEM public key)
  std::string dir;        // --lists-dir DIR
  std::string gate;       // --gate NAME; empty: the host name up to its first '.'
  std::string servers = "nats://127.0.0.1:4222";
};

// Declares the options on `app`; --authority, --lists-dir, --gate and --servers need
// --follow. Returns --follow.
CLI::Option* add_gate_follow_options(CLI::App& app, GateFollowOptions& o);

// The list followed while it lives (its thread stops when it goes).
class GateListFollower {
 public:
  // Checks the options (a usage error, UsageError, when the list name, the directory or the
  // gate name is not valid or --authority is missing), loads the authority's key, connects
  // (no server answering within 5 s: the start fails; once connected, libnats reconnects by
  // itself), brings the list up to the published version once and loads the version in
  // force into `holder`, then follows on a thread of its own; each version applied and each
  // refusal is printed on stderr as "idr COMMAND: list NAME: ...". Null with `code` set
  // (after a message on stderr) when the key cannot be loaded (7), the cluster cannot be
  // reached (2) or the version in force cannot be loaded (7).
  static std::unique_ptr<GateListFollower> start(const char* command, const GateFollowOptions& o,
                                                 std::shared_ptr<BlocklistHolder> holder,
                                                 int& code);
  ~GateListFollower();
  GateListFollower(const GateListFollower&) = delete;
  GateListFollower& operator=(const GateListFollower&) = delete;

 private:
  struct Impl;
  explicit GateListFollower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idr::tool
