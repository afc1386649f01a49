// The fleet layer's engines for tests and toolchain/fleet (fleet_engines.h, DESIGN 10, 13).
#include "idr/testing/fleet_engines.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <nats/nats.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "idr/testing/temp_dir.h"
#include "jetstream.h"
#include "process.h"

namespace idr::testing {

namespace {

using namespace std::chrono_literals;

const char kNatsServer[] = "/usr/sbin/nats-server";
const char kRunuser[] = "/usr/sbin/runuser";
const char kPgBin[] = "/usr/lib/postgresql/15/bin/";  // Debian postgresql-15 (DESIGN 10)
constexpr auto kStartBound = 60s;                     // a loaded 2-core machine, 6 sessions

// `count` distinct ports nothing listens on now (the kernel's picks for 127.0.0.1:0, all
// held until the last is picked: a port closed at once could be picked again for the next
// node or route). Another process may take one before the engine binds it; the engine then
// fails to start and says so.
std::vector<int> free_ports(size_t count) {
  std::vector<int> fds, ports;
  std::string failed;
  while (ports.size() < count && failed.empty()) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      failed = "socket() failed";
      break;
    }
    fds.push_back(fd);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      failed = "cannot find a free port";
    else
      ports.push_back(ntohs(a.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  if (!failed.empty()) throw std::runtime_error(failed);
  return ports;
}

std::string tail_of(const std::string& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

// Runs a command to its end; throws with its log when it fails.
void run_to_end(const std::vector<std::string>& argv, const std::string& log) {
  tool::SpawnOptions o;
  o.stderr_file = log;
  o.capture_stdout = true;
  tool::ChildProcess p(argv, o);
  { std::ofstream(log + ".out") << p.read_all(kStartBound); }
  const int status = p.wait();
  if (status != 0)
    throw std::runtime_error(argv[argv.size() > 3 ? 3 : 0] + " failed (status " +
                             std::to_string(status) + "): " + tail_of(log));
}

// True when the JetStream API answers through `url` (a meta leader exists and this server
// is routed to it).
bool jetstream_answers(const std::string& url) {
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsAccountInfo* info = nullptr;
  bool ok = false;
  if (natsOptions_Create(&opts) == NATS_OK && natsOptions_SetURL(opts, url.c_str()) == NATS_OK &&
      natsOptions_SetTimeout(opts, 1000) == NATS_OK &&
      natsOptions_SetAllowReconnect(opts, false) == NATS_OK &&
      natsConnection_Connect(&nc, opts) == NATS_OK &&
      natsConnection_JetStream(&js, nc, nullptr) == NATS_OK) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 1000;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    ok = js_GetAccountInfo(&info, js, &jo, &jerr) == NATS_OK;
  }
  jsAccountInfo_Destroy(info);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  natsOptions_Destroy(opts);
  return ok;
}

}  // namespace

FleetEngines::FleetEngines(const FleetOptions& options)
    : dir_(std::make_unique<TempDir>(options.dir_prefix)) {
  if (options.nats_nodes < 0) throw std::invalid_argument("nats_nodes < 0");
  // The postgres user must reach its directories below ours (mkdtemp made it 0700).
  ::chmod(dir_->path.c_str(), 0711);
  idr::fleet::open_nats_library();  // hostlib's: one per process
  try {
    nodes_.resize(options.nats_nodes);
    const std::vector<int> ports = free_ports(2 * nodes_.size());
    for (size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].client_port = ports[2 * i];
      nodes_[i].cluster_port = ports[2 * i + 1];
    }
    std::string routes;
    for (const auto& n : nodes_)
      routes += (routes.empty() ? "" : ", ") + std::string("nats-route://127.0.0.1:") +
                std::to_string(n.cluster_port);
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      const std::string name = "n" + std::to_string(i + 1);
      n.config = dir_->path + "/" + name + ".conf";
      n.log = dir_->path + "/" + name + ".log";
      std::ofstream conf(n.config);
      conf << "server_name: " << name << "\n"
           << "listen: 127.0.0.1:" << n.client_port << "\n"
           << "jetstream { store_dir: \"" << dir_->path << "/" << name
           << "-store\", max_file_store: 2G, max_memory_store: 256M }\n";
      if (nodes_.size() > 1)
        conf << "cluster { name: idr, listen: 127.0.0.1:" << n.cluster_port << ", routes: ["
             << routes << "] }\n";
    }
    for (size_t i = 0; i < nodes_.size(); ++i) start_nats(static_cast<int>(i));
    if (!nodes_.empty()) wait_for_jetstream();
    if (options.postgres) start_postgres();
  } catch (...) {
    stop_postgres();
    for (auto& n : nodes_) n.process.reset();
    throw;
  }
}

