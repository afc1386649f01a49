// GB/T 2260 region table (DESIGN 7): parsed once from the TSV compiled into the library.
#include <algorithm>
#include <cstdint>

#include "idr/checks.h"

namespace idr {
namespace detail {
extern const std::string_view kGbt2260Tsv;
}

namespace {

bool six_digits(std::string_view s, uint32_t* out) {
  if (s.size() != 6) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  *out = v;
  return true;
}

bool known_level(std::string_view l) {
  return l.size() == 1 && std::string_view("PCUDJ").find(l[0]) != std::string_view::npos;
}

// Splits off the next tab-separated field; false when there is no tab.
bool next_field(std::string_view* rest, std::string_view* field) {
  const size_t t = rest->find('\t');
  if (t == std::string_view::npos) return false;
  *field = rest->substr(0, t);
  rest->remove_prefix(t + 1);
  return true;
}

}  // namespace

bool RegionEntry::retired() const {
  constexpr std::string_view kCurrent = "-current";
  return span.size() < kCurrent.size() ||
         span.compare(span.size() - kCurrent.size(), kCurrent.size(), kCurrent) != 0;
}

Result<RegionTable> RegionTable::parse(std::string_view tsv, std::string* why) {
  RegionTable t;
  size_t line_no = 0;
  auto fail = [&](const char* what) {
    if (why) *why = "region table line " + std::to_string(line_no) + ": " + what;
    return Error::InvalidArgument;
  };
  while (!tsv.empty()) {
    const size_t nl = tsv.find('\n');
    std::string_view line = tsv.substr(0, nl);
    tsv = nl == std::string_view::npos ? std::string_view{} : tsv.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::string_view code_s, level, span;
    RegionEntry e;
    if (!next_field(&line, &code_s) || !next_field(&line, &level) || !next_field(&line, &span) ||
        !six_digits(code_s, &e.code) || !known_level(level) || span.empty() || line.empty() ||
        line.find('\t') != std::string_view::npos)
      return fail("expected CODE<TAB>LEVEL(P|C|U|D|J)<TAB>SPAN<TAB>NAME");
    e.level = level[0];
    e.span = std::string(span);
    e.name = std::string(line);
    t.entries_.push_back(std::move(e));
  }
  std::sort(t.entries_.begin(), t.entries_.end(),
            [](const RegionEntry& a, const RegionEntry& b) { return a.code < b.code; });
  const auto dup = std::adjacent_find(
      t.entries_.begin(), t.entries_.end(),
      [](const RegionEntry& a, const RegionEntry& b) { return a.code == b.code; });
  if (dup != t.entries_.end()) {
    if (why) *why = "region table: code " + std::to_string(dup->code) + " listed twice";
    return Error::InvalidArgument;
  }
  return t;
}

const RegionTable& RegionTable::builtin() {
  static const RegionTable table = [] {
    auto r = parse(detail::kGbt2260Tsv);
    return r ? std::move(r).value() : RegionTable{};
  }();
  return table;
}

const RegionEntry* RegionTable::find(uint32_t code) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), code,
                             [](const RegionEntry& a, uint32_t v) { return a.code < v; });
  return it != entries_.end() && it->code == code ? &*it : nullptr;
}

const RegionEntry* RegionTable::find(std::string_view s) const {
  uint32_t code = 0;
  return six_digits(s, &code) ? find(code) : nullptr;
}

RegionMatch RegionTable::match(std::string_view s) const {
  uint32_t code = 0;
  if (!six_digits(s, &code)) return RegionMatch::UnknownProvince;
  if (const RegionEntry* e = find(code)) {
    switch (e->level) {
      case 'D':
      case 'U':
        return RegionMatch::County;
      case 'J':
        return RegionMatch::Permit;
      default:
        return RegionMatch::NotCounty;
    }
  }
  return find(code / 10000 * 10000) ? RegionMatch::UnknownCounty : RegionMatch::UnknownProvince;
}

std::string RegionTable::name_of(std::string_view s) const {
  uint32_t code = 0;
  if (!six_digits(s, &code)) return {};
  std::string out;
  uint32_t last = UINT32_MAX;
  for (uint32_t c : {code / 10000 * 10000, code / 100 * 100, code}) {
    if (c == last) continue;  // a province or prefecture code names itself once
    last = c;
    if (const RegionEntry* e = find(c)) out += e->name;
  }
  return out;
}

}  // namespace idr
