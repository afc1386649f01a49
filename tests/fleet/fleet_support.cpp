#include "fleet_support.h"

#include <libpq-fe.h>
#include <nats/nats.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "idr/fleet.h"
#include "jetstream.h"

namespace idr::fleet_test {

namespace {
constexpr int kPeriodMs = 2500, kInFieldMs = 1500, kSpare = 3;

// A planted card as a scenario card's text and UID: gender by the ID number's 17th digit,
// valid to by the age at issue (GB 11643 / the resident card law: 5, 10, 20 years, 长期).
void plant(nlohmann::json& c, const idr::testing::PlantedCard& p) {
  const int age = std::stoi(p.valid_from.substr(0, 4)) - std::stoi(p.birth_date.substr(0, 4)) -
                  (p.valid_from.substr(4) < p.birth_date.substr(4) ? 1 : 0);
  const int years = age < 16 ? 5 : age < 26 ? 10 : age < 46 ? 20 : 0;
  c["uid"] = p.chip_uid;
  c["text"]["name"] = p.name;
  c["text"]["gender"] = (p.id_number[16] - '0') % 2 ? "1" : "2";
  c["text"]["birth"] = p.birth_date;
  c["text"]["id_number"] = p.id_number;
  c["text"]["valid_from"] = p.valid_from;
  c["text"]["valid_to"] =
      years ? std::to_string(std::stoi(p.valid_from.substr(0, 4)) + years) + p.valid_from.substr(4)
            : "长期";
}

}  // namespace

std::string write_gate_scenario(const std::string& dir, int gate, int cards, int rounds,
                                const std::vector<idr::testing::PlantedCard>& planted) {
  static const char* const kNames[] = {"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"};
  nlohmann::json s;
  s["name"] = "fleet-gate-" + std::to_string(gate);
  s["description"] = "fleet test gate: cards presented in turn";
  s["seed"] = 5000 + gate;
  s["cards"] = nlohmann::json::array();
  for (int i = 0; i < cards; ++i) {
    nlohmann::json c;
    c["label"] = "g" + std::to_string(gate) + "c" + std::to_string(i);
    c["type"] = "resident";
    auto two = [](int v) { return std::string(v % 100 < 10 ? "0" : "") + std::to_string(v % 100); };
    // 17 digits unique to (gate, card), then a check character.
    const std::string number =
        "1101011990" + two(gate) + two(i) + std::to_string(100 + i % 900) + "X";
    c["text"] = {{"name", kNames[(gate + i) % 6]},
                 {"gender", "1"},
                 {"ethnicity", "01"},
                 {"birth", "19900307"},
                 {"address", "北京市东城区景山前街4号"},
                 {"id_number", number},
                 {"authority", "北京市公安局东城分局"},
                 {"valid_from", "20160310"},
                 {"valid_to", "20360310"}};
    if (static_cast<size_t>(i) < planted.size()) plant(c, planted[i]);
    c["timeline"] = nlohmann::json::array();
    for (int r = 0; r < rounds; ++r) {
      const int start = (r * cards + i) * kPeriodMs;
      c["timeline"].push_back({{"arrive_ms", start}, {"remove_ms", start + kInFieldMs}});
    }
    // Then the first card kSpare times more, and it stays: a read that failed under load (the
    // card left during it) is made up for, and the timeline ends with a card in the field.
    if (i == 0) {
      const int end = rounds * cards * kPeriodMs;
      for (int k = 0; k < kSpare; ++k)
        c["timeline"].push_back(
            {{"arrive_ms", end + k * kPeriodMs}, {"remove_ms", end + k * kPeriodMs + kInFieldMs}});
      c["timeline"].push_back({{"arrive_ms", end + kSpare * kPeriodMs}});
    }
    s["cards"].push_back(c);
  }
  const std::string path = dir + "/gate" + std::to_string(gate) + ".json";
  std::ofstream(path) << s.dump(2);
  return path;
}

SimReader::SimReader(const std::string& scenario) {
  tool::SpawnOptions o;
  o.capture_stdout = true;
  process = std::make_unique<tool::ChildProcess>(
      std::vector<std::string>{IDR_TOOL_EXE, "sim", "--scenario", scenario, "--port", "0"}, o);
  uri = process->wait_for_line("reader: ", kBound);
  trust = process->wait_for_line("trust: ", kBound);
  counters = process->wait_for_line("counters: ", kBound);
  process->forward_stdout(STDERR_FILENO);
}

Gate::Gate(const SimReader& reader, const idr::testing::FleetEngines& engines,
           const std::string& site, const std::string& spool, int count) {
  tool::SpawnOptions o;
  o.capture_stdout = true;
  process = std::make_unique<tool::ChildProcess>(
      std::vector<std::string>{IDR_TOOL_EXE, "watch", "--reader", reader.uri, "--trust",
                               reader.trust, "--counters", reader.counters, "--publish",
                               engines.nats_urls(), "--site", site, "--spool", spool, "--count",
                               std::to_string(count)},
      o);
  process->forward_stdout(STDERR_FILENO);
}

int Gate::wait_done() {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (process->running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      process->kill();
      FAIL("the gate did not finish its reads in time");
    }
    std::this_thread::sleep_for(100ms);
  }
  return process->exit_status();
}

