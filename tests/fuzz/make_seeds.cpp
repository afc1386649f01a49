// make_seeds OUT_DIR: writes the seed corpora of tests/fuzz (OUT_DIR/corpus/<target>/seed-*)
// and the record target's fixed root (OUT_DIR/data/record_root.der) from real messages:
// the host library's requests and the firmware's replies of whole sessions (idr::Reader
// talking to the firmware's host-link server in process: provisioning plain and under a
// test CA's authorisation, reads, refusals, the card failing at each step), sim-wire requests of a
// card read by the firmware drivers against the simulator, records from the test signer, a delta
// written by the library, journals of the current format written by idr::Journal, the
// committed scenarios. Run by
// `toolchain/fuzz --seeds`; the output is committed, so it runs only when a format changes.
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "accepting_sam.h"
#include "card_faults.h"
#include "fuzz_input.h"
#include "hostlink_fakes.h"
#include "idr/blocklist.h"
#include "idr/board/host_board.h"
#include "idr/ca.h"
#include "idr/core/hostlink/extension_commands.h"
#include "idr/core/rc663_id_card_reader.h"
#include "idr/core/type_b.h"
#include "idr/crypto/key_store.h"
#include "idr/crypto/p256.h"
#include "idr/crypto/reader_identity.h"
#include "idr/drivers/clrc663.h"
#include "idr/drivers/sam_link.h"
#include "idr/journal.h"
#include "idr/proto/card_layout.h"
#include "idr/proto/pcsc_envelope.h"
#include "idr/reader.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/testing/crypto_rig.h"
#include "idr/testing/no_host.h"
#include "idr/testing/scripted_transport.h"
#include "idr/verify.h"
#include "reader_ops.h"
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

// --- card text blocks of each layout (DESIGN 6, 7) -------------------------------------

using Text = std::array<uint8_t, idr::card::kTextSize>;

// The text block the simulator personalises for a card of `type` with these fields.
Text card_text(const std::string& type, const nlohmann::json& fields) {
  const nlohmann::json scenario = {
      {"name", "seed-card"},
      {"cards", nlohmann::json::array({{{"type", type}, {"text", fields}}})}};
  return idr::sim::make_card_image(idr::sim::parse_scenario(scenario.dump(), ".").cards.at(0).spec)
      .text;
}

Text scenario_card_text(const std::string& scenario) {
  return idr::sim::make_card_image(
             idr::sim::load_scenario(scenario_file(scenario)).cards.at(0).spec)
      .text;
}

// Text blocks the host decodes: the J and I cards of the committed scenarios, a resident and
// an I card valid 长期, Y cards whose English name fits part 1, runs on into part 2 cut
// mid-word or at a word, or sits in part 2 only; then a J card with its name patched to
// text the decoder must refuse (a high surrogate without its low half, at the field's end,
// a low surrogate alone, a NUL inside), one with a surrogate pair and 2-byte UTF-8 (valid),
// and one of an unknown card type.
std::vector<std::pair<std::string, Text>> card_texts() {
  std::vector<std::pair<std::string, Text>> out;
  const Text j = scenario_card_text("permit-j");
  out.emplace_back("permit-j", j);
  out.emplace_back("foreign-i", scenario_card_text("foreign-i"));
  out.emplace_back("resident-long-term", scenario_card_text("resident-longterm-address"));
  const nlohmann::json i = {{"english_name", "SMITH, JOHN MICHAEL"},
                            {"gender", "1"},
                            {"permanent_number", "USA310085051512"},
                            {"nationality", "USA"},
                            {"chinese_name", "史密斯·约翰"},
                            {"issued", "20170601"},
                            {"expires", "长期"},
                            {"birth", "19850515"},
                            {"card_version", "20"},
                            {"authority_code", "1500"}};
  out.emplace_back("foreign-i-long-term", card_text("I", i));
  nlohmann::json y = {{"chinese_name", "玛丽"},
                      {"gender", "2"},
                      {"renewal_count", "01"},
                      {"birth", "19900215"},
                      {"english_name_1", "MUELLER, MARIA"},
                      {"id_number", "932156199002150025"},
                      {"issued", "20230901"},
                      {"expires", "20330901"},
                      {"country_code", "DEU"},
                      {"previous_number_link", "000"}};
  out.emplace_back("foreign-y", card_text("Y", y));
  y["english_name_1"] = "ALEXANDRA-KATHARINA VON HOHENBERGSC";  // 35: fills part 1
  y["english_name_2"] = "HWANGAU";
  out.emplace_back("foreign-y-name-cut", card_text("Y", y));
  y["english_name_1"] = "ALEXANDRA-KATHARINA MARIA VON";
  y["english_name_2"] = "HOHENBERG";
  out.emplace_back("foreign-y-name-at-word", card_text("Y", y));
  y.erase("english_name_1");
  out.emplace_back("foreign-y-name-part-2", card_text("Y", y));
  auto patched_name = [&](const std::string& name, const std::vector<uint16_t>& units) {
    Text t = j;
    for (size_t k = 0; k < 15; ++k) {  // the name field: 15 UCS-2 units, space padded
      const uint16_t u = k < units.size() ? units[k] : 0x0020;
      t[2 * k] = static_cast<uint8_t>(u & 0xFF);
      t[2 * k + 1] = static_cast<uint8_t>(u >> 8);
    }
    out.emplace_back(name, t);
  };
  patched_name("name-high-surrogate-alone", {0x9648, 0xD83D, 0x0041});
  patched_name("name-high-surrogate-last", {0x9648, 0xD83D});
  patched_name("name-low-surrogate-alone", {0x9648, 0xDE00});
  patched_name("name-nul-inside", {0x9648, 0x0000, 0x0041});
  patched_name("name-surrogate-pair", {0x005A, 0x006F, 0x00E9, 0xD83D, 0xDE00});
  Text unknown = j;
  unknown[idr::card::kCardTypeOffset] = 'X';
  out.emplace_back("type-unknown", unknown);
  return out;
}

