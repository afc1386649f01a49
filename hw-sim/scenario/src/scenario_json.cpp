// Scenario JSON -> Scenario. Every error names the offending field by its JSON path.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "idr/sim/scenario.h"

namespace idr::sim {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

std::string type_name(const json& j) {
  return j.type_name();
}

void only_keys(const json& obj, const std::string& path, const std::set<std::string>& allowed) {
  if (!obj.is_object()) fail(path, std::string("expected an object, got ") + type_name(obj));
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (allowed.count(it.key()) == 0)
      fail(path.empty() ? it.key() : path + "." + it.key(), "unknown key");
  }
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string get_string(const json& j, const std::string& path) {
  if (!j.is_string()) fail(path, std::string("expected a string, got ") + type_name(j));
  return j.get<std::string>();
}

double get_number(const json& j, const std::string& path, double lo, double hi) {
  if (!j.is_number()) fail(path, std::string("expected a number, got ") + type_name(j));
  const double v = j.get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    std::ostringstream m;
    m << "value " << v << " out of range [" << lo << ", " << hi << "]";
    fail(path, m.str());
  }
  return v;
}

uint64_t get_uint(const json& j, const std::string& path, uint64_t lo, uint64_t hi) {
  if (!j.is_number_integer() ||
      (j.is_number_integer() && !j.is_number_unsigned() && j.get<int64_t>() < 0))
    fail(path, std::string("expected a non-negative integer, got ") +
                   (j.is_number() ? "a negative or fractional number" : type_name(j)));
  const uint64_t v = j.get<uint64_t>();
  if (v < lo || v > hi)
    fail(path, "value " + std::to_string(v) + " out of range [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
  return v;
}

// Durations in the JSON are (possibly fractional) micro- or milliseconds.
Time get_duration(const json& j, const std::string& path, Time unit) {
  const double v = get_number(j, path, 0.0, 1e15 / static_cast<double>(unit));
  return static_cast<Time>(std::llround(v * static_cast<double>(unit)));
}

std::vector<uint8_t> get_hex(const json& j, const std::string& path, size_t bytes) {
  const std::string s = get_string(j, path);
  std::string digits;
  for (char c : s) {
    if (c == ' ' || c == ':') continue;
    digits.push_back(c);
  }
  if (digits.size() != 2 * bytes)
    fail(path, "expected " + std::to_string(bytes) + " bytes of hex, got " +
                   std::to_string(digits.size()) + " hex digits");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < digits.size(); i += 2) {
    auto nib = [&](char c) -> uint8_t {
      if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
      if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
      if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
      fail(path, std::string("'") + c + "' is not a hex digit");
    };
    out.push_back(static_cast<uint8_t>((nib(digits[i]) << 4) | nib(digits[i + 1])));
  }
  return out;
}

// Files a scenario names are size-checked before reading (DESIGN 11): a card's photo or
// fingerprint is a few KiB, a scenario a few hundred.
constexpr std::uintmax_t kMaxCardFile = 64 * 1024;
constexpr std::uintmax_t kMaxScenarioFile = 4 * 1024 * 1024;

// Empty when `file` is a regular file of at most `max` bytes, else why not.
std::string oversize(const std::string& file, std::uintmax_t max) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return "'" + file + "' is not a regular file";
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec || size > max) return "'" + file + "' is larger than " + std::to_string(max) + " bytes";
  return {};
}

