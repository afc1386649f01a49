// make_seeds OUT_DIR: writes the seed corpora of tests/fuzz (OUT_DIR/corpus/<target>/seed-*)
// and the record target's fixed root (OUT_DIR/data/record_root.der) from real messages:
// the host library's requests and the firmware's replies of a whole session (idr::Reader
// talking to the firmware's host-link server in process), sim-wire requests of a card read
// by the firmware drivers against the simulator, records from the test signer, a delta
// written by the library, journals of the current format written by idr::Journal, the
// committed scenarios. Run by
// `toolchain/fuzz --seeds`; the output is committed, so it runs only when a format changes.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "hostlink_fakes.h"
#include "idr/blocklist.h"
#include "idr/board/host_board.h"
#include "idr/core/hostlink/extension_commands.h"
#include "idr/core/rc663_id_card_reader.h"
#include "idr/crypto/key_store.h"
#include "idr/crypto/reader_identity.h"
#include "idr/drivers/clrc663.h"
#include "idr/drivers/sam_link.h"
#include "idr/journal.h"
#include "idr/proto/pcsc_envelope.h"
#include "idr/reader.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/testing/crypto_rig.h"
#include "idr/testing/no_host.h"
#include "record_fixture.h"
#include "test_signer.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using idr::Status;

fs::path g_out;

void save(const std::string& target, const std::string& name, const Bytes& bytes) {
  const fs::path dir = g_out / "corpus" / target;
  fs::create_directories(dir);
  std::ofstream(dir / ("seed-" + name), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::string scenario_file(const std::string& name) {
  return std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/" + name + ".json";
}

// --- host link: a real session between idr::Reader and the firmware's server -------------

struct Firmware {
  idr::sim::FlashModel model{4096, 8};
  idr::testing::ModelFlash flash{model};
  idr::testing::SeededRng rng{1};
  idr::crypto::ReaderIdentity identity{flash, rng};
  idr::test::FakeClock clock;
  idr::test::FakeHostLink link{clock};
  idr::test::FakeReader card;
  idr::core::ExtensionCommands extension{card, identity, clock};
  idr::core::LegacyServer server{link, clock, card, nullptr, &extension};
  Firmware() {
    const idr::sim::CardImage image = idr::sim::make_card_image(
        idr::sim::load_scenario(scenario_file("resident-fingerprint")).cards.at(0).spec);
    std::memcpy(card.text, image.text.data(), sizeof card.text);
    std::memcpy(card.photo, image.photo.data(), sizeof card.photo);
    uint8_t challenge[16] = {}, signature[64];
    if (identity.load() != Status::Ok || identity.provision(challenge, signature) != Status::Ok)
      throw std::runtime_error("provision");
    const auto cert = idr::testing::TestCa::instance().certify(
        identity.public_key(), std::string("CN=") + identity.serial());
    auto& ca = idr::testing::TestCa::instance();
    const auto chain =
        idr::testing::chain_cbor({cert, ca.certify(ca.public_key().data(), "CN=idr test CA", 1)});
    if (identity.store_chain({chain.data(), chain.size()}, false) != Status::Ok)
      throw std::runtime_error("chain");
  }
};

// Forwards each request to the firmware and records both directions.
class LoopTransport final : public idr::Transport {
 public:
  LoopTransport(Firmware& fw, std::vector<Bytes>& requests, std::vector<Bytes>& replies)
      : fw_(fw), requests_(requests), replies_(replies) {}
  idr::Result<void> write(const uint8_t* data, size_t len) override {
    requests_.emplace_back(data, data + len);
    fw_.link.send(requests_.back());
    const size_t before = fw_.link.writes.size();
    (void)fw_.server.serve_once(1'000'000);
    if (fw_.link.writes.size() > before) {
      replies_.push_back(fw_.link.writes.back().bytes);
      pending_.insert(pending_.end(), replies_.back().begin(), replies_.back().end());
    } else {
      replies_.emplace_back();
    }
    return {};
  }
  idr::Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds) override {
    if (pending_.empty()) return idr::Error::Timeout;
    const size_t n = std::min(max, pending_.size());
    std::memcpy(buf, pending_.data(), n);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(n));
    return n;
  }
  void discard_input() override { pending_.clear(); }
  void cancel() override {}
  void reset_cancel() override {}
  std::string describe() const override { return "loop"; }

 private:
  Firmware& fw_;
  std::vector<Bytes>& requests_;
  std::vector<Bytes>& replies_;
  Bytes pending_;
};