// --- host link: real sessions between idr::Reader and the firmware's server -------------

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
  Firmware() {  // in the factory: the first session provisions it
    const idr::sim::CardImage image = idr::sim::make_card_image(
        idr::sim::load_scenario(scenario_file("resident-fingerprint")).cards.at(0).spec);
    std::memcpy(card.text, image.text.data(), sizeof card.text);
    std::memcpy(card.photo, image.photo.data(), sizeof card.photo);
  }
  // The firmware's reply to one request (empty: none).
  Bytes answer(const Bytes& request) {
    link.send(request);
    const size_t before = link.writes.size();
    (void)server.serve_once(1'000'000);
    return link.writes.size() > before ? link.writes.back().bytes : Bytes{};
  }
};

using Op = idr::fuzz::ReaderOp;

struct HostSession {
  const char* name;
  std::vector<Op> ops;  // reader_ops.h codes
  bool real_ca;         // authorisations and chains from the test CA (else fixed bytes)
};

// The sessions run in order on one firmware: provisioned plainly in the factory, then read,
// then changed under the CA's authorisation, then refused what needs one.
const HostSession kHostSessions[] = {
    {"provision", {{6, 0}, {13, 0}, {14, 0}, {10, 0}, {6, 0}, {7, 0}, {11, 0}, {12, 0}}, true},
    {"find-read",
     {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0x0F}, {5, 0x0F}, {4, 0}, {19, 0}, {20, 0}, {0, 0}},
     true},
    {"signed", {{3, 0}, {8, 0x0F}, {9, 0x03}, {11, 0}, {7, 0}, {6, 0}, {8, 0x01}}, true},
    {"authorised", {{15, 0}, {18, 0}, {16, 0}, {17, 0}, {6, 0}, {8, 0x05}, {11, 0}}, true},
    {"refused", {{13, 0}, {10, 0}, {14, 0}, {18, 0}, {16, 0}, {17, 0}, {6, 0}}, false},
};

// One session over the firmware: the reader_replies seed (piece, ops, the replies) and the
// host_link seeds (card fault, requests 1 ms apart), each request in a pcsc_envelope seed.
void host_session(Firmware& fw, idr::ca::CaDirectory& ca, const HostSession& s, uint8_t card_fault,
                  uint8_t fault_value, const std::string& name, int& envelopes,
                  bool host_side_only = false) {
  std::vector<Bytes> replies;
  idr::testing::ScriptedTransport::Log log;
  idr::Reader reader = idr::Reader::over(std::make_unique<idr::testing::ScriptedTransport>(
      [&](const Bytes& request) {
        replies.push_back(fw.answer(request));
        return replies.back();
      },
      4096, &log));
  idr::fuzz::OpHost host;
  host.chain = [&](const idr::ProvisionedKey* key) -> std::vector<Bytes> {
    if (!s.real_ca || key == nullptr) return {Bytes(40, 0x30), Bytes(30, 0x31)};
    std::string why;
    auto chain = ca.issue_reader(*key, idr::ReadNonce{}, idr::fuzz::kRecordNow, 1, &why);
    if (!chain) throw std::runtime_error("issue_reader: " + why);
    return *chain;
  };
  host.authorize = [&](const idr::ReadNonce& challenge, idr::AuthorizedOp op, const Bytes& data) {
    if (!s.real_ca) return idr::Authorization{};
    std::string why;
    auto auth = ca.authorize(fw.identity.serial(), challenge, op, data, &why);
    if (!auth) throw std::runtime_error("authorize: " + why);
    return *auth;
  };
  for (const Op op : s.ops) idr::fuzz::run_op(reader, op, host);
  Bytes r = {63, static_cast<uint8_t>(s.ops.size())};
  for (const Op op : s.ops) r.insert(r.end(), {op.code, op.arg});
  for (const Bytes& reply : replies) idr::fuzz::put_chunk(r, reply);
  save("reader_replies", name, r);
  if (host_side_only) return;  // the requests are those of another session
  Bytes h = {255, card_fault, fault_value};
  for (const Bytes& req : log.requests) {
    h.push_back(1);
    idr::fuzz::put_chunk(h, req);
    if (card_fault != 0) continue;
    Bytes apdu(idr::proto::pcsc::kMaxCommand);
    apdu.resize(idr::proto::pcsc::build_envelope(req.data(), req.size(), apdu.data(), apdu.size()));
    if (!apdu.empty()) save("pcsc_envelope", std::to_string(envelopes++), apdu);
  }
  save("host_link", name, h);
  if (card_fault == 0 && std::string(s.name) == "find-read") {
    h[1] = 3 * idr::fuzz::kCardFaults;  // the link's writes fail from the third reply on
    save("host_link", name + "-link-fails", h);
  }
}