std::vector<uint8_t> read_file_bytes(const std::string& base_dir, const std::string& rel,
                                     const std::string& path) {
  const std::string full = (!rel.empty() && rel[0] == '/') ? rel : base_dir + "/" + rel;
  if (std::ifstream probe(full); !probe) fail(path, "cannot open file '" + full + "'");
  if (const std::string why = oversize(full, kMaxCardFile); !why.empty()) fail(path, why);
  std::ifstream f(full, std::ios::binary);
  if (!f) fail(path, "cannot open file '" + full + "'");
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

void parse_timing(const json& j, const std::string& path, TimingParams& t) {
  only_keys(j, path,
            {"card_turnaround_us", "card_per_response_byte_us", "card_auth_total_us", "card_fwi",
             "sam_per_operation_us", "sam_per_byte_us", "sam_baud", "spi_hz", "host_link_bps",
             "mcu_hz", "cycles_per_instruction"});
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const std::string p = join(path, k);
    if (k == "card_turnaround_us") t.card_turnaround = get_duration(*it, p, kUs);
    if (k == "card_per_response_byte_us") t.card_per_response_byte = get_duration(*it, p, kUs);
    if (k == "card_auth_total_us") t.card_auth_total = get_duration(*it, p, kUs);
    if (k == "card_fwi") t.card_fwi = static_cast<uint8_t>(get_uint(*it, p, 0, 14));  // 15 is RFU
    if (k == "sam_per_operation_us") t.sam_per_operation = get_duration(*it, p, kUs);
    if (k == "sam_per_byte_us") t.sam_per_byte = get_duration(*it, p, kUs);
    if (k == "sam_baud") t.sam_baud = static_cast<uint32_t>(get_uint(*it, p, 1200, 4'000'000));
    if (k == "spi_hz") t.spi_hz = get_uint(*it, p, 1, 1'000'000'000);
    if (k == "host_link_bps") t.host_link_bps = get_uint(*it, p, 1, 10'000'000'000ull);
    if (k == "mcu_hz") t.mcu_hz = get_uint(*it, p, 1, 10'000'000'000ull);
    if (k == "cycles_per_instruction") t.cycles_per_instruction = get_number(*it, p, 0.01, 100.0);
  }
}

LinkFaults parse_faults(const json& j, const std::string& path) {
  only_keys(j, path, {"bit_error_rate", "frame_loss_rate"});
  LinkFaults f;
  if (j.contains("bit_error_rate"))
    f.bit_error_rate = get_number(j["bit_error_rate"], join(path, "bit_error_rate"), 0, 1);
  if (j.contains("frame_loss_rate"))
    f.frame_loss_rate = get_number(j["frame_loss_rate"], join(path, "frame_loss_rate"), 0, 1);
  return f;
}

std::vector<FrameFault> parse_frame_faults(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, std::string("expected an array, got ") + type_name(j));
  std::vector<FrameFault> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    only_keys(j[i], p, {"frame", "kind", "direction", "bit"});
    FrameFault f;
    if (!j[i].contains("frame")) fail(join(p, "frame"), "missing");
    f.frame = get_uint(j[i]["frame"], join(p, "frame"), 1, UINT64_MAX);
    const std::string kind = j[i].contains("kind") ? get_string(j[i]["kind"], join(p, "kind")) : "";
    if (kind == "tear") {
      f.kind = FrameFaultKind::Tear;
    } else if (kind == "bit_error") {
      f.kind = FrameFaultKind::BitError;
    } else if (kind == "crc_error") {
      f.kind = FrameFaultKind::CrcError;
    } else {
      fail(join(p, "kind"), "expected tear, bit_error or crc_error");
    }
    const std::string dir =
        j[i].contains("direction") ? get_string(j[i]["direction"], join(p, "direction")) : "";
    if (dir == "command") {
      f.direction = FrameDirection::Command;
    } else if (dir == "answer") {
      f.direction = FrameDirection::Answer;
    } else {
      fail(join(p, "direction"), "expected command or answer");
    }
    if (j[i].contains("bit"))
      f.bit = static_cast<uint32_t>(get_uint(j[i]["bit"], join(p, "bit"), 0, UINT32_MAX));
    out.push_back(f);
  }
  return out;
}

std::vector<SamFault> parse_sam_faults(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, std::string("expected an array, got ") + type_name(j));
  std::vector<SamFault> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    only_keys(j[i], p, {"frame", "kind"});
    SamFault f;
    if (!j[i].contains("frame")) fail(join(p, "frame"), "missing");
    f.frame = get_uint(j[i]["frame"], join(p, "frame"), 1, UINT64_MAX);
    const std::string kind = j[i].contains("kind") ? get_string(j[i]["kind"], join(p, "kind")) : "";
    if (kind == "no_reply") {
      f.kind = SamFaultKind::NoReply;
    } else if (kind == "late_reply") {
      f.kind = SamFaultKind::LateReply;
    } else if (kind == "garbage") {
      f.kind = SamFaultKind::Garbage;
    } else if (kind == "garbled") {
      f.kind = SamFaultKind::Garbled;
    } else if (kind == "wrong_mac") {
      f.kind = SamFaultKind::WrongMac;
    } else {
      fail(join(p, "kind"), "expected no_reply, late_reply, garbage, garbled or wrong_mac");
    }
    out.push_back(f);
  }
  return out;
}

CardType parse_card_type(const json& j, const std::string& path) {
  const std::string s = get_string(j, path);
  if (s == "resident" || s == " ") return CardType::Resident;
  if (s == "J") return CardType::PermitJ;
  if (s == "I") return CardType::ForeignI;
  if (s == "Y") return CardType::ForeignY;
  fail(path, "unknown card type '" + s + "' (resident, J, I or Y)");
}

