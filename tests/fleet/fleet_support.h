#pragma once
// The fleet tests' processes (tests/fleet/README.md): simulated gates (`idr sim` serving a
// generated scenario, `idr watch --publish` reading it), `idr-ingest`, and PostgreSQL
// queries. Every child is killed and reaped when its object goes; every wait is bounded.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "idr/testing/fleet_engines.h"
#include "idr/testing/temp_dir.h"
#include "planted_cases.h"
#include "process.h"
#include "test_signer.h"

namespace idr::fleet_test {

using namespace std::chrono_literals;
inline constexpr std::chrono::milliseconds kBound = 240s;  // a loaded 2-core machine

// A scenario of `cards` resident cards (distinct people) presented in turn, `rounds` times
// each (1.5 s in the field, 1 s apart): cards * rounds presentations, then the first card 3
// more times (spares for reads that fail under load), then again, staying.
// Card i of gate g has ID number and name unique to (g, i); the first planted.size() cards
// are instead these (planted_cases.h: their text and chip UID; gender and validity end as a
// real card's would).
std::string write_gate_scenario(const std::string& dir, int gate, int cards, int rounds,
                                const std::vector<idr::testing::PlantedCard>& planted = {});

// `idr sim` serving a scenario: the reader URI and its dev root (trust), counters file.
struct SimReader {
  explicit SimReader(const std::string& scenario);
  std::unique_ptr<tool::ChildProcess> process;
  std::string uri, trust, counters;
};

// `idr watch --publish` at a site, reading `count` presentations then draining its spool.
struct Gate {
  Gate(const SimReader& reader, const idr::testing::FleetEngines& engines, const std::string& site,
       const std::string& spool, int count);
  // Its exit status once it read `count` cards; fails the test after kBound.
  int wait_done();
  std::unique_ptr<tool::ChildProcess> process;
};

// `idr-ingest` until stopped; stop() sends SIGTERM and returns its last line's figures.
// `options`: more of its options (the detections' --list, --site, --max-kmh).
struct Ingest {
  Ingest(const idr::testing::FleetEngines& engines, const std::vector<std::string>& trust,
         int workers = 2, const std::vector<std::string>& options = {});
  ~Ingest();
  std::string stop();  // "stored N; duplicates N; ..." after a clean stop
  void kill();         // SIGKILL: no acknowledgement of what it did not commit
  std::unique_ptr<tool::ChildProcess> process;
};

// A test PKI (tests/signed) for the ingester: its root in DIR/root.crt.pem with an empty
// revocation list beside it (DIR/revoked.txt), two readers under it, valid from a day ago
// for 30 days.
struct FleetPki {
  explicit FleetPki(const std::string& dir);
  // A record of reader 1 or 2 signed with the test signer.
  [[nodiscard]] Bytes sign(int reader, const test::RecordSpec& spec) const;
  // A record of reader 1 or 2 with `counter`, reader time `time` and a card whose only text
  // field set is the holder's name.
  [[nodiscard]] Bytes sign_named(int reader, uint64_t counter, const std::u16string& name,
                                 uint64_t time = static_cast<uint64_t>(test::kNow)) const;
  int64_t now;
  test::Pki pki;
  std::string root;  // DIR/root.crt.pem: the ingester's --trust
  test::DeviceKey one, two;
  std::vector<Bytes> chain_one, chain_two;
};

// What most fleet tests start from: a temporary directory, the engines, and the test PKI in
// that directory.
struct FleetFixture {
  FleetFixture();
  idr::testing::TempDir dir;
  idr::testing::FleetEngines engines;
  std::string pg;  // the engines' libpq connection string
  FleetPki readers;
};

// The engines' NATS URLs as a list.
std::vector<std::string> servers(const idr::testing::FleetEngines& engines);

// Publishes `file` on `subject` with message id `id` (raw: what any NATS client could send),
// tried again until the stream stores it (kBound).
void publish_raw(const idr::testing::FleetEngines& engines, const std::string& subject,
                 const Bytes& file, const std::string& id);

// The name of the consumer the ingester on `durable` made last (is_ingest_consumer), or
// empty.
std::string ingest_consumer(const idr::testing::FleetEngines& engines,
                            const std::string& durable = "idr-ingest");

// True once the ingester's consumer (on `durable`) has been delivered every message of
// the record stream and has every delivery acknowledged: all it was sent is committed.
bool all_acknowledged(const idr::testing::FleetEngines& engines,
                      const std::string& durable = "idr-ingest");

// One value of a query (first row, first column); fails the test on error.
std::string pg_value(const std::string& conninfo, const std::string& sql);
int64_t pg_count(const std::string& conninfo, const std::string& sql);
// Rows of a query, each its columns joined by '|'.
std::vector<std::string> pg_rows(const std::string& conninfo, const std::string& sql);

// Polls `done` every 100 ms (a state the system reaches, not a timing check); fails the test
// with `what` after `bound`.
void wait_until(const std::function<bool()>& done, const std::string& what,
                std::chrono::milliseconds bound = kBound);

}  // namespace idr::fleet_test