Ingest::Ingest(const idr::testing::FleetEngines& engines, const std::vector<std::string>& trust,
               int workers, const std::vector<std::string>& options) {
  std::vector<std::string> argv{IDR_INGEST_EXE,
                                "--nats",
                                engines.nats_urls(),
                                "--pg",
                                engines.postgres_conninfo(),
                                "--workers",
                                std::to_string(workers),
                                "--ack-wait-ms",
                                "3000"};
  for (const auto& t : trust) argv.insert(argv.end(), {"--trust", t});
  argv.insert(argv.end(), options.begin(), options.end());
  tool::SpawnOptions o;
  o.capture_stdout = true;
  process = std::make_unique<tool::ChildProcess>(argv, o);
  process->wait_for_line("idr-ingest: ready", kBound);
  process->forward_stdout(STDERR_FILENO, "ingest: ");
}

Ingest::~Ingest() {
  process->kill();
}

std::string Ingest::stop() {
  process->signal(SIGTERM);
  CHECK(process->wait() == 0);
  process->finish_forwarding();
  const auto lines = process->watched_lines();
  return lines.empty() ? std::string() : lines.back();
}

void Ingest::kill() {
  process->kill();
}

FleetPki::FleetPki(const std::string& dir)
    : now(static_cast<int64_t>(std::time(nullptr))),
      pki(test::make_pki("Fleet", now - 86400, now + 86400 * 30)),
      root(dir + "/root.crt.pem"),
      chain_one(test::reader_chain(pki, one, now - 86400, now + 86400 * 30)),
      chain_two(test::reader_chain(pki, two, now - 86400, now + 86400 * 30)) {
  std::ofstream(root) << ca::to_pem(pki.root.cert_der);
  std::ofstream(dir + "/revoked.txt") << "idr-revocation-list 2\n";
}

Bytes FleetPki::sign(int reader, const test::RecordSpec& spec) const {
  REQUIRE((reader == 1 || reader == 2));
  return reader == 1 ? test::make_record(one, chain_one, spec).file
                     : test::make_record(two, chain_two, spec).file;
}

Bytes FleetPki::sign_named(int reader, uint64_t counter, const std::u16string& name,
                           uint64_t time) const {
  test::RecordSpec spec;
  spec.counter = counter;
  spec.time = time;
  test::ResidentCard card;
  card.name = name;
  spec.fields = test::resident_fields(card);
  return sign(reader, spec);
}

FleetFixture::FleetFixture()
    : dir("idr-fleet-test"), pg(engines.postgres_conninfo()), readers(dir.path) {}

std::vector<std::string> servers(const idr::testing::FleetEngines& engines) {
  auto s = fleet::parse_servers(engines.nats_urls());
  REQUIRE(s);
  return *s;
}