std::vector<PresenceInterval> parse_timeline(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, std::string("expected an array, got ") + type_name(j));
  std::vector<PresenceInterval> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    only_keys(j[i], p, {"arrive_ms", "remove_ms"});
    PresenceInterval iv;
    if (j[i].contains("arrive_ms"))
      iv.arrive = get_duration(j[i]["arrive_ms"], join(p, "arrive_ms"), kMs);
    if (j[i].contains("remove_ms")) {
      iv.remove = get_duration(j[i]["remove_ms"], join(p, "remove_ms"), kMs);
      if (*iv.remove <= iv.arrive) fail(join(p, "remove_ms"), "must be later than arrive_ms");
    }
    if (!out.empty() && (!out.back().remove || *out.back().remove > iv.arrive))
      fail(join(p, "arrive_ms"),
           "overlaps the previous interval (intervals must be in time order)");
    out.push_back(iv);
  }
  return out;
}

ScenarioCard parse_card(const json& j, const std::string& path, const std::string& base_dir,
                        size_t index) {
  only_keys(j, path,
            {"label", "type", "uid", "text", "photo", "fingerprint", "addresses", "timeline",
             "faults", "issuer_key"});
  ScenarioCard c;
  c.spec.label = j.contains("label") ? get_string(j["label"], join(path, "label"))
                                     : "card" + std::to_string(index);
  if (j.contains("type")) c.spec.type = parse_card_type(j["type"], join(path, "type"));
  if (j.contains("uid")) {
    const auto u = get_hex(j["uid"], join(path, "uid"), card::kUidSize);
    std::array<uint8_t, card::kUidSize> uid{};
    std::copy(u.begin(), u.end(), uid.begin());
    c.spec.uid = uid;
  }
  if (j.contains("text")) {
    const json& t = j["text"];
    const std::string tp = join(path, "text");
    if (!t.is_object()) fail(tp, std::string("expected an object, got ") + type_name(t));
    for (auto it = t.begin(); it != t.end(); ++it)
      c.spec.text[it.key()] = get_string(*it, join(tp, it.key()));
  }
  if (j.contains("photo")) {
    const std::string pp = join(path, "photo");
    only_keys(j["photo"], pp, {"file", "generated"});
    if (j["photo"].contains("file")) {
      c.spec.photo = read_file_bytes(base_dir, get_string(j["photo"]["file"], join(pp, "file")),
                                     join(pp, "file"));
      if (c.spec.photo->size() > card::kPhotoSize)
        fail(join(pp, "file"), std::to_string(c.spec.photo->size()) + " bytes, at most 1024");
    }
  }
  if (j.contains("fingerprint")) {
    const json& f = j["fingerprint"];
    const std::string fp = join(path, "fingerprint");
    if (f.is_object()) {
      only_keys(f, fp, {"file"});
      if (!f.contains("file")) fail(fp, "expected {\"file\": ...} or a size 0, 512 or 1024");
      c.spec.fingerprint =
          read_file_bytes(base_dir, get_string(f["file"], join(fp, "file")), join(fp, "file"));
      const size_t n = c.spec.fingerprint->size();
      if (n != 0 && n != card::kFingerprintTemplateSize && n != card::kFingerprintSize)
        fail(join(fp, "file"), std::to_string(n) + " bytes, must be 0, 512 or 1024");
    } else {
      const uint64_t n = get_uint(f, fp, 0, card::kFingerprintSize);
      if (n != 0 && n != card::kFingerprintTemplateSize && n != card::kFingerprintSize)
        fail(fp, "size " + std::to_string(n) + ", must be 0, 512 or 1024");
      c.spec.fingerprint_size = static_cast<size_t>(n);
    }
  }
  if (j.contains("addresses")) {
    const json& a = j["addresses"];
    const std::string ap = join(path, "addresses");
    if (!a.is_array()) fail(ap, std::string("expected an array, got ") + type_name(a));
    if (a.size() > card::kAddressEntries)
      fail(ap, std::to_string(a.size()) + " entries, at most 4");
    for (size_t i = 0; i < a.size(); ++i)
      c.spec.addresses.push_back(get_string(a[i], ap + "[" + std::to_string(i) + "]"));
  }
  if (j.contains("timeline")) c.timeline = parse_timeline(j["timeline"], join(path, "timeline"));
  if (j.contains("faults")) c.faults = parse_faults(j["faults"], join(path, "faults"));
  if (j.contains("issuer_key")) {
    const auto k = get_hex(j["issuer_key"], join(path, "issuer_key"), 16);
    standin::Key key{};
    std::copy(k.begin(), k.end(), key.begin());
    c.issuer_key = key;
  }
  // Build the image once now so text errors surface with the card's JSON path.
  try {
    (void)make_card_image(c.spec);
  } catch (const std::runtime_error& e) {
    fail(path, e.what());
  }
  return c;
}

}  // namespace

