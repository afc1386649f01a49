// idr-bench-fleet (toolchain/bench-fleet, DESIGN 13): records per second ingested end to end
// -- published to JetStream, verified again, row committed in PostgreSQL -- with a local
// 3-node cluster and PostgreSQL (FleetEngines), and publish-to-commit latency.
//
// What is measured: R readers' signed records (tests/signed's test signer: the reader format,
// a dev PKI, distinct counters per reader) are made first (not timed), reduced to a gate's
// default disclosure, then published as fast as JetStream acknowledges them (asynchronous
// publish with Nats-Msg-Id, as many as the client keeps in flight) while the ingester (the
// same Ingester as idr-ingest, in this process) takes them. Rate = records / (last commit -
// first publish). Latency = commit time - publish time per record, so when publishing runs
// ahead of ingesting it includes the wait in the stream. The gate's spool (one synchronous
// publish per record) is not on this path. lost / duplicated come from PostgreSQL: distinct
// (reader, counter) keys missing, rows beyond them. --preload publishes everything before the
// ingester starts and times the ingester alone (start to last commit). The CPU line sums
// what this process and its children used over the timed span, by command name, in seconds
// and in microseconds a record (the figure the machine's other load changes least), each
// nats-server node apart (n1..n3; the cluster line names the stream's and the consumer's
// leaders and the publisher's node); with --preload the publishing span's CPU too. Every
// run ends with its figures or with `idr-bench-fleet: <why>` on stderr and status 1. The
// detections run on every record (as in idr-ingest): one record in --listed-every (default
// 100) is a card on the lost/stolen list, so it raises an alert; the others are --cards N
// distinct cards (default: one per record; 1: every read the same card, whose rows in the
// detections' tables every worker then waits for); read-to-alert
// (Detector::read_to_alert_us: the record's read time, here its publish time, to its alert's
// commit; so it includes the backlog too) is printed as p50/p99.
#include <nats/nats.h>

#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "idr/blocklist.h"
#include "idr/ca.h"
#include "idr/checks.h"
#include "idr/fleet.h"
#include "idr/testing/fleet_engines.h"
#include "ingester.h"
#include "jetstream.h"
#include "test_signer.h"

