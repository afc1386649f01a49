#include "fault_rig.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "idr/core/hostlink/signed_fields.h"

namespace idr::faults {

namespace {

// Certificates and verification use this fixed clock (2026-01-01), so every run is the same.
constexpr int64_t kNow = 1767225600;
constexpr uint64_t kNsPerMs = 1'000'000;

std::vector<uint8_t> bytes_of(const uint8_t* p, size_t n) {
  return std::vector<uint8_t>(p, p + n);
}

bool all_zero(const std::vector<uint8_t>& b, size_t from) {
  return std::all_of(b.begin() + static_cast<long>(from), b.end(),
                     [](uint8_t x) { return x == 0; });
}

// What each disclosed field must hold for this personalisation (the firmware's field table).
std::map<std::string, std::vector<uint8_t>> expected_fields(const sim::CardImage& img) {
  std::map<std::string, std::vector<uint8_t>> want;
  uint8_t text[card::kTextSize];
  std::memcpy(text, img.text.data(), card::kTextSize);
  size_t n = 0;
  const core::NamedField* f = core::text_fields_for(core::signed_card_type(text), n);
  for (size_t i = 0; i < n; ++i)
    want[f[i].name] = bytes_of(text + f[i].field.offset, f[i].field.size);
  want["photo"] = bytes_of(img.photo.data(), img.photo.size());
  if (!img.fingerprint.empty()) {
    std::vector<uint8_t> fp = img.fingerprint;
    fp.resize(card::kFingerprintSize, 0);
    // One template: the second half of the file is zero and the reader sends 512 bytes.
    if (all_zero(fp, card::kFingerprintTemplateSize)) fp.resize(card::kFingerprintTemplateSize);
    want["fingerprint"] = fp;
  }
  size_t kept = 0;
  for (const auto& entry : img.addresses) {
    if (std::all_of(entry.begin(), entry.end(), [](uint8_t x) { return x == 0; })) continue;
    want[core::address_field_name(kept++)] = bytes_of(entry.data(), entry.size());
  }
  return want;
}

}  // namespace

// --- the host link in memory -----------------------------------------------------------

Status PipeHostLink::read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) {
  got = 0;
  if (through != nullptr) return through->read(buf, max, got, timeout_us);
  while (got < max && !to_reader.empty()) {
    buf[got++] = to_reader.front();
    to_reader.pop_front();
  }
  if (record_in != nullptr) record_in->insert(record_in->end(), buf, buf + got);
  if (got > 0) return Status::Ok;
  // The host writes only between the firmware's steps: nothing comes during this wait.
  if (wait_us) wait_us(timeout_us);
  return Status::Timeout;
}

Status PipeHostLink::write(const uint8_t* data, size_t len) {
  if (powered && !powered()) return Status::Ok;  // a dead MCU sends nothing
  if (through != nullptr) return through->write(data, len);
  to_host.insert(to_host.end(), data, data + len);
  if (record_out != nullptr) record_out->insert(record_out->end(), data, data + len);
  return Status::Ok;
}

// The host library's transport: a read waits by running the firmware, in virtual time.
class SimTransport final : public Transport {
 public:
  explicit SimTransport(FaultRig& rig) : rig_(rig) {}
  Result<void> write(const uint8_t* data, size_t len) override {
    rig_.host_.to_reader.insert(rig_.host_.to_reader.end(), data, data + len);
    rig_.note_command();
    return {};
  }
  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) override {
    const sim::Time until = rig_.sim_->now() + static_cast<sim::Time>(timeout.count()) *
                                                   static_cast<sim::Time>(kNsPerMs);
    while (rig_.host_.to_host.empty()) {
      if (rig_.sim_->now() >= until) {
        rig_.note_timeout();
        return Error::Timeout;
      }
      rig_.step();
    }
    size_t n = 0;
    while (n < max && !rig_.host_.to_host.empty()) {
      buf[n++] = rig_.host_.to_host.front();
      rig_.host_.to_host.pop_front();
    }
    return n;
  }
  void discard_input() override { rig_.host_.to_host.clear(); }
  void cancel() override {}
  void reset_cancel() override {}
  [[nodiscard]] std::string describe() const override { return "fault-rig"; }

 private:
  FaultRig& rig_;
};

// --- the rig -----------------------------------------------------------------------------