std::array<uint8_t, 16> sam_id_from(uint16_t a, uint16_t b, uint32_t c, uint32_t d, uint32_t e) {
  std::array<uint8_t, 16> id{};
  size_t k = 0;
  auto put = [&](uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) id[k++] = static_cast<uint8_t>(v >> (8 * i));  // little endian
  };
  put(a, 2);
  put(b, 2);
  put(c, 4);
  put(d, 4);
  put(e, 4);
  return id;
}

std::array<uint8_t, 16> default_sam_id() {
  return sam_id_from(5, 1, 20101126, 17612485, 112360513);
}

Scenario parse_scenario(const std::string& json_text, const std::string& base_dir) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number literal beyond a double (e.g. 1e+400).
    throw std::runtime_error(std::string("not valid JSON: ") + e.what());
  }
  only_keys(j, "",
            {"name", "description", "seed", "timing", "keys", "sam", "faults", "flash", "cards"});
  Scenario s;
  s.sam_id = default_sam_id();
  if (!j.contains("name")) fail("name", "missing (every scenario has a name)");
  s.name = get_string(j["name"], "name");
  if (j.contains("description")) s.description = get_string(j["description"], "description");
  if (j.contains("seed")) s.seed = get_uint(j["seed"], "seed", 0, UINT64_MAX);
  if (j.contains("timing")) parse_timing(j["timing"], "timing", s.timing);
  if (j.contains("keys")) {
    only_keys(j["keys"], "keys", {"master", "issuer"});
    if (j["keys"].contains("master")) {
      const auto k = get_hex(j["keys"]["master"], "keys.master", 16);
      std::copy(k.begin(), k.end(), s.keys.master.begin());
    }
    if (j["keys"].contains("issuer")) {
      const auto k = get_hex(j["keys"]["issuer"], "keys.issuer", 16);
      std::copy(k.begin(), k.end(), s.keys.issuer.begin());
    }
  }
  if (j.contains("sam")) {
    only_keys(j["sam"], "sam", {"id", "faults"});
    if (j["sam"].contains("faults"))
      s.sam_faults = parse_sam_faults(j["sam"]["faults"], "sam.faults");
    if (j["sam"].contains("id")) {
      const json& id = j["sam"]["id"];
      if (!id.is_array() || id.size() != 5)
        fail("sam.id", "expected an array of 5 integers [u16, u16, u32, u32, u32]");
      // DESIGN 8: the two u16 are below 100 and the first u32 below 10^8 (a date).
      const auto a = get_uint(id[0], "sam.id[0]", 0, 99);
      const auto b = get_uint(id[1], "sam.id[1]", 0, 99);
      const auto c = get_uint(id[2], "sam.id[2]", 0, 99'999'999);
      const auto d = get_uint(id[3], "sam.id[3]", 0, UINT32_MAX);
      const auto e = get_uint(id[4], "sam.id[4]", 0, UINT32_MAX);
      s.sam_id =
          sam_id_from(static_cast<uint16_t>(a), static_cast<uint16_t>(b), static_cast<uint32_t>(c),
                      static_cast<uint32_t>(d), static_cast<uint32_t>(e));
    }
  }
  if (j.contains("faults")) {
    // Field-wide: the rates, and faults on given frames ("frames").
    json rates = j["faults"];
    if (rates.is_object() && rates.contains("frames")) {
      s.frame_faults = parse_frame_faults(rates["frames"], "faults.frames");
      rates.erase("frames");
    }
    s.field_faults = parse_faults(rates, "faults");
  }
  if (j.contains("flash")) {
    only_keys(j["flash"], "flash", {"page_size", "page_count"});
    if (j["flash"].contains("page_size"))
      s.flash_page_size =
          static_cast<uint32_t>(get_uint(j["flash"]["page_size"], "flash.page_size", 16, 1u << 20));
    if (j["flash"].contains("page_count"))
      s.flash_page_count = static_cast<uint32_t>(
          get_uint(j["flash"]["page_count"], "flash.page_count", 1, 1u << 16));
  }
  if (j.contains("cards")) {
    const json& cards = j["cards"];
    if (!cards.is_array()) fail("cards", std::string("expected an array, got ") + type_name(cards));
    for (size_t i = 0; i < cards.size(); ++i)
      s.cards.push_back(parse_card(cards[i], "cards[" + std::to_string(i) + "]", base_dir, i));
  }
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("scenario '" + path + "': cannot open the file");
  if (const std::string why = oversize(path, kMaxScenarioFile); !why.empty())
    throw std::runtime_error("scenario '" + path + "': " + why);
  std::stringstream text;
  text << f.rdbuf();
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  try {
    return parse_scenario(text.str(), dir);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("scenario '" + path + "': " + e.what());
  }
}

}  // namespace idr::sim