namespace {

using namespace std::chrono_literals;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CPU seconds (user + system) used so far by this process and its descendants, summed by
// command name (idr-bench-fleet: publisher and ingester; nats-server; postgres), from
// /proc: shows which engine the 2 cores went to.
std::map<std::string, double> cpu_by_command() {
  struct Proc {
    int ppid = 0;
    std::string comm;
    double seconds = 0;
  };
  std::map<int, Proc> procs;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;  // gone meanwhile
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    std::vector<std::string> f;  // from field 3 (state) on
    while (rest >> field) f.push_back(field);
    if (f.size() < 13) continue;
    Proc p;
    p.comm = line.substr(open + 1, close - open - 1);
    if (p.comm == "nats-server") {  // one figure per node: n1..n3 from its config's name
      std::ifstream cmd(entry.path() / "cmdline");
      std::string args((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
      const auto conf = args.rfind(".conf");
      const auto slash = args.rfind('/', conf);
      if (conf != std::string::npos && slash != std::string::npos)
        p.comm += " " + args.substr(slash + 1, conf - slash - 1);
    }
    p.ppid = std::stoi(f[1]);
    p.seconds = (std::stod(f[11]) + std::stod(f[12])) / tick;
    procs[std::stoi(name)] = p;
  }
  std::map<std::string, double> by_command;
  const int self = static_cast<int>(getpid());
  for (const auto& [pid, p] : procs) {
    for (int up = pid, hops = 0; up > 1 && hops < 64;
         up = procs.count(up) ? procs[up].ppid : 0, ++hops) {
      if (up == self) {
        by_command[p.comm] += p.seconds;
        break;
      }
    }
  }
  return by_command;
}

// CPU used since `before`, per command, in seconds and microseconds a record (the figure
// machine load changes least), the nats-server nodes one by one and summed, then the total.
std::string cpu_since(const std::map<std::string, double>& before, int records) {
  std::map<std::string, double> used;
  double total = 0, nats = 0;
  for (const auto& [comm, seconds] : cpu_by_command()) {
    const auto b = before.find(comm);
    const double s = seconds - (b == before.end() ? 0.0 : b->second);
    used[comm] = s;
    total += s;
    if (comm.rfind("nats-server", 0) == 0) nats += s;
  }
  const auto us = [records](double s) { return s * 1e6 / records; };
  std::string out, nodes;
  char buf[160];
  for (const auto& [comm, s] : used) {
    if (comm.rfind("nats-server ", 0) == 0) {
      std::snprintf(buf, sizeof buf, "%s%s %.0f", nodes.empty() ? "" : ", ", comm.c_str() + 12,
                    us(s));
      nodes += buf;
    } else if (s >= 0.05) {
      std::snprintf(buf, sizeof buf, "%s %.1f s (%.0f us a record), ", comm.c_str(), s, us(s));
      out += buf;
    }
  }
  std::snprintf(buf, sizeof buf, "nats-server %.1f s (%.0f us a record: ", nats, us(nats));
  out += buf + nodes + ")";
  std::snprintf(buf, sizeof buf, "; total %.0f us a record", us(total));
  return out + buf;
}

// The node (n1..n3, as the engines name them) a connection is on.
std::string connected_node(natsConnection* nc, const idr::testing::FleetEngines& engines) {
  char url[256] = "";
  if (natsConnection_GetConnectedUrl(nc, url, sizeof url) != NATS_OK) return "?";
  for (int i = 0; i < engines.nats_nodes(); ++i)
    if (engines.nats_url(i) == url) return "n" + std::to_string(i + 1);
  return url;
}

// The record stream's leader and the durable consumer's, by server name.
std::pair<std::string, std::string> stream_and_consumer_leaders(jsCtx* js) {
  std::pair<std::string, std::string> out{"?", "?"};
  jsStreamInfo* si = nullptr;
  if (js_GetStreamInfo(&si, js, idr::fleet::kRecordStream, nullptr, nullptr) == NATS_OK &&
      si->Cluster && si->Cluster->Leader)
    out.first = si->Cluster->Leader;
  jsStreamInfo_Destroy(si);
  std::string consumer;
  jsConsumerNamesList* names = nullptr;
  if (js_ConsumerNames(&names, js, idr::fleet::kRecordStream, nullptr, nullptr) == NATS_OK)
    for (int i = 0; i < names->Count; ++i)
      if (idr::fleet::is_ingest_consumer("idr-ingest", names->List[i])) consumer = names->List[i];
  jsConsumerNamesList_Destroy(names);
  jsConsumerInfo* ci = nullptr;
  if (js_GetConsumerInfo(&ci, js, idr::fleet::kRecordStream, consumer.c_str(), nullptr, nullptr) ==
          NATS_OK &&
      ci->Cluster && ci->Cluster->Leader)
    out.second = ci->Cluster->Leader;
  jsConsumerInfo_Destroy(ci);
  return out;
}

int64_t pg_count(const std::string& conninfo, const char* sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql);
  const int64_t n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::stoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  PQfinish(c);
  return n;
}

// Runs Ingester::run on its own thread; stop() (or the destructor, on any way out) asks it
// to stop and joins it. finished() / why(): it returned early, and what it said.
class RunningIngester {
 public:
  RunningIngester() = default;
  RunningIngester(const RunningIngester&) = delete;
  RunningIngester& operator=(const RunningIngester&) = delete;
  ~RunningIngester() { stop(); }

  void start(idr::fleet::Ingester& ingester) {
    ingester_ = &ingester;
    thread_ = std::thread([this] {
      std::string why;
      const auto r = ingester_->run(&why);
      const std::lock_guard<std::mutex> lock(mutex_);
      why_ = r ? "" : why.empty() ? "run() failed" : why;
      finished_ = true;
    });
  }
  void stop() {
    if (!thread_.joinable()) return;
    ingester_->request_stop();
    thread_.join();
  }
  [[nodiscard]] bool finished() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return finished_;
  }
  [[nodiscard]] std::string why() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return why_;
  }

 private:
  idr::fleet::Ingester* ingester_ = nullptr;
  std::thread thread_;
  mutable std::mutex mutex_;
  bool finished_ = false;
  std::string why_;
};