// Legacy frames no idr::Reader call sends (DESIGN 8): every baud code and a wrong one, the
// maximum RF frame, unknown commands and parameters, data where none belongs, the reads of
// a legacy client, a bad checksum, a bad length and a frame cut short (gap of 255 ms).
void legacy_frames_seed() {
  using idr::test::frame_of;
  std::vector<Bytes> frames;
  for (uint8_t code = 0; code <= 5; ++code) frames.push_back(frame_of({0x60, code}));
  frames.push_back(frame_of({0x60, 0x00, 0x01}));
  frames.push_back(frame_of({0x61, 0xFF, 0x50}));
  frames.push_back(frame_of({0x61, 0xFF, 0x50, 0x51}));
  frames.push_back(frame_of({0x61, 0x00, 0x50}));
  frames.push_back(frame_of({0x77, 0xFF}));
  frames.push_back(frame_of({0x11, 0xFF, 0x00}));
  frames.push_back(frame_of({0x11, 0x01}));
  frames.push_back(frame_of({0x20, 0x05}));
  frames.push_back(frame_of({0x20, 0x01, 0x00}));
  frames.push_back(frame_of({0x20, 0x01}));
  frames.push_back(frame_of({0x20, 0x02}));
  frames.push_back(frame_of({0x30, 0x10}));
  frames.push_back(frame_of({0x30, 0x03}));
  frames.push_back(frame_of({0x30, 0x02}));
  frames.push_back(frame_of({0x30, 0x01, 0x00}));
  frames.push_back(frame_of({0xE0, 0x7E}));
  Bytes bad_sum = frame_of({0x11, 0xFF});
  bad_sum.back() ^= 0xFF;
  frames.push_back(bad_sum);
  frames.push_back({0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x11});  // LEN beyond any frame
  Bytes h = {255, 0, 0};
  for (const Bytes& f : frames) {
    h.push_back(1);
    idr::fuzz::put_chunk(h, f);
  }
  const Bytes cut = frame_of({0x20, 0x01});
  h.push_back(1);
  idr::fuzz::put_chunk(h, Bytes(cut.begin(), cut.begin() + 6));
  h.push_back(255);  // then silence: the partial frame is dropped
  idr::fuzz::put_chunk(h, frame_of({0x11, 0xFF}));
  save("host_link", "legacy-frames", h);
}