FleetEngines::~FleetEngines() {
  stop_postgres();
  for (auto& n : nodes_) {
    if (!n.process) continue;
    n.process->signal(SIGTERM);  // a clean shutdown; SIGKILL when it does not come
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (n.process->running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    n.process.reset();
  }
}

std::string FleetEngines::nats_url(int node) const {
  return "nats://127.0.0.1:" + std::to_string(nodes_.at(node).client_port);
}

std::string FleetEngines::nats_urls() const {
  std::string urls;
  for (size_t i = 0; i < nodes_.size(); ++i) urls += (i ? "," : "") + nats_url(static_cast<int>(i));
  return urls;
}

std::string FleetEngines::postgres_conninfo() const {
  if (pg_socket_dir_.empty()) throw std::logic_error("PostgreSQL was not started");
  return "host=" + pg_socket_dir_ + " port=" + std::to_string(pg_port_) +
         " user=idr dbname=postgres";
}

const std::string& FleetEngines::dir() const {
  return dir_->path;
}

void FleetEngines::start_nats(int node) {
  Node& n = nodes_.at(node);
  tool::SpawnOptions o;
  o.stderr_file = n.log + (n.process ? ".restart" : "");
  n.process = std::make_unique<tool::ChildProcess>(
      std::vector<std::string>{kNatsServer, "-c", n.config, "-a", "127.0.0.1"}, o);
}

void FleetEngines::kill_nats(int node) {
  nodes_.at(node).process->kill();
}

void FleetEngines::restart_nats(int node, bool wait) {
  Node& n = nodes_.at(node);
  if (n.process && n.process->running()) throw std::logic_error("node is running");
  start_nats(node);
  if (wait) wait_for_jetstream();
}

bool FleetEngines::nats_running(int node) const {
  const auto& p = nodes_.at(node).process;
  return p && p->running();
}

void FleetEngines::wait_for_jetstream(std::chrono::milliseconds bound) const {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (!n.process || !n.process->running()) continue;
    while (!jetstream_answers(nats_url(static_cast<int>(i)))) {
      if (!n.process->running())
        throw std::runtime_error("nats-server n" + std::to_string(i + 1) +
                                 " exited: " + tail_of(n.log));
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("JetStream did not answer through n" + std::to_string(i + 1) +
                                 " (no meta leader?): " + tail_of(n.log));
      std::this_thread::sleep_for(100ms);
    }
  }
}

void FleetEngines::start_postgres() {
  pg_data_ = dir_->path + "/pg-data";
  pg_socket_dir_ = dir_->path + "/pg-socket";
  pg_log_ = dir_->path + "/postgres.log";
  for (const auto& d : {pg_data_, pg_socket_dir_}) {
    std::filesystem::create_directory(d);
    if (::chmod(d.c_str(), 0700) != 0) throw std::runtime_error("chmod " + d);
  }
  // Owned by postgres: the server refuses to run as root (DESIGN 10).
  run_to_end({"chown", "postgres:postgres", pg_data_, pg_socket_dir_}, dir_->path + "/chown.log");
  run_to_end({kRunuser, "-u", "postgres", "--", std::string(kPgBin) + "initdb", "-D", pg_data_,
              "-A", "trust", "-U", "idr", "--no-sync", "-E", "UTF8", "--locale", "C"},
             dir_->path + "/initdb.log");
  // The server in the foreground under runuser, so it is our child: runuser forwards the
  // SIGTERM we get it on our death (parent_death_signal) to the server.
  tool::SpawnOptions o;
  o.stderr_file = pg_log_;
  o.parent_death_signal = SIGTERM;
  postgres_ = std::make_unique<tool::ChildProcess>(
      std::vector<std::string>{kRunuser, "-u", "postgres", "--", std::string(kPgBin) + "postgres",
                               "-D", pg_data_, "-k", pg_socket_dir_, "-p", std::to_string(pg_port_),
                               "-c", "listen_addresses="},
      o);
  const auto deadline = std::chrono::steady_clock::now() + kStartBound;
  const std::string conninfo = postgres_conninfo();
  while (PQping(conninfo.c_str()) != PQPING_OK) {
    if (!postgres_->running()) throw std::runtime_error("PostgreSQL exited: " + tail_of(pg_log_));
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("PostgreSQL did not answer: " + tail_of(pg_log_));
    std::this_thread::sleep_for(50ms);
  }
}

void FleetEngines::stop_postgres() {
  if (!postgres_) return;
  if (postgres_->running()) {
    try {
      run_to_end({kRunuser, "-u", "postgres", "--", std::string(kPgBin) + "pg_ctl", "-D", pg_data_,
                  "-m", "fast", "-w", "stop"},
                 dir_->path + "/pg_ctl-stop.log");
    } catch (const std::exception&) {
      // Still running: the SIGKILL below ends runuser; the server follows it when its
      // postmaster.pid goes with the directory.
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (postgres_->running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
  }
  postgres_.reset();
}

}  // namespace idr::testing
