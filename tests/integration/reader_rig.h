#pragma once
// In-process rig: the firmware's drivers and reader core on the host board, over the real
// sim-wire codec, against a Simulator built from a scenario. Deterministic: the scenario's
// seed fixes every random choice.
#include <memory>
#include <string>
#include <vector>

#include "idr/board/host_board.h"
#include "idr/core/rc663_id_card_reader.h"
#include "idr/drivers/clrc663.h"
#include "idr/drivers/sam_link.h"
#include "idr/proto/card_layout.h"
#include "idr/sim/rf_field.h"
#include "idr/sim/scenario.h"
#include "idr/sim/simulator.h"
#include "idr/testing/no_host.h"

namespace idr::testing {

inline std::string scenario_path(const std::string& name) {
  return std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/" + name + ".json";
}

// Everything the reader got from one card.
struct CardRead {
  Status status = Status::Ok;  // first failure, Ok if all reads worked
  uint8_t uid[card::kUidSize] = {};
  std::vector<uint8_t> text, photo, fingerprint, addresses;
};

struct ReaderRig {
  explicit ReaderRig(const sim::Scenario& s)
      : scenario(s), sim(std::make_unique<sim::Simulator>(s)) {
    start();
  }
  ReaderRig(const sim::Scenario& s, std::unique_ptr<sim::Simulator> custom)
      : scenario(s), sim(std::move(custom)) {
    start();
  }

  sim::Scenario scenario;
  std::unique_ptr<sim::Simulator> sim;
  board::InProcessSimLink link{
      [this](const uint8_t* m, size_t n, uint8_t* o, size_t c) { return sim->handle(m, n, o, c); }};
  NoHost host;  // the reader talks to no host in these tests
  board::HostBoard hb{link, host};
  drivers::Clrc663 rc663{hb.board().rc663_spi, hb.board().rc663_irq, hb.board().clock};
  drivers::SamLink sam{hb.board().sam_uart, hb.board().clock};
  core::Rc663IdCardReader reader{rc663, sam, hb.board().clock, hb.board().log};
  Status init_status = Status::Io;

  // find + select + base + fingerprint + addresses, stopping at the first failure.
  CardRead read_card() {
    CardRead r;
    r.status = reader.find_card();
    if (r.status != Status::Ok) return r;
    r.status = reader.select_card(r.uid);
    if (r.status != Status::Ok) return r;
    r.text.assign(card::kTextSize, 0);
    r.photo.assign(card::kPhotoSize, 0);
    r.status = reader.read_base(r.text.data(), r.photo.data());
    if (r.status != Status::Ok) return r;
    r.fingerprint.assign(card::kFingerprintSize, 0);
    size_t fp_len = 0;
    r.status = reader.read_fingerprint(r.fingerprint.data(), fp_len);
    r.fingerprint.resize(fp_len);
    if (r.status != Status::Ok) return r;
    r.addresses.assign(card::kAddressFileSize, 0);
    size_t addr_len = 0;
    r.status = reader.read_addresses(r.addresses.data(), addr_len);
    r.addresses.resize(addr_len);
    if (r.status == Status::NoSuchContent) r.status = Status::Ok;  // no appended address
    return r;
  }

 private:
  void start() {
    if (hb.start() == Status::Ok) init_status = reader.init();
  }
};

// What the reader should get from a card: the personalisation, as the legacy reply lays
// it out (fingerprint 512 when the second template is empty, addresses packed).
struct Expected {
  std::vector<uint8_t> uid, text, photo, fingerprint, addresses;
};

inline Expected expected_from(const sim::CardSpec& spec) {
  const sim::CardImage img = sim::make_card_image(spec);
  Expected e;
  e.uid.assign(img.uid.begin(), img.uid.end());
  e.text.assign(img.text.begin(), img.text.end());
  e.photo.assign(img.photo.begin(), img.photo.end());
  e.fingerprint = img.fingerprint;
  if (e.fingerprint.size() == card::kFingerprintSize) {
    bool second_empty = true;
    for (size_t i = card::kFingerprintTemplateSize; i < card::kFingerprintSize; ++i)
      second_empty = second_empty && e.fingerprint[i] == 0;
    if (second_empty) e.fingerprint.resize(card::kFingerprintTemplateSize);
  }
  for (const auto& entry : img.addresses) {
    bool empty = true;
    for (uint8_t b : entry) empty = empty && b == 0;
    if (!empty) e.addresses.insert(e.addresses.end(), entry.begin(), entry.end());
  }
  return e;
}

inline std::vector<uint8_t> uid_of(const CardRead& r) {
  return std::vector<uint8_t>(r.uid, r.uid + card::kUidSize);
}

}  // namespace idr::testing