void host_link_seeds() {
  Firmware fw;
  struct Session {
    const char* name;
    uint8_t ops[4];  // reader_replies op codes (reader_replies.cpp)
  };
  const Session sessions[] = {
      {"find-read", {2, 3 | (0x0F << 4), 1, 0}},
      {"signed", {2, 6 | (0x0F << 4), 4, 5}},
      {"info", {4, 5, 7, 8}},
      {"provision", {9, 4, 1, 0}},
  };
  int n = 0;
  for (const Session& s : sessions) {
    std::vector<Bytes> requests, replies;
    idr::Reader reader = idr::Reader::over(std::make_unique<LoopTransport>(fw, requests, replies));
    for (const uint8_t op : s.ops) {
      switch (op % 10) {
        case 0:
          (void)reader.status();
          break;
        case 1:
          (void)reader.sam_id();
          break;
        case 2:
          (void)reader.find_card();
          break;
        case 3:
          (void)reader.read_card(op >> 4);
          break;
        case 4:
          (void)reader.device_info();
          break;
        case 5:
          (void)reader.cert_chain();
          break;
        case 6:
          (void)reader.read_signed(idr::ReadNonce{}, op >> 4);
          break;
        case 7:
          (void)reader.counter();
          break;
        case 8:
          (void)reader.self_test();
          break;
        default:
          (void)reader.provision_key(idr::ReadNonce{});
          break;
      }
    }
    // reader_replies: piece size, the four ops, the replies as chunks.
    Bytes r = {64, s.ops[0], s.ops[1], s.ops[2], s.ops[3]};
    for (const Bytes& reply : replies) idr::fuzz::put_chunk(r, reply);
    save("reader_replies", s.name, r);
    // host_link: the requests as one stream, 1 ms apart; pcsc_envelope: each in its APDU.
    Bytes h = {255};
    for (const Bytes& req : requests) {
      h.push_back(1);
      idr::fuzz::put_chunk(h, req);
      Bytes apdu(idr::proto::pcsc::kMaxCommand);
      apdu.resize(
          idr::proto::pcsc::build_envelope(req.data(), req.size(), apdu.data(), apdu.size()));
      if (!apdu.empty()) save("pcsc_envelope", std::to_string(n++), apdu);
    }
    save("host_link", s.name, h);
  }
}

// --- sim wire: the requests of a full card read by the firmware drivers ------------------

void sim_wire_seeds() {
  const idr::sim::Scenario s = idr::sim::load_scenario(scenario_file("resident-fingerprint"));
  idr::sim::Simulator sim(s);
  Bytes stream;
  idr::board::InProcessSimLink link([&](const uint8_t* m, size_t len, uint8_t* o, size_t cap) {
    stream.insert(stream.end(), m, m + len);
    return sim.handle(m, len, o, cap);
  });
  idr::testing::NoHost host;
  idr::board::HostBoard hb{link, host};
  idr::drivers::Clrc663 rc663{hb.board().rc663_spi, hb.board().rc663_irq, hb.board().clock};
  idr::drivers::SamLink sam{hb.board().sam_uart, hb.board().clock};
  idr::core::Rc663IdCardReader reader{rc663, sam, hb.board().clock, hb.board().log};
  if (hb.start() != Status::Ok || reader.init() != Status::Ok) throw std::runtime_error("rig");
  save("sim_wire", "init", stream);
  stream.clear();
  (void)reader.find_card();
  uint8_t uid[8];
  (void)reader.select_card(uid);
  save("sim_wire", "find-select", stream);
  stream.clear();
  static uint8_t text[256], photo[1024];
  (void)reader.read_base(text, photo);
  // The read is long: keep its first messages (the target's -max_len bounds inputs).
  stream.resize(std::min<size_t>(stream.size(), 16000));
  save("sim_wire", "read-base", stream);
}

// --- SAM link, Type B, USB: messages as the protocols define them -------------------------

