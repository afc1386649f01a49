// GB/T 2260 region table: parsed once from the TSV compiled into the library.
#include <algorithm>
#include <charconv>

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

}  // namespace

Result<RegionTable> RegionTable::parse(std::string_view tsv, std::string* why) {
  RegionTable t;
  size_t line_no = 0;
  while (!tsv.empty()) {
    const size_t nl = tsv.find('\n');
    std::string_view line = tsv.substr(0, nl);
    tsv = nl == std::string_view::npos ? std::string_view{} : tsv.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    uint32_t code = 0;
    if (t2 == std::string_view::npos || !six_digits(line.substr(0, t1), &code)) {
      if (why)
        *why =
            "region table line " + std::to_string(line_no) + ": expected CODE<TAB>LEVEL<TAB>NAME";
      return Error::InvalidArgument;
    }
    t.codes_.emplace_back(code, std::string(line.substr(t2 + 1)));
  }
  std::sort(t.codes_.begin(), t.codes_.end());
  return t;
}

const RegionTable& RegionTable::builtin() {
  static const RegionTable table = [] {
    auto r = parse(detail::kGbt2260Tsv);
    return r ? std::move(r).value() : RegionTable{};
  }();
  return table;
}

RegionMatch RegionTable::match(std::string_view s) const {
  uint32_t code = 0;
  if (!six_digits(s, &code)) return RegionMatch::UnknownProvince;
  auto has = [this](uint32_t c) {
    return std::binary_search(codes_.begin(), codes_.end(), std::pair<uint32_t, std::string>{c, {}},
                              [](const auto& a, const auto& b) { return a.first < b.first; });
  };
  if (has(code / 100 * 100)) return RegionMatch::Prefecture;
  if (has(code / 10000 * 10000)) return RegionMatch::ProvinceOnly;
  return RegionMatch::UnknownProvince;
}

std::string RegionTable::name_of(std::string_view s) const {
  uint32_t code = 0;
  if (!six_digits(s, &code)) return {};
  auto find = [this](uint32_t c) -> const std::string* {
    auto it = std::lower_bound(codes_.begin(), codes_.end(), c,
                               [](const auto& a, uint32_t v) { return a.first < v; });
    return it != codes_.end() && it->first == c ? &it->second : nullptr;
  };
  const std::string* prov = find(code / 10000 * 10000);
  const std::string* pref = find(code / 100 * 100);
  std::string out = prov ? *prov : std::string{};
  if (pref && code % 10000 != 0) out += *pref;
  return out;
}

}  // namespace idr