void host_link_seeds(const fs::path& tmp) {
  legacy_frames_seed();
  std::string why;
  auto ca = idr::ca::CaDirectory::create((tmp / "ca").string(), "idr fuzz seeds CA",
                                         idr::fuzz::kRecordNow - 86400, 2, &why);
  if (!ca) throw std::runtime_error("CA: " + why);
  Firmware fw;
  int envelopes = 0;
  for (const HostSession& s : kHostSessions) host_session(fw, *ca, s, 0, 0, s.name, envelopes);
  // The reads again with the card failing at each step (card_faults.h).
  for (uint8_t fault = 1; fault < idr::fuzz::kCardFaults; ++fault) {
    for (const HostSession& s : kHostSessions) {
      if (std::string(s.name) != "signed" && std::string(s.name) != "find-read") continue;
      const uint8_t value = static_cast<uint8_t>(fault * 5);  // a different status each
      idr::fuzz::apply_card_fault(fw.card, fault, value);
      host_session(fw, *ca, s, fault, value,
                   std::string(s.name) + "-card-fault-" + std::to_string(fault), envelopes);
      idr::fuzz::clear_card_faults(fw.card);
    }
  }
  // Reads of a card of each layout: the host decodes the text block (reader_replies only:
  // the firmware streams it unread, the host_link requests are those of find-read).
  const Text resident = scenario_card_text("resident-fingerprint");
  for (const auto& [card, text] : card_texts()) {
    std::memcpy(fw.card.text, text.data(), sizeof fw.card.text);
    const HostSession read{"card", {{3, 0}, {4, 0x01}, {5, 0x0F}}, true};
    host_session(fw, *ca, read, 0, 0, "card-" + card, envelopes, true);
  }
  std::memcpy(fw.card.text, resident.data(), sizeof fw.card.text);
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

// The type_b target's answers (status index into its table: 0 Ok, 2 Timeout, 3 Integrity,
// 5 Collision; the frame) to what the reader core sends, from a card that follows
// DESIGN 6, recorded as the reader core reads it (find, select, base, fingerprint,
// addresses). `Card` says how this card differs from a whole one.
struct TypeBCard {
  bool fingerprint = true, addresses = true;
  bool second_template = true;  // else one 512-byte template
  int fail_read = -1;           // the READ with this index answers `fail_status` / short
  uint8_t fail_status = 2;
  bool fail_short = false;
  bool garbled_uid = false;     // GET UID garbled every time (several cards)
  bool slot_collision = false;  // REQB collides, then two slots with one PUPI
};

class OracleField final : public idr::drivers::TypeBFrontEnd, public idr::hal::Clock {
 public:
  explicit OracleField(const TypeBCard& c) : c_(c) {}
  Status init() override { return Status::Ok; }
  Status field_on() override { return Status::Ok; }
  Status field_off() override { return Status::Ok; }
  Status transceive(const uint8_t* tx, size_t n, uint8_t* rx, size_t rx_cap, size_t& rx_len,
                    uint32_t fwt_us) override {
    now_ += fwt_us;
    uint8_t status = 0;
    const Bytes frame = answer(tx, n, status);
    script.push_back(status);
    script.push_back(static_cast<uint8_t>(frame.size()));
    script.insert(script.end(), frame.begin(), frame.end());
    rx_len = 0;
    if (status != 0)
      return status == 2 ? Status::Timeout : status == 3 ? Status::Integrity : Status::Collision;
    if (frame.size() > rx_cap) return Status::Overflow;
    std::memcpy(rx, frame.data(), frame.size());
    rx_len = frame.size();
    return Status::Ok;
  }
  uint64_t now_us() override { return now_; }
  void delay_us(uint32_t us) override { now_ += us; }
  Bytes script;

 private:
  Bytes answer(const uint8_t* tx, size_t n, uint8_t& status) {
    const Bytes ok = {0x90, 0x00};
    if (n == 3 && tx[0] == idr::core::typeb::kApf) {  // REQB
      if (c_.slot_collision && reqbs_++ == 0) {
        status = 5;
        return {};
      }
      return {0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x81, 0x41};
    }
    if (n == 1) {  // Slot-MARKER: a second card with the same PUPI
      return {0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x81, 0x41};
    }
    if (n == idr::core::typeb::kAttribSize) return {0x08};
    if (n < 5) return ok;
    switch (tx[1]) {
      case 0x36:  // GET UID
        if (c_.garbled_uid) {
          status = 3;
          return {};
        }
        return {1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00};
      case 0xA4:  // SELECT
        file_ = tx[n - 1];
        if ((file_ == idr::card::kFileFingerprint && !c_.fingerprint) ||
            (file_ == idr::card::kFileAddress && !c_.addresses))
          return {0x6A, 0x82};
        return ok;
      case 0x84:  // GET CHALLENGE
        return {9, 8, 7, 6, 5, 4, 3, 2, 0x90, 0x00};
      case 0xB0: {  // READ: data, session MAC, SW
        const size_t offset = size_t{tx[2]} << 8 | tx[3];
        Bytes r(tx[4]);
        for (size_t i = 0; i < r.size(); ++i) {
          const size_t at = offset + i;
          const bool empty =
              (file_ == idr::card::kFileFingerprint && !c_.second_template && at >= 512) ||
              (file_ == idr::card::kFileAddress && (at / 70) % 2 == 1);
          r[i] = empty ? 0 : static_cast<uint8_t>(0x21 + at % 90);
        }
        r.insert(r.end(), 8, 0x4D);
        r.insert(r.end(), ok.begin(), ok.end());
        if (reads_++ == c_.fail_read) {
          if (c_.fail_short) return ok;
          status = c_.fail_status;
          return {};
        }
        return r;
      }
      default:
        return ok;
    }
  }
  TypeBCard c_;
  uint64_t now_ = 0;
  uint8_t file_ = 0;
  int reads_ = 0, reqbs_ = 0;
};

void type_b_seeds() {
  const struct {
    const char* name;
    TypeBCard card;
  } cards[] = {
      {"full-read", {}},
      {"one-template-no-addresses", {true, false, false}},
      {"no-fingerprint", {false, true}},
      {"read-lost", {true, true, true, 2, 2}},
      {"read-garbled", {true, true, true, 9, 3}},
      {"read-short", {true, true, true, 4, 0, true}},
      {"uid-garbled", {true, true, true, -1, 0, false, true}},
      {"slot-collision", {true, true, true, -1, 0, false, false, true}},
  };
  for (const auto& c : cards) {
    OracleField field(c.card);
    idr::fuzz::AcceptingSam sam;
    idr::core::Rc663IdCardReader reader(field, sam, field);
    if (reader.init() != Status::Ok) throw std::runtime_error("type_b init");
    static uint8_t text[idr::card::kTextSize], photo[idr::card::kPhotoSize];
    static uint8_t fp[idr::card::kFingerprintSize], addresses[idr::card::kAddressFileSize];
    // As type_b.cpp's round: each step only after the one before succeeded.
    if (reader.find_card() == Status::Ok) {
      uint8_t uid[idr::card::kUidSize];
      if (reader.select_card(uid) == Status::Ok && reader.read_base(text, photo) == Status::Ok) {
        size_t n = 0;
        (void)reader.read_fingerprint(fp, n);
        (void)reader.read_addresses(addresses, n);
      }
    }
    save("type_b", c.name, field.script);
  }
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
  const RecordSpec resident = spec;
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

  // Records that reach each later check: every kind of field, a disclosure without digest,
  // two disclosures of one field, an unknown field, a field of the wrong size for the card
  // type, a foreign nonce, a chain expired, another key's chain, device certificates outside
  // the profile, no chain.
  auto variant = [&](const std::string& name, RecordSpec v, const std::vector<Bytes>& with_chain) {
    save("record_verify", name, make_record(key, with_chain, v).file);
  };
  RecordSpec all = resident;
  all.counter = 9;
  all.fields.push_back({"photo", Bytes(idr::card::kPhotoSize, 0x57)});
  all.fields.push_back({"fingerprint", Bytes(idr::card::kFingerprintSize, 0x46)});
  all.fields.push_back({"address_1", ucs2(u"北京市海淀区中关村大街1号", 70)});
  all.fields.push_back({"address_2", Bytes{0x00, 0xD8, 0x20, 0x00}});  // a lone surrogate
  variant("every-field", all, chain);
  RecordSpec v = resident;
  v.no_digest = {"name"};
  variant("disclosure-without-digest", v, chain);
  v = resident;
  v.fields.push_back(v.fields.front());
  variant("disclosure-twice", v, chain);
  v = resident;
  v.fields.push_back({"shoe_size", Bytes{0x34, 0x00}});
  variant("unknown-field", v, chain);
  v = resident;
  v.card_type = 'J';
  variant("card-type-j", v, chain);
  v = resident;
  v.card_type = 0x10000;
  variant("card-type-none", v, chain);
  v = resident;
  v.nonce = idr::ReadNonce{1, 2, 3};
  variant("foreign-nonce", v, chain);
  variant("chain-expired", resident, reader_chain(pki, key, now - 86400 * 400, now - 86400 * 30));
  variant("chain-not-yet-valid", resident,
          reader_chain(pki, key, now + 86400 * 30, now + 86400 * 400));
  DeviceKey other;
  variant("other-key-chain", resident, reader_chain(pki, other));
  CustomCert ca_cert;
  ca_cert.cn = key.serial();
  ca_cert.is_ca = true;
  variant("device-cert-ca", resident,
          {issue_custom(pki.intermediate, key.public_key(), ca_cert), chain.at(1)});
  CustomCert no_usage;
  no_usage.cn = key.serial();
  no_usage.key_usage = 0;
  variant("device-cert-no-key-usage", resident,
          {issue_custom(pki.intermediate, key.public_key(), no_usage), chain.at(1)});
  CustomCert wrong_cn;
  wrong_cn.cn = "IDR-NOT-THIS-READER";
  variant("device-cert-other-serial", resident,
          {issue_custom(pki.intermediate, key.public_key(), wrong_cn), chain.at(1)});
  variant("no-chain", resident, {});
  // The resident record with one structural byte changed (the decoder's own checks): a
  // byte after the item, another tag than 18, a protected header other than ES256, an
  // unprotected header key other than 33 (x5chain).
  const Bytes good = make_record(key, chain, resident).file;
  Bytes b = good;
  b.push_back(0x00);
  save("record_verify", "byte-after-item", b);
  auto patched = [&](const std::string& name, const Bytes& from, const Bytes& to) {
    Bytes p = good;
    const auto at = std::search(p.begin(), p.end(), from.begin(), from.end());
    if (at == p.end()) throw std::runtime_error("record patch " + name);
    std::copy(to.begin(), to.end(), at);
    save("record_verify", name, p);
  };
  patched("tag-19", {0xD2, 0x84}, {0xD3, 0x84});
  patched("protected-es384", {0x43, 0xA1, 0x01, 0x26}, {0x43, 0xA1, 0x01, 0x38});
  patched("unprotected-key-34", {0xA1, 0x18, 0x21}, {0xA1, 0x18, 0x22});
  variant("device-cert-only", resident, {chain.at(0)});
  // The fields of a card of each layout (as the firmware discloses them: its type's table).
  for (const auto& [card, text] : card_texts()) {
    RecordSpec c;
    c.nonce = idr::fuzz::kRecordNonce;
    c.counter = 11;
    c.card_type = static_cast<uint64_t>(text[idr::card::kCardTypeOffset] |
                                        text[idr::card::kCardTypeOffset + 1] << 8);
    const idr::card::FieldTable table =
        idr::card::fields_for_type(static_cast<uint32_t>(c.card_type));
    for (size_t k = 0; k < table.count; ++k) {
      const idr::card::Field f = table.fields[k].field;
      c.fields.push_back(
          {table.fields[k].name, Bytes(text.begin() + f.offset, text.begin() + f.offset + f.size)});
    }
    variant("card-" + card, c, chain);
  }
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
  // Mode 3: the chain for the key pending after cert_chain.cpp's rekey (SeededRng 2), and
  // the old chain (its key is no longer the one to certify).
  if (keys.store_chain({chain.data(), chain.size()}, false) != Status::Ok)
    throw std::runtime_error("chain");
  idr::testing::SeededRng rekey_rng(2);
  idr::crypto::P256Group group;
  if (keys.rekey(group, rekey_rng) != Status::Ok) throw std::runtime_error("rekey");
  const auto next =
      idr::testing::chain_cbor({ca.certify(keys.pending_public_key(), "CN=IDR-FUZZ-2"),
                                ca.certify(ca.public_key().data(), "CN=idr test CA")});
  Bytes r = {3};
  r.insert(r.end(), next.begin(), next.end());
  save("cert_chain", "mode3-rekeyed", r);
  r.resize(1);
  r.insert(r.end(), chain.begin(), chain.end());
  save("cert_chain", "mode3-old-key", r);
}

// The trust store's loaders (trust_store.cpp's input: mode, the roots, the list text, a
// certificate): a CA directory's root and the revocation list `idr ca revoke` wrote beside
// it, root directories (roots, a key file named *.pem, files the loader skips), roots that
// are refused at each check, revocation lists of both versions with each entry kind and each
// line the parser refuses, and certificates of each role.
struct TrustSeed {
  uint8_t mode;                                  // trust_store.cpp's mode bits
  std::vector<std::pair<uint8_t, Bytes>> files;  // mode bit 0: (kind, bytes) per file
  Bytes file;                                    // else: the roots file
  std::string list;
  Bytes cert;
};

void save_trust(const std::string& name, const TrustSeed& t) {
  Bytes s = {t.mode};
  if ((t.mode & 1) != 0) {
    s.push_back(static_cast<uint8_t>(t.files.size()));
    for (const auto& [kind, bytes] : t.files) {
      s.push_back(kind);
      idr::fuzz::put_chunk(s, bytes);
    }
  } else {
    idr::fuzz::put_chunk(s, t.file);
  }
  idr::fuzz::put_chunk(s, Bytes(t.list.begin(), t.list.end()));
  idr::fuzz::put_chunk(s, t.cert);
  save("trust_store", name, s);
}

std::string hex_of(const uint8_t* p, size_t n, const char* sep = "") {
  static const char kHex[] = "0123456789ABCDEF";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i != 0) s += sep;
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 0x0F]);
  }
  return s;
}