namespace {

// A JetStream context on the engines for one helper call (RAII).
struct RawJetStream {
  explicit RawJetStream(const idr::testing::FleetEngines& engines) {
    const auto urls = servers(engines);
    std::vector<const char*> list;
    for (const auto& u : urls) list.push_back(u.c_str());
    REQUIRE(natsOptions_Create(&opts) == NATS_OK);
    REQUIRE(natsOptions_SetServers(opts, list.data(), static_cast<int>(list.size())) == NATS_OK);
    REQUIRE(natsConnection_Connect(&nc, opts) == NATS_OK);
    REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  }
  ~RawJetStream() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
  }
  RawJetStream(const RawJetStream&) = delete;
  RawJetStream& operator=(const RawJetStream&) = delete;
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
};

}  // namespace

void publish_raw(const idr::testing::FleetEngines& engines, const std::string& subject,
                 const Bytes& file, const std::string& id) {
  RawJetStream link(engines);
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = id.c_str();
  // Tried again until stored: a test that kills a node publishes while the stream elects
  // its new leader (each try times out meanwhile); the same Nats-Msg-Id makes a repeat of a
  // stored message a duplicate the stream drops.
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  natsStatus s = NATS_OK;
  do {
    jsPubAck* ack = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    s = js_Publish(&ack, link.js, subject.c_str(), file.data(), static_cast<int>(file.size()), &po,
                   &jerr);
    jsPubAck_Destroy(ack);
    if (s != NATS_OK) std::this_thread::sleep_for(250ms);
  } while (s != NATS_OK && std::chrono::steady_clock::now() < deadline);
  INFO("publish " << id << ": " << natsStatus_GetText(s));
  CHECK(s == NATS_OK);
}

std::string ingest_consumer(const idr::testing::FleetEngines& engines, const std::string& durable) {
  RawJetStream link(engines);
  // The newest: one made before may stay while its node was down when it was deleted.
  std::string found;
  int64_t newest = 0;
  jsConsumerNamesList* names = nullptr;
  if (js_ConsumerNames(&names, link.js, fleet::kRecordStream, nullptr, nullptr) == NATS_OK)
    for (int i = 0; i < names->Count; ++i) {
      if (!fleet::is_ingest_consumer(durable, names->List[i])) continue;
      jsConsumerInfo* info = nullptr;
      if (js_GetConsumerInfo(&info, link.js, fleet::kRecordStream, names->List[i], nullptr,
                             nullptr) == NATS_OK &&
          (found.empty() || info->Created > newest)) {
        found = names->List[i];
        newest = info->Created;
      }
      jsConsumerInfo_Destroy(info);
    }
  jsConsumerNamesList_Destroy(names);
  return found;
}

bool all_acknowledged(const idr::testing::FleetEngines& engines, const std::string& durable) {
  const std::string consumer = ingest_consumer(engines, durable);
  RawJetStream link(engines);
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (consumer.empty() || js_GetConsumerInfo(&info, link.js, fleet::kRecordStream, consumer.c_str(),
                                             nullptr, &jerr) != NATS_OK)
    return false;
  const bool done = info->NumPending == 0 && info->NumAckPending == 0;
  jsConsumerInfo_Destroy(info);
  return done;
}

std::vector<std::string> pg_rows(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  INFO(PQerrorMessage(c));
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, sql.c_str());
  INFO(sql << ": " << PQerrorMessage(c));
  const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
  std::vector<std::string> rows;
  for (int i = 0; ok && i < PQntuples(r); ++i) {
    std::string row;
    for (int j = 0; j < PQnfields(r); ++j) row += (j ? "|" : "") + std::string(PQgetvalue(r, i, j));
    rows.push_back(row);
  }
  PQclear(r);
  PQfinish(c);
  REQUIRE(ok);
  return rows;
}

std::string pg_value(const std::string& conninfo, const std::string& sql) {
  const auto rows = pg_rows(conninfo, sql);
  REQUIRE(!rows.empty());
  return rows[0];
}

int64_t pg_count(const std::string& conninfo, const std::string& sql) {
  return std::stoll(pg_value(conninfo, sql));
}

void wait_until(const std::function<bool()>& done, const std::string& what,
                std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("not reached in time: " << what);
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace idr::fleet_test