// Asynchronous JetStream publishing with Nats-Msg-Id, as many in flight as the client keeps
// (a full window waits for room instead of failing), every failed acknowledgement counted:
// complete() throws with the first failure's reason when any publish was not stored.
class AsyncPublisher {
 public:
  explicit AsyncPublisher(natsConnection* nc) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.StallWait = 10000;
    jo.PublishAsync.ErrHandler = &AsyncPublisher::failed;
    jo.PublishAsync.ErrHandlerClosure = this;
    if (natsConnection_JetStream(&js_, nc, &jo) != NATS_OK)
      throw std::runtime_error(idr::fleet::js_error("JetStream context", NATS_ERR));
  }
  ~AsyncPublisher() { jsCtx_Destroy(js_); }
  AsyncPublisher(const AsyncPublisher&) = delete;
  AsyncPublisher& operator=(const AsyncPublisher&) = delete;

  [[nodiscard]] jsCtx* js() const { return js_; }

  void publish(const char* subject, const idr::Bytes& data, const std::string& msg_id,
               const std::string& published_ns) {
    natsMsg* msg = nullptr;
    natsStatus s =
        natsMsg_Create(&msg, subject, nullptr, reinterpret_cast<const char*>(data.data()),
                       static_cast<int>(data.size()));
    if (s == NATS_OK)
      s = natsMsgHeader_Set(msg, idr::fleet::kPublishedHeader, published_ns.c_str());
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id.c_str();
    for (int stalled = 0; s == NATS_OK || (s == NATS_TIMEOUT && stalled < 12); ++stalled) {
      s = js_PublishMsgAsync(js_, &msg, &po);  // takes the message when it succeeds
      if (s == NATS_OK) return;
    }
    natsMsg_Destroy(msg);
    throw std::runtime_error(idr::fleet::js_error(("publish " + msg_id).c_str(), s));
  }

  void complete() {
    jsPubOptions done;
    jsPubOptions_Init(&done);
    done.MaxWait = 120000;
    const natsStatus s = js_PublishAsyncComplete(js_, &done);
    if (s != NATS_OK)
      throw std::runtime_error(idr::fleet::js_error("publishes not acknowledged within 120 s", s));
    const std::lock_guard<std::mutex> lock(mutex_);
    if (failures_ > 0)
      throw std::runtime_error(std::to_string(failures_) +
                               " publishes were not stored, the first: " + first_failure_);
  }

 private:
  static void failed(jsCtx*, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<AsyncPublisher*>(closure);
    const std::lock_guard<std::mutex> lock(self->mutex_);
    if (self->failures_++ == 0)
      self->first_failure_ = idr::fleet::js_error("publish", pae->Err, pae->ErrCode) +
                             (pae->ErrText ? std::string(" ") + pae->ErrText : "");
  }

  jsCtx* js_ = nullptr;
  std::mutex mutex_;
  uint64_t failures_ = 0;
  std::string first_failure_;
};

}  // namespace