void trust_store_seeds(const fs::path& tmp) {
  using idr::test::issue_custom;
  auto text = [](const std::string& s) { return Bytes(s.begin(), s.end()); };
  auto pem = [&](const Bytes& der) { return text(idr::ca::to_pem(der)); };
  std::string why;
  auto ca = idr::ca::CaDirectory::create((tmp / "trust-ca").string(), "idr fuzz trust CA",
                                         idr::fuzz::kRecordNow - 86400, 2, &why);
  if (!ca) throw std::runtime_error("CA: " + why);
  const idr::test::Pki pki =
      idr::test::make_pki("trust", idr::fuzz::kRecordNow - 86400, idr::fuzz::kRecordNow + 86400);
  idr::test::DeviceKey key;
  const Bytes device = idr::test::reader_chain(pki, key).at(0);
  if (!ca->revoke(device, &why) || !ca->revoke_reader("IDR-0123456789ABCDEF", &why))
    throw std::runtime_error("revoke: " + why);
  const Bytes root_file = idr::fuzz::read_file(ca->dir() + "/root.crt.pem");
  const Bytes listed = idr::fuzz::read_file(ca->dir() + "/revoked.txt");
  const std::string ca_list(listed.begin(), listed.end());
  save_trust("ca-root-and-list", {6, {}, root_file, ca_list, device});

  // Root directories (kinds: 0 *.pem, 1 *.crt, 2 *.key, 3 a directory named *.pem).
  const Bytes root = pem(pki.root.cert_der), intermediate = pem(pki.intermediate.cert_der);
  const Bytes key_pem = text(pki.root.key_pem);
  save_trust("dir-roots", {3,
                           {{0, root}, {1, intermediate}, {0, key_pem}, {2, text("notes")}},
                           {},
                           ca_list,
                           pki.intermediate.cert_der});
  save_trust("dir-subdir", {1, {{0, root}, {3, {}}}, {}, "", pki.root.cert_der});
  save_trust("dir-empty", {1, {}, {}, "", {}});
  save_trust("dir-only-keys", {1, {{0, key_pem}, {2, root}}, {}, "", {}});
  save_trust("dir-bad-root", {1, {{0, root}, {1, pem(device)}}, {}, "", device});
  save_trust("roots-missing", {8, {}, root, "", device});

  // One roots file: two roots with text around them, DER instead of PEM, a block that does
  // not decode, a block with PEM headers, a reader certificate, a root that is not strict DER.
  Bytes two = text("the test roots\n");
  two.insert(two.end(), root.begin(), root.end());
  two.insert(two.end(), intermediate.begin(), intermediate.end());
  save_trust("roots-two", {0, {}, two, "", pki.root.cert_der});
  save_trust("roots-der", {0, {}, pki.root.cert_der, "", {}});
  save_trust(
      "roots-bad-base64",
      {0, {}, text("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"), "", {}});
  std::string with_header(root.begin(), root.end());
  with_header.insert(
      with_header.find('\n') + 1,
      "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n");
  save_trust("roots-pem-header", {0, {}, text(with_header), "", {}});
  save_trust("roots-reader-cert", {0, {}, pem(device), "", device});
  Bytes loose = pki.root.cert_der;
  loose.push_back(0);
  save_trust("roots-not-strict", {0, {}, pem(loose), "", loose});
  idr::test::CustomCert no_ca;
  no_ca.cn = "idr fuzz not a CA";
  no_ca.key_usage = 0x04;  // keyCertSign, but basicConstraints CA:FALSE
  const Bytes not_ca = issue_custom(pki.root, key.public_key(), no_ca);
  save_trust("roots-not-ca", {0, {}, pem(not_ca), "", not_ca});

  // Revocation lists (with the CA's root): version 1 (fingerprints, colons, any case), each
  // version 2 entry, and each line the parser refuses.
  const auto fp = idr::certificate_fingerprint(device);
  const auto keys = idr::revocation_keys(device);
  if (!keys) throw std::runtime_error("revocation_keys");
  const std::string fp_hex = hex_of(fp.data(), fp.size());
  const std::string spki = hex_of(keys->spki_hash.data(), 32);
  const std::string issuer = hex_of(keys->issuer_name_hash.data(), 32);
  const std::string v2 = "# comment\n\nidr-revocation-list 2\n";
  const struct {
    const char* name;
    std::string list;
  } lists[] = {
      {"list-v1", "# fingerprints\n\n" + hex_of(fp.data(), fp.size(), ":") + "\n" + fp_hex + "\n"},
      {"list-v1-bad", fp_hex + "\n" + fp_hex.substr(2) + "\n"},
      {"list-v2-cert", v2 + "cert " + fp_hex + "\n"},
      {"list-v2-spki", v2 + "spki " + spki + "\n"},
      {"list-v2-issuer-serial", v2 + "issuer-serial " + issuer + " " +
                                    hex_of(keys->serial.data(), keys->serial.size()) + "\n"},
      {"list-v2-reader", v2 + "reader " + keys->subject_cn + "\n"},
      {"list-version-3", "idr-revocation-list 3\n"},
      {"list-version-none", "idr-revocation-list\n"},
      {"list-serial-not-hex", v2 + "issuer-serial " + issuer + " 0g\n"},
      {"list-serial-too-long", v2 + "issuer-serial " + issuer + " " + std::string(66, 'a') + "\n"},
      {"list-reader-too-long", v2 + "reader " + std::string(65, 'R') + "\n"},
      {"list-hash-short", v2 + "spki " + spki.substr(1) + "\n"},
      {"list-unknown-entry", v2 + "key " + spki + "\n"},
  };
  for (const auto& l : lists) save_trust(l.name, {6, {}, root_file, l.list, device});

  // Certificates of each role against the CA's list: the root, the intermediate (CA), a
  // reader certificate without a CN, one whose CN is no serial, no certificate.
  save_trust("cert-root", {2, {}, root_file, ca_list, ca->root_der()});
  save_trust("cert-intermediate", {2, {}, root_file, ca_list, ca->intermediate_der()});
  idr::test::CustomCert no_cn;
  save_trust("cert-reader-no-cn",
             {6, {}, root_file, ca_list, issue_custom(pki.intermediate, key.public_key(), no_cn)});
  idr::test::CustomCert spaced;
  spaced.cn = "IDR FUZZ\nreader IDR-0000";  // not a serial: a space, a line break
  save_trust("cert-reader-cn-not-serial",
             {6, {}, root_file, ca_list, issue_custom(pki.intermediate, key.public_key(), spaced)});
  save_trust("cert-none", {6, {}, root_file, ca_list, {}});
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
  // Delta lines with the format line and the checksum added by the harness (its mode 7), so
  // the line parser runs; and CSV text built as a list (mode 9): keys of both check-character
  // kinds, then a date that is no calendar date.
  const auto text_seed = [](uint8_t mode, const std::string& body) {
    Bytes b = {mode};
    b.insert(b.end(), body.begin(), body.end());
    return b;
  };
  save("blocklist", "delta-lines",
       text_seed(7, "+ 110105200001010013,20200101\n- 440524188001010014,20150301\n"));
  save("blocklist", "delta-bad-line", text_seed(7, "+ 11010520000101001,20200101\n"));
  save("blocklist", "csv",
       text_seed(9,
                 "id_number,valid_from\n110105194912310021,20100101\n"
                 "11010519491231002X,20100101\n"));
  save("blocklist", "csv-bad-date", text_seed(9, "110105194912310021,20100230\n"));
  save("blocklist", "valid-list", {0, 0, 0});
  save("blocklist", "valid-list-huge-pages", {8, 0, 0});
  // One header field patched, both CRCs made right again (blocklist.cpp's mode 6), so the
  // check of that field answers: version, header size, entries, blocks, payload size, key
  // scheme, overflow entries, slot bits, slots per block; the first block's count and its
  // spill and overflow flags.
  const struct {
    const char* name;
    uint8_t offset, value;
  } fields[] = {{"version", 8, 3},         {"header-size", 12, 65},   {"entries", 16, 0xFF},
                {"blocks", 24, 0xFF},      {"payload-size", 32, 0},   {"key-scheme", 44, 9},
                {"overflow", 48, 0xFF},    {"slot-bits", 52, 1},      {"slots", 56, 0xFF},
                {"block-count", 64, 0x0F}, {"block-spill", 64, 0x13}, {"block-overflow", 64, 0x23}};
  for (const auto& f : fields)
    save("blocklist", std::string("patched-") + f.name, {6, 1, 0, 0, 0, f.offset, f.value, 0});
  // Cut short (CRCs right again).
  save("blocklist", "truncated", {6, 0, 1, 0, 0, 0, 100});
}