FaultRig::FaultRig(const sim::Scenario& scenario, FieldFactory field) : scenario_(scenario) {
  sim_ = std::make_unique<sim::Simulator>(
      sim::Simulator::Config{scenario_.timing, scenario_.seed},
      [this, field](const sim::Simulator::Context& ctx) {
        auto f = field ? field(scenario_, ctx.queue, ctx.accounts, ctx.timing)
                       : sim::build_field(scenario_, ctx.queue, ctx.accounts, ctx.timing);
        return sim::make_model_peripherals(
            ctx.queue, ctx.accounts, std::move(f),
            sim::build_sam(scenario_, ctx.queue, ctx.accounts, ctx.timing),
            sim::build_flash(scenario_), &hw_);
      });
  link_ = std::make_unique<board::InProcessSimLink>(
      [this](const uint8_t* m, size_t n, uint8_t* o, size_t c) {
        return sim_->handle(m, n, o, c);
      });
  hb_ = std::make_unique<board::HostBoard>(*link_, host_);
  host_.wait_us = [this](uint32_t us) { hb_->board().clock.delay_us(us); };
  host_.powered = [this] { return mcu_powered(); };
  for (const auto& c : scenario_.cards) {
    const sim::CardImage img = sim::make_card_image(c.spec);
    cards_[bytes_of(img.uid.data(), img.uid.size())] = img;
  }
}

FaultRig::~FaultRig() = default;

bool FaultRig::mcu_powered() const {
  return hw_->flash->powered();
}

void FaultRig::boot(const std::function<void(sim::FlashModel&)>& before_boot) {
  if (before_boot) before_boot(*hw_->flash);
  if (hb_->start() != Status::Ok) throw std::runtime_error("host board: simulator hello failed");
  app_ = std::make_unique<core::ReaderApp>(hb_->board());
  if (app_->init() != Status::Ok) throw std::runtime_error("reader init failed");
  reader_ = std::make_unique<Reader>(Reader::over(std::make_unique<SimTransport>(*this)));
}

void FaultRig::provision() {
  std::string why;
  auto made = ca::CaDirectory::create(dir_.path + "/ca", "idr faults CA", kNow, 2, &why);
  if (!made) throw std::runtime_error("test CA: " + why);
  ca_ = std::make_unique<ca::CaDirectory>(std::move(made).value());
  if (!ca::provision_reader(*reader_, *ca_, kNow, 1, &why))
    throw std::runtime_error("provisioning: " + why);
  if (!trust_.add_root_der(ca_->root_der(), &why)) throw std::runtime_error("root: " + why);
  if (!trust_.load_revoked_text("", "no revocations", &why))
    throw std::runtime_error("revocation list: " + why);
  auto store = CounterStore::open(dir_.path + "/counters.db", &why);
  if (!store) throw std::runtime_error("counter store: " + why);
  counters_ = std::make_unique<CounterStore>(std::move(store).value());
}

void FaultRig::step() {
  if (mcu_powered()) {
    app_->run_once();
  } else {
    hb_->board().clock.delay_us(core::ReaderApp::kServeWaitUs);
  }
}