void sam_link_seeds() {
  auto frame = [](uint8_t status, const Bytes& data) {
    Bytes f(idr::sam::kMaxFrame);
    f.resize(idr::drivers::build_sam_frame(status, data.data(), data.size(), f.data(), f.size()));
    return f;
  };
  Bytes id(16);
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 7);
  Bytes apdu = {0x00, 0x88, 0x00, 0x00, 0x10};
  apdu.resize(21, 0x3C);
  // piece, then per op: cap, op, args, the reply chunk (read when the request is written).
  Bytes s = {8};
  s.insert(s.end(), {255, 0});
  idr::fuzz::put_chunk(s, frame(0x90, {}));
  s.insert(s.end(), {255, 2});
  idr::fuzz::put_chunk(s, frame(0x90, id));
  s.insert(s.end(), {255, 4});
  idr::fuzz::put_chunk(s, frame(0x90, apdu));
  s.insert(s.end(), {255, 5, 2, 0x90, 0x00});
  idr::fuzz::put_chunk(s, frame(0x90, {}));
  save("sam_link", "session", s);
  Bytes e = {1, 255, 6, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00, 0x01, 0x00, 0x00};
  idr::fuzz::put_chunk(e, frame(0x33, {}));
  save("sam_link", "unwrap-mac-error", e);
}

void type_b_seeds() {
  // status Ok(0), length, bytes: ATQB of an ID card (PUPI 0, FWI 4), ATTRIB answer (CID 8),
  // GET UID (8 bytes + 90 00), then card answers with SW 90 00.
  Bytes s;
  auto answer = [&](const Bytes& b) {
    s.push_back(0);
    s.push_back(static_cast<uint8_t>(b.size()));
    s.insert(s.end(), b.begin(), b.end());
  };
  answer({0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x81, 0x41});
  answer({0x08});
  answer({1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00});
  for (int i = 0; i < 6; ++i) answer({0x90, 0x00});
  save("type_b", "find-select", s);
  save("type_b", "atqb", {0x50, 1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x81, 0x41});
}

void usb_seeds() {
  Bytes s;
  auto setup = [&](const Bytes& b) {
    s.insert(s.end(), {0, 1});
    s.insert(s.end(), b.begin(), b.end());
    s.insert(s.end(), {0, 4, 0, 0, 4, 0});  // poll InSent ep0 twice (data, status stage)
  };
  s.insert(s.end(), {0, 0});                                // bus reset
  setup({0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00});  // GET_DESCRIPTOR device
  setup({0x00, 0x05, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00});  // SET_ADDRESS 7
  setup({0x80, 0x06, 0x00, 0x02, 0x00, 0x00, 0xFF, 0x00});  // GET_DESCRIPTOR configuration
  setup({0x80, 0x06, 0x03, 0x03, 0x09, 0x04, 0xFF, 0x00});  // GET_DESCRIPTOR string 3
  setup({0x00, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00});  // SET_CONFIGURATION 1
  setup({0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00});  // GET_STATUS device
  setup({0x02, 0x01, 0x00, 0x00, 0x81, 0x00, 0x00, 0x00});  // CLEAR_FEATURE halt bulk IN
  const Bytes req = idr::test::frame_of({0x20, 0x01});
  s.insert(s.end(), {0, 3, 1, static_cast<uint8_t>(req.size())});  // bulk OUT packet
  s.insert(s.end(), req.begin(), req.end());
  s.insert(s.end(), {210, 0, 64});  // the application reads it
  s.insert(s.end(), {240, 0, 16});  // and answers
  s.insert(s.end(), {0, 4, 1});     // the host takes it
  save("usb_setup", "enumerate-and-frame", s);
}

// --- signed records, certificate chains -----------------------------------------------

// Signed records of the test signer (record_seeds writes them; journal_seeds journals them).
std::vector<Bytes> g_records;

void record_seeds() {
  using namespace idr::test;
  const int64_t now = idr::fuzz::kRecordNow;
  const Pki pki = make_pki("fuzz", now - 86400 * 30, now + 86400 * 3650);
  fs::create_directories(g_out / "data");
  std::ofstream(g_out / "data" / "record_root.der", std::ios::binary)
      .write(reinterpret_cast<const char*>(pki.root.cert_der.data()),
             static_cast<std::streamsize>(pki.root.cert_der.size()));
  DeviceKey key;
  const auto chain = reader_chain(pki, key);
  RecordSpec spec;
  spec.nonce = idr::fuzz::kRecordNonce;
  spec.fields = resident_fields({});
  g_records.push_back(make_record(key, chain, spec).file);
  save("record_verify", "resident", g_records.back());
  spec.fields.resize(3);
  spec.counter = 7;
  g_records.push_back(make_record(key, chain, spec).file);
  save("record_verify", "three-fields", g_records.back());
  spec.fields.clear();
  spec.sam_ok = false;
  g_records.push_back(make_record(key, chain, spec).file);
  save("record_verify", "no-fields-sam-rejected", g_records.back());
}