// Journals of the current format (idr::kJournalFormat) under journal.cpp's fixed key, one
// per ID policy (the full one also keeps the records), a row per record of record_seeds;
// then copies of the full one tampered as an attacker without the key would.
void journal_seeds(const fs::path& tmp) {
  std::string full_path;
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
    if (full) full_path = path;
  }
  const struct {
    const char* name;
    const char* sql;
  } tampers[] = {
      {"row-changed", "UPDATE reads SET verdict = 'SUCCEEDED' WHERE row = 3"},
      {"row-removed", "DELETE FROM reads WHERE row = 2"},
      {"row-rechained", "UPDATE reads SET prev_hash = hash WHERE row = 3"},
      {"record-swapped",
       "UPDATE reads SET record = (SELECT record FROM reads WHERE row = 1) WHERE row = 2"},
      {"key-check-altered", "UPDATE journal_meta SET value = '00' WHERE key = 'key_check'"},
      {"format-1", "UPDATE journal_meta SET value = 'idr-journal 1' WHERE key = 'format'"},
      {"format-unknown", "UPDATE journal_meta SET value = 'idr-journal 9' WHERE key = 'format'"},
      {"no-meta", "DROP TABLE journal_meta"},
      {"no-reads", "DROP TABLE reads"},
  };
  for (const auto& t : tampers) {
    const fs::path copy = tmp / (std::string(t.name) + ".db");
    fs::copy_file(full_path, copy, fs::copy_options::overwrite_existing);
    sqlite3* db = nullptr;
    const bool ok = sqlite3_open(copy.c_str(), &db) == SQLITE_OK &&
                    sqlite3_exec(db, t.sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    if (!ok) throw std::runtime_error(std::string("journal tamper ") + t.name);
    save("journal", t.name, idr::fuzz::read_file(copy.string()));
  }
}