void FaultRig::present_cards(size_t count) {
  hal::Clock& clock = hb_->board().clock;
  for (size_t i = 0; i < hw_->field->card_count(); ++i) hw_->field->card_leaves(i, sim_->now());
  clock.delay_us(20'000);
  for (size_t i = 0; i < hw_->field->card_count() && i < count; ++i)
    hw_->field->card_arrives(i, sim_->now() + 1);
  clock.delay_us(30'000);
}

void FaultRig::power_cycle() {
  hw_->flash->power_on();
  host_.to_reader.clear();  // what the dead MCU's UART had received is gone
  app_.reset();
  app_ = std::make_unique<core::ReaderApp>(hb_->board());
  (void)app_->init();  // retried by run_once when it fails
}

AttemptResult FaultRig::attempt(size_t cards) {
  present_cards(cards);
  AttemptResult r;
  commands_ = 0;
  timed_out_ = false;
  const sim::Time t0 = sim_->now();
  ReadNonce nonce{};
  ++nonce_seed_;
  for (size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<uint8_t>(nonce_seed_ * 29 + i);

  bool found = false;
  std::optional<Error> error;
  for (int poll = 0; poll < 4 && !found && !error; ++poll) {
    const Result<bool> f = reader_->find_card();
    if (!f) {
      error = f.error();
    } else {
      found = *f;
    }
  }
  if (found) {
    const Result<Bytes> rec = reader_->read_signed(nonce, kAll);
    if (rec) {
      r.outcome = classify(*rec, nonce, r.detail);
    } else {
      error = rec.error();
    }
  }
  if (!found || error) {
    r.outcome = ReadOutcome::CleanError;
    r.detail = error ? message(*error) : "no card found";
  }
  r.virtual_ns = sim_->now() - t0;
  r.commands = commands_;
  r.host_timed_out = timed_out_;
  return r;
}

ReadOutcome FaultRig::classify(const Bytes& file, const ReadNonce& nonce, std::string& detail) {
  VerifyOptions o;
  o.trust = &trust_;
  o.counters = counters_.get();
  o.nonce = nonce;
  o.now = kNow;
  const VerifiedRecord v = verify_record(file, o);
  const SignedRecord* rec = v.record();
  bool signature_ok = false;
  for (const auto& res : v.verdict().results()) {
    if (res.check == Check::Signature && res.outcome == CheckStatus::Succeeded) signature_ok = true;
    if (detail.empty() && res.required && res.outcome != CheckStatus::Succeeded)
      detail = std::string(to_string(res.check)) + ": " + res.message;
  }
  // Every record the reader's key signed counts, verified or not (DESIGN 5: the counter
  // never repeats or goes back), independently of the host's counter store.
  if (rec != nullptr && signature_ok) {
    if (rec->payload.counter <= max_counter_) {
      detail = "signed counter " + std::to_string(rec->payload.counter) + " after " +
               std::to_string(max_counter_);
      return ReadOutcome::CounterFault;
    }
    max_counter_ = rec->payload.counter;
  }
  if (!v.verified()) return ReadOutcome::CleanError;

  const auto card = cards_.find(bytes_of(rec->payload.uid.data(), rec->payload.uid.size()));
  if (card == cards_.end()) {
    detail = "verified record names a UID no card has";
    return ReadOutcome::WrongData;
  }
  auto want = expected_fields(card->second);
  for (const Disclosure& d : rec->disclosures) {
    const auto w = want.find(d.field);
    if (w == want.end() || w->second != d.value) {
      detail = "verified field " + d.field + " differs from the card's";
      return ReadOutcome::WrongData;
    }
    want.erase(w);
  }
  if (!want.empty()) {
    detail = "verified record lacks the card's field " + want.begin()->first;
    return ReadOutcome::WrongData;
  }
  detail = "verified, counter " + std::to_string(rec->payload.counter);
  return ReadOutcome::Recovered;
}

// --- tallies -----------------------------------------------------------------------------

void ClassTally::add(const AttemptResult& r) {
  ++points;
  switch (r.outcome) {
    case ReadOutcome::CleanError:
      ++clean_error;
      break;
    case ReadOutcome::Recovered:
      ++recovered;
      break;
    case ReadOutcome::WrongData:
      ++wrong_data;
      break;
    case ReadOutcome::CounterFault:
      ++counter_fault;
      break;
  }
  if (r.host_timed_out) ++host_timeouts;
  max_virtual_ms = std::max<uint64_t>(max_virtual_ms, r.virtual_ns / kNsPerMs);
}

std::string ClassTally::line() const {
  std::ostringstream s;
  s << name << ": points " << points << ", clean error " << clean_error << ", recovered read "
    << recovered << ", wrong data signed " << wrong_data << ", counter lost or repeated "
    << counter_fault << " (host timeouts " << host_timeouts << ", longest read " << max_virtual_ms
    << " ms virtual, failed reads after the fault " << later_reads_failed << ")";
  return s.str();
}

sim::Scenario scenario(const std::string& name) {
  return sim::load_scenario(std::string(IDR_SOURCE_DIR) + "/hw-sim/scenarios/" + name + ".json");
}

std::unique_ptr<FaultRig> provisioned(const sim::Scenario& s, FieldFactory field,
                                      const std::function<void(sim::FlashModel&)>& before_boot) {
  auto rig = std::make_unique<FaultRig>(s, std::move(field));
  rig->boot(before_boot);
  rig->provision();
  return rig;
}

}  // namespace idr::faults