void cert_chain_seeds() {
  idr::sim::FlashModel model(4096, 4);
  idr::testing::ModelFlash flash(model);
  idr::testing::SeededRng rng(1);
  idr::crypto::KeyStore keys(flash, 2, 3);  // as cert_chain.cpp provisions it
  if (keys.load() != Status::Ok || keys.provision(rng) != Status::Ok)
    throw std::runtime_error("keys");
  auto& ca = idr::testing::TestCa::instance();
  const auto device = ca.certify(keys.public_key(), "CN=IDR-FUZZ");
  const auto chain =
      idr::testing::chain_cbor({device, ca.certify(ca.public_key().data(), "CN=idr test CA")});
  for (uint8_t mode = 0; mode < 3; ++mode) {
    Bytes s = {mode};
    s.insert(s.end(), chain.begin(), chain.end());
    save("cert_chain", "mode" + std::to_string(mode), s);
  }
}

// --- lost/stolen list, journal, scenarios ----------------------------------------------

void blocklist_seeds(const fs::path& tmp) {
  const std::string delta = (tmp / "delta.txt").string();
  if (!idr::write_blocklist_delta(delta, {{"110105200001010013", "20200101"}},
                                  {{"440524188001010014", "20150301"}}))
    throw std::runtime_error("delta");
  Bytes d = {1};
  const Bytes text = idr::fuzz::read_file(delta);
  d.insert(d.end(), text.begin(), text.end());
  save("blocklist", "delta", d);
  save("blocklist", "valid-list", {0, 0, 0});
  // Entry count (offset 16) patched, CRC made right again.
  save("blocklist", "entries-patched", {2, 1, 0, 0, 0, 16, 0xFF, 0});
}

// Journals of the current format (idr::kJournalFormat) under journal.cpp's fixed key, one
// per ID policy (the full one also keeps the records), a row per record of record_seeds.
void journal_seeds(const fs::path& tmp) {
  for (const auto policy : {idr::JournalIdPolicy::Hmac, idr::JournalIdPolicy::Full}) {
    const bool full = policy == idr::JournalIdPolicy::Full;
    const std::string path = (tmp / (full ? "full.db" : "hmac.db")).string();
    fs::remove(path);
    {
      idr::JournalOptions options;
      options.id_policy = policy;
      options.key.assign(32, 0x4B);  // journal.cpp verifies with this key
      options.keep_records = full;
      std::string why;
      auto journal = idr::Journal::open(path, options, &why);
      if (!journal) throw std::runtime_error("journal open: " + why);
      int n = 0;
      for (const Bytes& record : g_records) {
        idr::JournalEntry entry;
        entry.time_utc = "2026-01-0" + std::to_string(++n) + "T08:30:00Z";
        entry.record = record;
        entry.card_type = idr::CardType::Resident;
        entry.id_number = "11010519491231002X";
        entry.verdict = n == 3 ? "FAILED: sam" : "SUCCEEDED";
        if (!journal->append(entry, &why)) throw std::runtime_error("journal append: " + why);
      }
    }
    save("journal", full ? "full" : "hmac", idr::fuzz::read_file(path));
  }
}

void scenario_seeds() {
  for (const auto& f : fs::directory_iterator(std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios"))
    if (f.path().extension() == ".json")
      save("scenario_json", f.path().stem().string(), idr::fuzz::read_file(f.path().string()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds OUT_DIR (normally tests/fuzz)\n";
    return 2;
  }
  g_out = argv[1];
  const fs::path tmp = fs::temp_directory_path() / "idr-make-seeds";
  fs::create_directories(tmp);
  try {
    host_link_seeds();
    sim_wire_seeds();
    sam_link_seeds();
    type_b_seeds();
    usb_seeds();
    record_seeds();
    cert_chain_seeds();
    blocklist_seeds(tmp);
    journal_seeds(tmp);
    scenario_seeds();
  } catch (const std::exception& e) {
    std::cerr << "make_seeds: " << e.what() << "\n";
    return 1;
  }
  fs::remove_all(tmp);
  return 0;
}
