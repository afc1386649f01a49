#include "feed.h"

#include <ctime>

#include "idr/photo.h"
#include "output.h"

namespace idr::tool::serve {

namespace {

// UTC, ISO 8601, for the page's "read at".
std::string now_text() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The photo as PNG, when the card has one that decodes (the simulator's open codec; a WLT
// photo needs a vendor decoder `idr serve` does not load: no photo then).
std::vector<uint8_t> photo_png(const CardData& card) {
  if (card.photo.empty()) return {};
  const Result<Image> image = decode_photo(card.photo.data(), card.photo.size());
  if (!image) return {};
  return encode_png(*image);
}

}  // namespace

const char* to_string(ReaderState s) noexcept {
  switch (s) {
    case ReaderState::Connecting:
      return "connecting";
    case ReaderState::Waiting:
      return "waiting";
    case ReaderState::Reading:
      return "reading";
    case ReaderState::Error:
      return "error";
  }
  return "error";
}

nlohmann::json presentation_json(const Presentation& p, uint64_t id, const std::string& time,
                                 bool has_photo) {
  nlohmann::json j{{"id", id}, {"time", time}};
  if (!p) {
    j["error"] = message(p.error());
    return j;
  }
  const Decision& d = *p;
  j["accepted"] = d.accepted();
  j["verified"] = d.verified();
  nlohmann::json verdicts = nlohmann::json::array();
  for (const Verdict& v : d.verdicts())
    verdicts.push_back({{"name", v.name},
                        {"status", to_string(v.status)},
                        {"reason", v.reason},
                        {"message", v.message},
                        {"field", v.field},
                        {"required", v.required}});
  j["verdicts"] = std::move(verdicts);
  nlohmann::json reasons = nlohmann::json::array();
  for (const Verdict* r : d.reasons()) reasons.push_back(r->name);
  j["reasons"] = std::move(reasons);
  if (const CardData* card = d.card()) {  // only a verified record has one
    nlohmann::json c = card_json(*card);
    // The page needs the text fields; the raw bytes stay out of the browser.
    c.erase("photo");
    c.erase("fingerprint");
    c.erase("text_raw_hex");
    j["card"] = std::move(c);
    j["reader"] = {{"serial", d.reader_serial()}, {"counter", d.counter()}};
    if (has_photo) j["photo"] = "/api/photo/" + std::to_string(id);
  }
  return j;
}

Feed::Feed(size_t keep_last, unsigned clear_after_seconds)
    : keep_last_(keep_last == 0 ? 1 : keep_last), clear_after_(clear_after_seconds) {}

void Feed::set_state(ReaderState s, const std::string& detail) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ == s && detail_ == detail) return;
    state_ = s;
    detail_ = detail;
    ++seq_;
  }
  changed_.notify_all();
}

void Feed::set_reader_uri(const std::string& uri) {
  std::lock_guard<std::mutex> lock(mutex_);
  uri_ = uri;
}

void Feed::publish(const Presentation& p) {
  // Decoded outside the lock; only a verified record's photo is ever decoded.
  std::vector<uint8_t> png;
  if (p && p->card()) png = photo_png(*p->card());
  const std::string time = now_text();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t id = next_id_++;
    entries_.push_back({presentation_json(p, id, time, !png.empty()), std::move(png)});
    while (entries_.size() > keep_last_) entries_.pop_front();
    ++seq_;
  }
  changed_.notify_all();
}

nlohmann::json Feed::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json list = nlohmann::json::array();
  for (const Entry& e : entries_) list.push_back(e.json);
  return {{"seq", seq_},
          {"reader", {{"uri", uri_}, {"state", to_string(state_)}, {"detail", detail_}}},
          {"page", {{"clear_after", clear_after_}}},
          {"presentations", std::move(list)}};
}

std::optional<std::vector<uint8_t>> Feed::photo(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Entry& e : entries_)
    if (e.json.value("id", uint64_t{0}) == id && !e.png.empty()) return e.png;
  return std::nullopt;
}

uint64_t Feed::wait_for_change(uint64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || seq_ != seq; });
  return seq_;
}

uint64_t Feed::seq() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seq_;
}

void Feed::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

bool Feed::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

}  // namespace idr::tool::serve