// A scenario using every option (the card files are the ones scenario_json.cpp puts in its
// base directory), then one copy per leaf with that leaf of the wrong type and one with it
// out of range, and one per object with an unknown key: each stops at its own check.
const char* const kEveryOption = R"({
  "name": "every-option", "description": "each key the parser knows", "seed": 7,
  "timing": {"card_turnaround_us": 100, "card_per_response_byte_us": 9.4,
             "card_auth_total_us": 25000, "card_fwi": 8, "sam_per_operation_us": 300,
             "sam_per_byte_us": 87, "sam_baud": 115200, "spi_hz": 10000000,
             "host_link_bps": 115200, "mcu_hz": 100000000, "cycles_per_instruction": 1.2},
  "keys": {"master": "00112233445566778899AABBCCDDEEFF", "issuer": "0F0E0D0C0B0A09080706050403020100"},
  "sam": {"id": [5, 1, 20101126, 17612485, 112360513],
          "faults": [{"frame": 3, "kind": "no_reply"}, {"frame": 4, "kind": "late_reply"},
                     {"frame": 5, "kind": "garbage"}, {"frame": 6, "kind": "garbled"},
                     {"frame": 7, "kind": "wrong_mac"}]},
  "faults": {"bit_error_rate": 0.001, "frame_loss_rate": 0.01,
             "frames": [{"frame": 2, "kind": "tear", "direction": "command"},
                        {"frame": 3, "kind": "bit_error", "direction": "answer", "bit": 5},
                        {"frame": 4, "kind": "crc_error", "direction": "answer"}]},
  "flash": {"page_size": 4096, "page_count": 8},
  "cards": [
    {"label": "every-option", "type": "resident", "uid": "3B:08:E6:10:9A:27:C5:71",
     "text": {"name": "王建国", "gender": "1", "ethnicity": "01", "birth": "19700101",
              "address": "上海市徐汇区天钥桥路100弄3号201室", "id_number": "310104197001010872",
              "authority": "上海市公安局徐汇分局", "valid_from": "20160520", "valid_to": "长期"},
     "photo": {"file": "photo.bin", "generated": true},
     "fingerprint": {"file": "fingerprint-512.bin"},
     "addresses": ["上海市徐汇区漕溪北路88号1202室", "上海市徐汇区漕溪北路90号"],
     "timeline": [{"arrive_ms": 0, "remove_ms": 2000}, {"arrive_ms": 3000}],
     "faults": {"bit_error_rate": 0.0001, "frame_loss_rate": 0},
     "issuer_key": "0F0E0D0C0B0A09080706050403020100"},
    {"label": "permit", "type": "J", "fingerprint": 1024,
     "photo": {"file": "photo-too-large.bin"}},
    {"label": "foreign", "type": "Y", "fingerprint": {"file": "fingerprint-bad-size.bin"}}
  ]
})";

