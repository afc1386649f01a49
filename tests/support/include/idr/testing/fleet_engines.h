#pragma once
// The fleet layer's engines for one test (DESIGN 10, 13): a NATS JetStream cluster of
// `nats_nodes` nats-server processes on free 127.0.0.1 ports with file storage in a private
// temporary directory, and a PostgreSQL 15 server run as the unprivileged `postgres` user
// (initdb in the same directory, unix socket only). Everything is stopped and the directory
// removed when the object goes; the children also die with this process when it is killed
// (nats-server by SIGKILL, PostgreSQL by runuser forwarding SIGTERM: a smart shutdown that
// ends at once because its clients died with us), so a failed test leaves nothing behind.
// Library idr_fleet_engines (tests/CMakeLists.txt); toolchain/fleet runs it for developers.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace idr::tool {
class ChildProcess;
}

namespace idr::testing {

struct TempDir;

struct FleetOptions {
  int nats_nodes = 3;    // 1 or more; 3 lets one node die with the cluster still serving
  bool postgres = true;  // start PostgreSQL too
  std::string dir_prefix = "idr-fleet";
};

class FleetEngines {
 public:
  // Starts everything and waits until JetStream has a meta leader and PostgreSQL answers.
  // Throws std::runtime_error (with the log file to look at) when an engine does not start.
  explicit FleetEngines(const FleetOptions& options = {});
  ~FleetEngines();
  FleetEngines(const FleetEngines&) = delete;
  FleetEngines& operator=(const FleetEngines&) = delete;

  // "nats://127.0.0.1:P1,nats://127.0.0.1:P2,..." (every node: clients fail over).
  [[nodiscard]] std::string nats_urls() const;
  [[nodiscard]] std::string nats_url(int node) const;
  // A libpq connection string: "host=SOCKDIR port=PORT user=idr dbname=postgres".
  [[nodiscard]] std::string postgres_conninfo() const;
  [[nodiscard]] const std::string& dir() const;
  [[nodiscard]] int nats_nodes() const { return static_cast<int>(nodes_.size()); }

  // SIGKILL one node (its store stays on disk).
  void kill_nats(int node);
  // Starts a killed node again with the same ports and store and, with `wait`, waits until
  // it answers JetStream requests (the cluster has a meta leader and the node is routed to
  // it; with the whole cluster down, start every node first, then wait_for_jetstream()).
  void restart_nats(int node, bool wait = true);
  [[nodiscard]] bool nats_running(int node) const;
  // Until JetStream answers through every running node; throws after `bound`.
  void wait_for_jetstream(std::chrono::milliseconds bound = std::chrono::seconds(60)) const;

 private:
  struct Node {
    int client_port = 0, cluster_port = 0;
    std::string config, log;
    std::unique_ptr<tool::ChildProcess> process;
  };
  void start_nats(int node);
  void start_postgres();
  void stop_postgres();

  std::unique_ptr<TempDir> dir_;
  std::vector<Node> nodes_;
  std::string pg_data_, pg_socket_dir_, pg_log_;
  int pg_port_ = 5432;  // names the socket file only (no TCP)
  std::unique_ptr<tool::ChildProcess> postgres_;
};

}  // namespace idr::testing