int main(int argc, char** argv) {
  // Each line out as soon as it is printed, whatever stdout is (a pipe buffers in blocks,
  // which a process ended abnormally would lose).
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int records = 20000, readers = 8, workers = 2, batch = 256, listed_every = 100, cards = 0;
  bool preload = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--preload") {
      preload = true;
      --i;
      continue;
    }
    const int v = i + 1 < argc ? std::atoi(argv[i + 1]) : 0;
    if (a == "--records")
      records = v;
    else if (a == "--readers")
      readers = v;
    else if (a == "--workers")
      workers = v;
    else if (a == "--batch")
      batch = v;
    else if (a == "--listed-every")
      listed_every = v;
    else if (a == "--cards")
      cards = v;
    else {
      std::cerr << "usage: idr-bench-fleet [--records N] [--readers N] [--workers N] [--batch N] "
                   "[--listed-every N] [--cards N] [--preload]\n";
      return 64;
    }
  }
  if (cards == 0) cards = records;
  if (records < readers || readers < 1 || workers < 1 || batch < 1 || listed_every < 1 ||
      cards < 1 || cards > 336000) {
    std::cerr << "idr-bench-fleet: bad sizes\n";
    return 64;
  }
  try {
    idr::testing::FleetEngines engines;
    const std::string pg = engines.postgres_conninfo();
    auto servers = idr::fleet::parse_servers(engines.nats_urls());
    std::string why;
    if (!idr::fleet::ensure_record_stream(*servers, 3, 10s, &why)) throw std::runtime_error(why);

    // The records (not timed): a dev PKI valid around now, R reader keys.
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const auto pki = idr::test::make_pki("Bench", now - 86400, now + 86400 * 30);
    const std::string trust_dir = engines.dir() + "/bench-trust";
    std::filesystem::create_directory(trust_dir);
    std::ofstream(trust_dir + "/root.crt.pem") << idr::ca::to_pem(pki.root.cert_der);
    std::ofstream(trust_dir + "/revoked.txt") << "idr-revocation-list 2\n";
    std::vector<std::unique_ptr<idr::test::DeviceKey>> keys;
    std::vector<std::vector<idr::Bytes>> chains;
    for (int r = 0; r < readers; ++r) {
      keys.push_back(std::make_unique<idr::test::DeviceKey>());
      chains.push_back(idr::test::reader_chain(pki, *keys.back(), now - 86400, now + 86400 * 30));
    }
    const auto t_make = std::chrono::steady_clock::now();
    std::vector<idr::Bytes> files;
    std::vector<std::string> ids;
    files.reserve(records);
    // The listed card: another holder with a chip of its own, on the lost/stolen list.
    idr::test::ResidentCard listed_card;
    listed_card.name = u"钱七";
    listed_card.birth = u"19770909";
    listed_card.id_number = u"120101197709093330";
    listed_card.valid_from = u"20110808";
    listed_card.valid_to = u"20310808";
    const std::string list_dir = engines.dir() + "/bench-lists";
    std::filesystem::create_directory(list_dir);
    std::ofstream(list_dir + "/lost.csv") << "id_number,valid_from\n120101197709093330,20110808\n";
    if (!idr::build_blocklist(list_dir + "/lost.csv", list_dir + "/lost.idrbl", &why))
      throw std::runtime_error(why);
    int listed = 0;
    for (int i = 0; i < records; ++i) {
      const int r = i % readers;
      idr::test::RecordSpec spec;
      spec.counter = static_cast<uint64_t>(i / readers + 1);
      // Card i % cards: its own ID number (valid check digit) and chip UID.
      idr::test::ResidentCard card;
      const int c = i % cards;
      char first17[18];
      std::snprintf(first17, sizeof first17, "1101052000%02d%02d%03d", c / 1000 / 28 + 1,
                    c / 1000 % 28 + 1, c % 1000);
      const std::string id = std::string(first17) + idr::id_check_char(first17);
      card.id_number.assign(id.begin(), id.end());
      for (int b = 0; b < 4; ++b) spec.uid[4 + b] = static_cast<uint8_t>(c >> (24 - 8 * b));
      if (i % listed_every == listed_every - 1) {
        card = listed_card;
        spec.uid = {9, 9, 9, 9, 9, 9, 9, 9};
        ++listed;
      }
      spec.fields = idr::test::resident_fields(card);
      const auto built = idr::test::make_record(*keys[r], chains[r], spec);
      auto reduced = idr::select_disclosures(built.file, idr::fleet::default_disclosure());
      if (!reduced) throw std::runtime_error("select_disclosures failed");
      files.push_back(std::move(*reduced));
      ids.push_back(idr::fleet::message_id(keys[r]->serial(), spec.counter, files.back()));
    }
    const double make_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_make).count();

    idr::fleet::IngestOptions o;
    o.servers = *servers;
    o.conninfo = pg;
    o.trust = {trust_dir};
    o.workers = workers;
    o.batch = batch;
    o.lists = {{"lost-stolen", list_dir + "/lost.idrbl"}};
    // The ingester on a thread of its own, stopped and joined on every way out of this
    // block (an exception included: a thread left joinable would end the process before any
    // message), its result kept for the wait below.
    std::optional<idr::fleet::Ingester> ingester;
    RunningIngester running;
    const auto start_ingester = [&] {
      auto opened = idr::fleet::Ingester::open(o, &why);
      if (!opened) throw std::runtime_error("the ingester did not open: " + why);
      ingester.emplace(std::move(*opened));
      running.start(*ingester);
    };
    if (!preload) start_ingester();

    auto cpu_before = cpu_by_command();
    idr::fleet::NatsConnect how;
    how.timeout_ms = how.api_wait_ms = 10000;
    auto link = idr::fleet::JetStream::connect(*servers, how, &why);
    if (!link) throw std::runtime_error(why);
    const std::string publisher_on = connected_node(link->nc(), engines);
    AsyncPublisher publisher(link->nc());
    const int64_t first_publish = now_ns();
    for (int i = 0; i < records; ++i) {
      const std::string ns = std::to_string(now_ns());
      publisher.publish("idr.rec.bench.site-1", files[i], ids[i], ns);
    }
    publisher.complete();
    const double publish_s = static_cast<double>(now_ns() - first_publish) / 1e9;
    const int64_t ingest_start = preload ? now_ns() : first_publish;
    std::string publish_cpu;
    if (preload) {
      publish_cpu = cpu_since(cpu_before, records);
      cpu_before = cpu_by_command();
      start_ingester();
    }

    const auto deadline = std::chrono::steady_clock::now() + 600s;
    int64_t last_commit = 0;
    for (;;) {
      const auto s = ingester->stats();
      if (s.stored + s.duplicates + s.rejected >= static_cast<uint64_t>(records)) {
        last_commit = now_ns();
        break;
      }
      if (running.finished()) throw std::runtime_error("the ingester stopped: " + running.why());
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("ingest stalled: " + std::to_string(s.stored) + " stored, " +
                                 std::to_string(s.duplicates) + " duplicates, " +
                                 std::to_string(s.rejected) + " rejected of " +
                                 std::to_string(records) + " after 600 s");
      std::this_thread::sleep_for(10ms);
    }
    const std::string cpu = cpu_since(cpu_before, records);
    const auto leaders = stream_and_consumer_leaders(link->js());
    running.stop();
    if (!running.why().empty()) throw std::runtime_error("the ingester failed: " + running.why());
    const auto s = ingester->stats();
    const int64_t rows = pg_count(pg, "SELECT count(*) FROM records");
    const int64_t keys_stored =
        pg_count(pg, "SELECT count(DISTINCT (reader_serial, counter)) FROM records");
    // The transactions that stored them (each row's inserting transaction id).
    const int64_t commits = pg_count(pg, "SELECT count(DISTINCT xmin::text) FROM records");
    const double seconds = static_cast<double>(last_commit - ingest_start) / 1e9;
    const double rate = records / seconds;
    size_t bytes = 0;
    for (const auto& f : files) bytes += f.size();
    std::printf(
        "records: %d from %d readers, %zu bytes each on average, made in %.1f s (not timed); "
        "%d distinct cards\n",
        records, readers, bytes / files.size(), make_s, cards);
    std::printf(
        "cluster: 3 nats-server nodes, stream R3 file storage (leader %s), consumer R1 memory (on "
        "%s), the publisher on %s; PostgreSQL 15 local\n",
        leaders.first.c_str(), leaders.second.c_str(), publisher_on.c_str());
    std::printf("ingester: %d workers, batch %d; verify_record on each worker\n", workers, batch);
    std::printf("published (acknowledged by JetStream) in %.2f s: %.0f records/s\n", publish_s,
                records / publish_s);
    if (preload)
      std::printf(
          "ingested from the full stream (started after the last publish): %.2f s for %d "
          "records\n",
          seconds, records);
    else
      std::printf("publish -> verified -> committed: %.2f s for %d records\n", seconds, records);
    if (preload) std::printf("CPU publishing: %s\n", publish_cpu.c_str());
    std::printf("CPU from the %s to the last commit: %s\n",
                preload ? "ingester's start" : "first publish", cpu.c_str());
    std::printf("publish-to-commit latency: p50 %.1f ms, p99 %.1f ms (includes the backlog)\n",
                s.p50_ms, s.p99_ms);
    std::printf(
        "stored %llu, duplicates %llu, rejected %llu; rows %lld, distinct keys %lld, in %lld "
        "transactions\n",
        static_cast<unsigned long long>(s.stored), static_cast<unsigned long long>(s.duplicates),
        static_cast<unsigned long long>(s.rejected), static_cast<long long>(rows),
        static_cast<long long>(keys_stored), static_cast<long long>(commits));
    std::vector<int64_t> to_alert = ingester->read_to_alert_us();
    std::sort(to_alert.begin(), to_alert.end());
    auto pct = [&](size_t p) {
      return to_alert.empty()
                 ? 0.0
                 : static_cast<double>(
                       to_alert[std::min(to_alert.size() - 1, to_alert.size() * p / 100)]) /
                       1000.0;
    };
    std::printf("detections: %d listed reads among them; alerts %llu committed, %llu published\n",
                listed, static_cast<unsigned long long>(s.alerts),
                static_cast<unsigned long long>(s.alerts_published));
    std::printf(
        "read-to-alert latency: p50 %.1f ms, p99 %.1f ms over %zu alerts (includes the "
        "backlog)\n",
        pct(50), pct(99), to_alert.size());
    const int64_t lost = records - keys_stored;
    const int64_t duplicated = rows - keys_stored;
    std::printf("fleet: %.0f records/s ingested; lost %lld; duplicated %lld\n", rate,
                static_cast<long long>(lost), static_cast<long long>(duplicated));
    // Every listed read raised its alert and nothing else did.
    const bool alerts_right =
        s.alerts == static_cast<uint64_t>(listed) && to_alert.size() == static_cast<size_t>(listed);
    if (!alerts_right) std::fprintf(stderr, "idr-bench-fleet: alerts differ from listed reads\n");
    return lost == 0 && duplicated == 0 && alerts_right ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "idr-bench-fleet: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "idr-bench-fleet: failed with an unknown exception\n");
    return 1;
  }
}