void scenario_seeds() {
  for (const auto& f : fs::directory_iterator(std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios"))
    if (f.path().extension() == ".json")
      save("scenario_json", f.path().stem().string(), idr::fuzz::read_file(f.path().string()));
  using nlohmann::json;
  json full = json::parse(kEveryOption);
  auto save_json = [](const std::string& name, const json& j) {
    const std::string text = j.dump();
    save("scenario_json", name, Bytes(text.begin(), text.end()));
  };
  // The full one without the cards whose files are wrong: it parses and builds.
  json good = full;
  good["cards"] = json::array({full["cards"][0]});
  save_json("every-option", good);
  save_json("bad-files", full);
  int n = 0;
  std::set<std::string> objects;  // the objects given an unknown key already
  const json flat = good.flatten();
  for (auto it = flat.begin(); it != flat.end(); ++it) {
    const json::json_pointer at(it.key());
    json wrong_type = good, out_of_range = good;
    wrong_type[at] = it->is_string() ? json(12) : json("12");
    out_of_range[at] = it->is_string() ? json("zz") : it->is_boolean() ? json(-1) : json(-1e300);
    save_json("leaf-" + std::to_string(n) + "-type", wrong_type);
    save_json("leaf-" + std::to_string(n++) + "-range", out_of_range);
    const json::json_pointer parent = at.parent_pointer();
    if (good[parent].is_object() && objects.insert(parent.to_string()).second) {
      json unknown = good;
      unknown[parent]["unknown_key"] = 1;
      save_json("object-" + std::to_string(objects.size()) + "-unknown-key", unknown);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds OUT_DIR (normally tests/fuzz)\n";
    return 2;
  }
  g_out = argv[1];
  const fs::path tmp = fs::temp_directory_path() / "idr-make-seeds";
  fs::remove_all(tmp);  // what a failed run left
  fs::create_directories(tmp);
  try {
    host_link_seeds(tmp);
    sim_wire_seeds();
    sam_link_seeds();
    type_b_seeds();
    usb_seeds();
    record_seeds();
    cert_chain_seeds();
    trust_store_seeds(tmp);
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
