// Lost/stolen list: build from CSV, lookups, corrupt files refused with the offset, failed
// reloads keep the list in force, delta files, CLI and C API.
#include <unistd.h>

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "idr/blocklist.h"
#include "idr/checks.h"
#include "idr/idr_checks.h"
#include "list_file.h"
#include "list_key.h"

namespace fs = std::filesystem;
using Key = std::pair<std::string, std::string>;

namespace {

// A scratch directory removed at the end of each test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("idr_blocklist_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// Random but well-formed keys: real check digits, birth 1930..2009, issued 2000..2024.
Key random_key(std::mt19937_64& rng) {
  static const char* kRegions[] = {"110105", "310104", "440305", "510107",
                                   "650102", "130102", "429004"};
  char body[18];
  std::snprintf(body, sizeof body, "%s%04d%02d%02d%03d", kRegions[rng() % 7],
                1930 + static_cast<int>(rng() % 80), 1 + static_cast<int>(rng() % 12),
                1 + static_cast<int>(rng() % 28), static_cast<int>(rng() % 1000));
  std::string id(body, 17);
  id += idr::id_check_char(id);
  char from[9];
  std::snprintf(from, sizeof from, "%04d%02d%02d", 2000 + static_cast<int>(rng() % 25),
                1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28));
  return {id, from};
}

std::set<Key> write_csv(const std::string& path, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<Key> keys;
  std::ofstream out(path);
  out << "id_number,valid_from\n";
  while (keys.size() < n) {
    const Key k = random_key(rng);
    if (keys.insert(k).second) out << k.first << "," << k.second << "\n";
  }
  return keys;
}

// A list of n random keys (seed) built into dir / name through a CSV, as `idr blocklist
// build` does; returns the keys.
std::set<Key> build_list(const TempDir& dir, const std::string& name, size_t n, uint64_t seed) {
  const auto keys = write_csv(dir / "list.csv", n, seed);
  std::string why;
  const bool built = static_cast<bool>(idr::build_blocklist(dir / "list.csv", dir / name, &why));
  INFO(why);
  REQUIRE(built);
  return keys;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// contains_many's answers, checked against both block searches: the portable one and the
// AVX-512 one (on a CPU that has it; elsewhere a warning says it was not checked).
std::vector<idr::BlocklistAnswer> answers_all_paths(const idr::Blocklist& list,
                                                    const std::vector<idr::BlocklistQuery>& q) {
  std::vector<idr::BlocklistAnswer> answers(q.size()), other(q.size());
  list.contains_many(q.data(), q.size(), answers.data());
  REQUIRE(idr::BlocklistAccess::contains_many(list, false, q.data(), q.size(), other.data()));
  REQUIRE(other == answers);
  const bool wide =
      idr::BlocklistAccess::contains_many(list, true, q.data(), q.size(), other.data());
  REQUIRE(wide == idr::BlocklistAccess::wide_path_available());
  if (wide) {
    REQUIRE(other == answers);
  } else {
    WARN("this CPU has no AVX-512 (F, BW, VBMI): the wide block search is not checked here");
  }
  return answers;
}

// The list file's block b (0-based) in the file's bytes, and the CRCs made right again after
// a change (payload CRC at offset 40, then the header CRC at 60), so the checks after them run.
uint8_t* block_bytes(std::vector<uint8_t>& file, uint64_t b) {
  return file.data() + idr::blocklist::kHeaderSize + b * idr::blocklist::kBlockBytes;
}
void fix_crcs(std::vector<uint8_t>& file) {
  const uLong payload = crc32(0, file.data() + 64, static_cast<uInt>(file.size() - 64));
  for (int k = 0; k < 4; ++k) file[40 + k] = static_cast<uint8_t>(payload >> (8 * k));
  const uLong header = crc32(0, file.data(), 60);
  for (int k = 0; k < 4; ++k) file[60 + k] = static_cast<uint8_t>(header >> (8 * k));
}

}  // namespace

TEST_CASE("list keys pack and unpack losslessly, the permutation keeps them distinct") {
  std::mt19937_64 rng(7);
  std::set<idr::blocklist::u128> seen;
  for (int i = 0; i < 20000; ++i) {
    const Key k = random_key(rng);
    idr::blocklist::MixedKey m;
    REQUIRE(idr::blocklist::make_key(k.first, k.second, &m));
    CHECK((m.value() >> idr::blocklist::kKeyBits) == 0);
    std::string id, from;
    idr::blocklist::unmake_key(m, &id, &from);
    REQUIRE(id == k.first);
    REQUIRE(from == k.second);
    seen.insert(m.value());
  }
  CHECK(seen.size() > 19990);  // random duplicates aside, distinct keys stay distinct
  idr::blocklist::MixedKey m;
  std::string why;
  CHECK(!idr::blocklist::make_key("11010519491231002x", "20100101", &m, &why));
  CHECK(why.find("'X'") != std::string::npos);
  CHECK(!idr::blocklist::make_key("11010519491231002X", "20100230", &m, &why));
  CHECK(!idr::blocklist::make_key("1101051949123100", "20100101", &m, &why));
  // The extremes of every field pack and unpack (the dense packing's corners).
  for (const auto& [id, from] : std::vector<Key>{{"00000018000101000X", "19000101"},
                                                 {"99999921991231999X", "21551231"},
                                                 {"999999219912319999", "20000229"},
                                                 {"000000180001010000", "21000228"}}) {
    INFO(id << " " << from);
    REQUIRE(idr::blocklist::make_key(id, from, &m, &why));
    std::string back_id, back_from;
    idr::blocklist::unmake_key(m, &back_id, &back_from);
    CHECK(back_id == id);
    CHECK(back_from == from);
  }
}

TEST_CASE("a key with any one byte changed is refused unless that byte keeps it a key") {
  // make_key checks digits eight at a time: every position and every byte value, against
  // the rule per character (17 digits, then a digit or 'X'; the date all digits). Where the
  // dates cannot change (region, order, check character) a byte of the right class gives a
  // key; whatever is accepted packs losslessly.
  const std::string id = "11010519491231002X", from = "20100101";
  for (size_t pos = 0; pos < id.size() + from.size(); ++pos) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string i = id, f = from;
      char& c = pos < id.size() ? i[pos] : f[pos - id.size()];
      c = static_cast<char>(byte);
      const bool digit = byte >= '0' && byte <= '9';
      const bool in_class = digit || (pos == 17 && byte == 'X');
      const bool free_position = pos < 6 || (pos >= 14 && pos < 18);
      idr::blocklist::MixedKey m;
      std::string why;
      const bool ok = idr::blocklist::make_key(i, f, &m, &why);
      INFO("position " << pos << " byte " << byte);
      if (!in_class) CHECK(!ok);
      if (in_class && free_position) CHECK(ok);
      if (ok) {
        std::string back_id, back_from;
        idr::blocklist::unmake_key(m, &back_id, &back_from);
        CHECK(back_id == i);
        CHECK(back_from == f);
      } else {
        CHECK(!why.empty());
      }
    }
  }
}

TEST_CASE("a list built from CSV answers every listed key and no other") {
  TempDir dir;
  const auto keys = write_csv(dir / "list.csv", 50000, 1);
  std::string why;
  std::vector<std::string> phases;
  auto info = idr::build_blocklist(dir / "list.csv", dir / "list.idrbl", &why,
                                   [&](const char* phase, uint64_t, uint64_t) {
                                     if (phases.empty() || phases.back() != phase)
                                       phases.push_back(phase);
                                   });
  INFO(why);
  REQUIRE(info);
  CHECK(info->entries == keys.size());
  CHECK(phases == std::vector<std::string>{"parse", "sort", "write"});
  auto list = idr::Blocklist::open(dir / "list.idrbl", &why);
  REQUIRE(list);
  CHECK(list->size() == keys.size());
  for (const auto& [id, from] : keys) REQUIRE(list->contains(id, from).value());
  std::mt19937_64 rng(99);
  int absent_checked = 0;
  for (int i = 0; i < 50000; ++i) {
    const Key k = random_key(rng);
    if (keys.count(k)) continue;
    ++absent_checked;
    REQUIRE(!list->contains(k.first, k.second).value());
  }
  CHECK(absent_checked > 49000);
  // The replacement card of a listed person (same number, new validity start) is not listed.
  const Key& listed = *keys.begin();
  CHECK(!list->contains(listed.first, "20250101").value());
  CHECK(list->contains("11010519491231002x", "20100101").error() == idr::Error::InvalidArgument);
  // for_each gives back exactly the CSV's keys.
  std::set<Key> walked;
  list->for_each([&](const std::string& id, const std::string& from) {
    walked.insert({id, from});
    return true;
  });
  CHECK(walked == keys);
}

TEST_CASE("crowded blocks spill into the next block and the overflow table, lookups still exact") {
  // 40 keys homed in block 7 and 20 in the last block, with 8 slots a block at this size
  // (README format v2): block 7 fills, spills 8 into block 8, the rest (and the last
  // block's surplus, which has no next block) goes to the overflow table.
  TempDir dir;
  constexpr size_t kTotal = 2000;
  const auto geo = idr::blocklist::geometry_for_entries(kTotal);
  REQUIRE(geo.slots == 8);
  const uint64_t kLast = geo.blocks - 1;
  auto home_of = [&](const Key& k) {
    idr::blocklist::MixedKey m;
    REQUIRE(idr::blocklist::make_key(k.first, k.second, &m));
    return idr::blocklist::place(m, geo).home;
  };
  std::mt19937_64 rng(11);
  std::set<Key> keys, absent_in_crowd;
  size_t in7 = 0, in_last = 0;
  while (in7 < 40 || in_last < 20 || absent_in_crowd.size() < 20) {
    const Key k = random_key(rng);
    const uint64_t home = home_of(k);
    if (home == 7 && in7 < 40 && keys.insert(k).second) {
      ++in7;
    } else if (home == kLast && in_last < 20 && keys.insert(k).second) {
      ++in_last;
    } else if ((home == 7 || home == kLast) && !keys.count(k)) {
      absent_in_crowd.insert(k);
    }
  }
  while (keys.size() < kTotal) {
    const Key k = random_key(rng);
    if (!absent_in_crowd.count(k)) keys.insert(k);
  }
  {
    std::ofstream out(dir / "crowd.csv");
    for (const auto& [id, from] : keys) out << id << "," << from << "\n";
  }
  std::string why;
  auto info = idr::build_blocklist(dir / "crowd.csv", dir / "crowd.idrbl", &why);
  INFO(why);
  REQUIRE(info);
  CHECK(info->blocks == geo.blocks);
  CHECK(info->overflow_entries >= 40 - 2 * 8 + 20 - 8);
  auto list = idr::Blocklist::open(dir / "crowd.idrbl", &why);
  REQUIRE(list);
  CHECK(list->info().overflow_entries == info->overflow_entries);
  std::vector<idr::BlocklistQuery> queries;
  for (const auto& [id, from] : keys) {
    REQUIRE(list->contains(id, from).value());
    queries.push_back({id, from});
  }
  for (const auto& [id, from] : absent_in_crowd) {
    REQUIRE(!list->contains(id, from).value());
    queries.push_back({id, from});
  }
  // The batched path gives the same answers, including for a malformed query.
  queries.push_back({"11010519491231002x", "20100101"});
  const auto answers = answers_all_paths(*list, queries);
  for (size_t i = 0; i < queries.size(); ++i) {
    const auto expected = i < keys.size()          ? idr::BlocklistAnswer::Listed
                          : i + 1 < queries.size() ? idr::BlocklistAnswer::NotListed
                                                   : idr::BlocklistAnswer::Malformed;
    REQUIRE(answers[i] == expected);
  }
  // for_each merges the overflow table back into key order.
  std::set<Key> walked;
  list->for_each([&](const std::string& id, const std::string& from) {
    walked.insert({id, from});
    return true;
  });
  CHECK(walked == keys);
  // A delta through the crowded list: remove two overflowed keys, add two crowd keys.
  std::vector<Key> remove(keys.begin(), keys.end());
  std::vector<Key> drop, add(absent_in_crowd.begin(), std::next(absent_in_crowd.begin(), 2));
  for (const Key& k : remove)
    if (home_of(k) == 7 && drop.size() < 2) drop.push_back(k);
  REQUIRE(idr::write_blocklist_delta(dir / "d.delta", add, drop, &why));
  auto stats =
      idr::apply_blocklist_delta(dir / "crowd.idrbl", dir / "d.delta", dir / "v2.idrbl", &why);
  REQUIRE(stats);
  CHECK(stats->added == 2);
  CHECK(stats->removed == 2);
  auto v2 = idr::Blocklist::open(dir / "v2.idrbl", &why);
  REQUIRE(v2);
  for (const auto& [id, from] : keys) {
    const bool dropped = std::find(drop.begin(), drop.end(), Key{id, from}) != drop.end();
    REQUIRE(v2->contains(id, from).value() == !dropped);
  }
  for (const auto& [id, from] : add) CHECK(v2->contains(id, from).value());
}

TEST_CASE("contains_many answers like contains on a regular list, in any batch size") {
  TempDir dir;
  const auto keys = build_list(dir, "l.idrbl", 20000, 8);
  std::string why;
  for (const bool huge : {false, true}) {
    idr::BlocklistOpenOptions options;
    options.copy_to_huge_pages = huge;
    auto list = idr::Blocklist::open(dir / "l.idrbl", options, &why);
    INFO(why);
    REQUIRE(list);
    std::mt19937_64 rng(5);
    std::vector<Key> probes(keys.begin(), keys.end());
    for (int i = 0; i < 20000; ++i) probes.push_back(random_key(rng));
    std::shuffle(probes.begin(), probes.end(), rng);
    std::vector<idr::BlocklistQuery> queries;
    for (const auto& [id, from] : probes) queries.push_back({id, from});
    // Both block searches answer the whole batch alike.
    (void)answers_all_paths(*list, queries);
    size_t listed = 0;
    for (const size_t batch : {size_t{1}, size_t{7}, size_t{16}, size_t{1000}, queries.size()}) {
      std::vector<idr::BlocklistAnswer> answers(batch);
      for (size_t at = 0; at + batch <= queries.size(); at += batch) {
        list->contains_many(queries.data() + at, batch, answers.data());
        for (size_t i = 0; i < batch; ++i) {
          const bool expected = keys.count(probes[at + i]) != 0;
          REQUIRE(list->contains(probes[at + i].first, probes[at + i].second).value() == expected);
          REQUIRE(answers[i] ==
                  (expected ? idr::BlocklistAnswer::Listed : idr::BlocklistAnswer::NotListed));
          listed += expected ? 1 : 0;
        }
      }
    }
    CHECK(listed >= keys.size());
  }
}

namespace {

// The key rules written out character by character, independently of make_key's SWAR: the
// reference the lookups are compared with.
bool reference_key_ok(const std::string& id, const std::string& from) {
  auto digits = [](const std::string& s, size_t at, size_t n) {
    for (size_t i = at; i < at + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (id.size() != 18 || from.size() != 8 || !digits(id, 0, 17) || !digits(from, 0, 8))
    return false;
  if (id[17] != 'X' && !digits(id, 17, 1)) return false;
  const int y = std::stoi(id.substr(6, 4)), m = std::stoi(id.substr(10, 2)),
            d = std::stoi(id.substr(12, 2));
  if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  const int vy = std::stoi(from.substr(0, 4)), vm = std::stoi(from.substr(4, 2)),
            vd = std::stoi(from.substr(6, 2));
  if (vy < 1900 || vy > 2155 || vm < 1 || vm > 12 || vd < 1) return false;
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = vy % 4 == 0 && (vy % 100 != 0 || vy % 400 == 0);
  return vd <= (vm == 2 && leap ? 29 : kDays[vm - 1]);
}

// A query near a key: one or two bytes changed (to anything, a digit or 'X'), cut, lengthened,
// or a field set to a boundary value (dates around the month ends, leap years, field limits).
Key hostile_variant(const Key& k, std::mt19937_64& rng) {
  Key q = k;
  std::string& s = rng() % 2 ? q.first : q.second;
  static const char* kFroms[] = {"19000228", "19000229", "20000229", "21000229", "20040229",
                                 "20030229", "21551231", "21560101", "18991231", "19000101",
                                 "20100431", "20100430", "20101300", "20100001", "20100132",
                                 "21991231", "21560229", "21990228", "22000101"};
  static const char* kBirths[] = {"17991231", "18000101", "21991231", "22000101",
                                  "19491300", "19490001", "19490132", "19490230"};
  switch (rng() % 7) {
    case 0:
      s[rng() % s.size()] = static_cast<char>(rng() % 256);
      break;
    case 1:
      s[rng() % s.size()] = static_cast<char>('0' + rng() % 10);
      s[rng() % s.size()] = "0123456789X/:"[rng() % 13];
      break;
    case 2:
      s.resize(rng() % s.size());
      break;
    case 3:
      s.push_back(static_cast<char>('0' + rng() % 10));
      break;
    case 4:
      q.second = kFroms[rng() % (sizeof kFroms / sizeof *kFroms)];
      break;
    case 5:
      q.first.replace(6, 8, kBirths[rng() % (sizeof kBirths / sizeof *kBirths)]);
      break;
    default:
      q.first[17] = "0123456789Xx"[rng() % 12];
      break;
  }
  return q;
}

}  // namespace

TEST_CASE(
    "randomized: batched, single, both key packers and a reference set agree on hostile queries") {
  TempDir dir;
  const auto keys = build_list(dir, "l.idrbl", 5000, 21);
  std::string why;
  auto list = idr::Blocklist::open(dir / "l.idrbl", &why);
  INFO(why);
  REQUIRE(list);
  const std::vector<Key> listed(keys.begin(), keys.end());
  std::mt19937_64 rng(99);
  size_t malformed = 0, found = 0;
  [[maybe_unused]] size_t wide_packed = 0, wide_refused = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<Key> probes;
    for (int i = 0; i < 1000; ++i) {
      const Key& k = listed[rng() % listed.size()];
      probes.push_back(i % 3 == 0 ? k : i % 3 == 1 ? hostile_variant(k, rng) : random_key(rng));
    }
    std::vector<idr::BlocklistQuery> queries;
    for (const auto& [id, from] : probes) queries.push_back({id, from});
    std::vector<idr::BlocklistAnswer> answers(queries.size());
    for (size_t at = 0; at < queries.size();) {  // batches of random size
      const size_t n = std::min<size_t>(1 + rng() % 200, queries.size() - at);
      list->contains_many(queries.data() + at, n, answers.data() + at);
      at += n;
    }
    REQUIRE(answers_all_paths(*list, queries) == answers);
    for (size_t i = 0; i < probes.size(); ++i) {
      const auto& [id, from] = probes[i];
      INFO("query '" << id << "' '" << from << "'");
      const bool ok = reference_key_ok(id, from);
      const auto expected = !ok                     ? idr::BlocklistAnswer::Malformed
                            : keys.count(probes[i]) ? idr::BlocklistAnswer::Listed
                                                    : idr::BlocklistAnswer::NotListed;
      REQUIRE(answers[i] == expected);
      const auto single = list->contains(id, from);
      REQUIRE(single.ok() == ok);
      // Both implementations of pack_key (the host's one is in contains): same fault, same key.
      idr::blocklist::MixedKey swar_key;
      const auto swar = idr::blocklist::pack_key_swar(id, from, &swar_key);
      REQUIRE((swar == idr::blocklist::KeyFault::None) == ok);
#if defined(__SSE2__)
      idr::blocklist::MixedKey sse2_key;
      REQUIRE(idr::blocklist::pack_key_sse2(id, from, &sse2_key) == swar);
      if (ok) REQUIRE(sse2_key.value() == swar_key.value());
#endif
      if (ok) REQUIRE(single.value() == (expected == idr::BlocklistAnswer::Listed));
      malformed += ok ? 0 : 1;
      found += expected == idr::BlocklistAnswer::Listed ? 1 : 0;
    }
    // The wide packer, four queries at a time: all four keys, as pack_key_swar packs them,
    // or refused when any is not a key.
#if defined(IDR_BLOCKLIST_WIDE)
    if (idr::blocklist::wide_path_available()) {
      for (size_t i = 0; i + 4 <= queries.size(); i += 4) {
        idr::blocklist::MixedKey wide[4];
        const bool packed = idr::blocklist::pack_keys_wide(queries.data() + i, wide);
        bool all_ok = true;
        for (size_t k = 0; k < 4; ++k) {
          INFO("query '" << probes[i + k].first << "' '" << probes[i + k].second << "'");
          idr::blocklist::MixedKey swar_key;
          const bool ok =
              idr::blocklist::pack_key_swar(queries[i + k].id_number, queries[i + k].valid_from,
                                            &swar_key) == idr::blocklist::KeyFault::None;
          all_ok = all_ok && ok;
          if (packed) REQUIRE(wide[k].value() == swar_key.value());
        }
        REQUIRE(packed == all_ok);
        wide_packed += packed ? 1 : 0;
        wide_refused += packed ? 0 : 1;
      }
    }
#endif
  }
  CHECK(malformed > 4000);  // the variants reach both answers
  CHECK(found > 13000);
#if defined(IDR_BLOCKLIST_WIDE)
  if (idr::blocklist::wide_path_available()) {
    CHECK(wide_packed > 1000);  // quads of keys, and quads with a malformed one
    CHECK(wide_refused > 1000);
  } else {
    WARN("this CPU has no AVX-512: the wide key packer is not checked here");
  }
#endif
}

TEST_CASE("version 1 and 2 list files are refused with a message saying to rebuild them") {
  // Version 2 had this layout with key scheme 1 (another packing and permutation): its keys
  // would land in other blocks, so it must not be read as version 3.
  TempDir dir;
  std::ofstream(dir / "one.csv") << "11010519491231002X,20100101\n";
  std::string why;
  REQUIRE(idr::build_blocklist(dir / "one.csv", dir / "one.idrbl", &why));
  for (const int version : {1, 2}) {
    auto bytes = read_bytes(dir / "one.idrbl");
    bytes[8] =
        static_cast<uint8_t>(version);  // with a correct header CRC: only the version is wrong
    const uint32_t crc = static_cast<uint32_t>(crc32(0, bytes.data(), 60));
    for (int i = 0; i < 4; ++i)
      bytes[60 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (8 * i));
    write_bytes(dir / "old.idrbl", bytes);
    auto r = idr::Blocklist::open(dir / "old.idrbl", &why);
    CHECK(r.error() == idr::Error::InvalidArgument);
    CHECK(why.find("offset 8: unsupported version " + std::to_string(version)) !=
          std::string::npos);
    CHECK(why.find("rebuild") != std::string::npos);
  }
}

TEST_CASE("malformed CSV lines are refused naming the line, nothing is written") {
  TempDir dir;
  std::ofstream(dir / "bad.csv") << "id_number,valid_from\n11010519491231002X,20100101\n\n"
                                    "11010519491231002x,20100101\n";
  std::string why;
  auto r = idr::build_blocklist(dir / "bad.csv", dir / "out.idrbl", &why);
  CHECK(r.error() == idr::Error::InvalidArgument);
  CHECK(why.find("line 4") != std::string::npos);
  CHECK(!fs::exists(dir / "out.idrbl"));
  std::ofstream(dir / "bad2.csv") << "11010519491231002X;20100101\n";
  CHECK(!idr::build_blocklist(dir / "bad2.csv", dir / "out.idrbl", &why));
  CHECK(why.find("line 1") != std::string::npos);
  std::ofstream(dir / "bad3.csv") << "11010519491231002X,20100101\n11010519491231002X,2010013\n";
  CHECK(!idr::build_blocklist(dir / "bad3.csv", dir / "out.idrbl", &why));
  CHECK(why.find("line 2") != std::string::npos);
  CHECK(!idr::build_blocklist(dir / "missing.csv", dir / "out.idrbl", &why));
  CHECK(!fs::exists(dir / "out.idrbl"));
}

TEST_CASE("an empty list is a valid list") {
  TempDir dir;
  std::ofstream(dir / "empty.csv") << "id_number,valid_from\n";
  std::string why;
  REQUIRE(idr::build_blocklist(dir / "empty.csv", dir / "empty.idrbl", &why));
  auto list = idr::Blocklist::open(dir / "empty.idrbl", &why);
  REQUIRE(list);
  CHECK(list->size() == 0);
  CHECK(!list->contains("11010519491231002X", "20100101").value());
}

TEST_CASE(
    "corrupt, truncated, wrong-magic and wrong-checksum files are refused naming the offset") {
  TempDir dir;
  const auto keys = build_list(dir, "good.idrbl", 3000, 2);
  std::string why;
  const auto good = read_bytes(dir / "good.idrbl");
  auto refused = [&](std::vector<uint8_t> bytes, const std::string& needle) {
    write_bytes(dir / "bad.idrbl", bytes);
    std::string reason;
    auto r = idr::Blocklist::open(dir / "bad.idrbl", &reason);
    INFO(reason);
    CHECK(r.error() == idr::Error::InvalidArgument);
    CHECK(reason.find(needle) != std::string::npos);
  };
  auto truncated = good;
  truncated.resize(good.size() - 100);
  refused(truncated, "truncated at offset " + std::to_string(good.size() - 100));
  refused(std::vector<uint8_t>(good.begin(), good.begin() + 20), "truncated at offset 20");
  auto magic = good;
  magic[0] = 'X';
  refused(magic, "offset 0: wrong magic");
  auto payload = good;
  payload[good.size() - 20] ^= 0x01;
  refused(payload, "payload checksum mismatch");
  auto header = good;
  header[16] ^= 0x01;  // entries count, without fixing the header CRC
  refused(header, "offset 60: header checksum mismatch");
  auto longer = good;
  longer.push_back(0);
  refused(longer, "offset " + std::to_string(good.size()) + ": 1 unexpected bytes");
  // A block whose slot 1 repeats slot 0 (a wrong writer; the checksums made right): the
  // slots must strictly increase, or the block searches could disagree.
  const auto geo = idr::blocklist::geometry_for_entries(keys.size());
  uint64_t b = 0;
  auto unordered = good;
  while ((block_bytes(unordered, b)[0] & idr::blocklist::kCountMask) < 2) ++b;
  uint8_t* blk = block_bytes(unordered, b);
  for (uint32_t j = 0; j < geo.slot_bits; ++j) {
    const uint32_t from = idr::blocklist::kBlockHeaderBits + j, to = from + geo.slot_bits;
    const uint8_t bit = (blk[from / 8] >> (from % 8)) & 1;
    blk[to / 8] = static_cast<uint8_t>((blk[to / 8] & ~(1u << (to % 8))) | bit << (to % 8));
  }
  fix_crcs(unordered);
  refused(unordered, "offset " + std::to_string(idr::blocklist::kHeaderSize + b * 64) +
                         ": block slots out of order");
  // A bit set past a block's used slots (its last bit; the checksums made right): the wide
  // block search compares unused slots too, so they must be empty.
  uint64_t partial = 0;
  while ((good[idr::blocklist::kHeaderSize + partial * 64] & idr::blocklist::kCountMask) >=
         geo.slots)
    ++partial;
  auto padded = good;
  block_bytes(padded, partial)[63] |= 0x80;
  fix_crcs(padded);
  refused(padded, "offset " + std::to_string(idr::blocklist::kHeaderSize + partial * 64) +
                      ": bits set past the used slots");
}

TEST_CASE("a failed reload keeps the loaded list answering, also from other threads") {
  TempDir dir;
  const auto keys = build_list(dir, "list.idrbl", 2000, 3);
  std::string why;
  idr::BlocklistHolder holder;
  CHECK(holder.contains("11010519491231002X", "20100101").error() == idr::Error::Unsupported);
  REQUIRE(holder.reload(dir / "list.idrbl", &why));
  const Key probe = *keys.begin();
  REQUIRE(holder.contains(probe.first, probe.second).value());

  auto bytes = read_bytes(dir / "list.idrbl");
  bytes[bytes.size() / 2] ^= 0xFF;
  write_bytes(dir / "corrupt.idrbl", bytes);
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!stop)
        for (const auto& [id, from] : keys)
          if (!holder.contains(id, from).value()) ++wrong;
    });
  for (int i = 0; i < 5; ++i) {
    CHECK(!holder.reload(dir / "corrupt.idrbl", &why));
    CHECK(!holder.reload(dir / "does-not-exist.idrbl", &why));
    REQUIRE(holder.reload(dir / "list.idrbl", &why));  // a good reload swaps cleanly
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(wrong == 0);
  CHECK(holder.contains(probe.first, probe.second).value());
}

TEST_CASE("delta files add and remove entries, a bad delta writes nothing") {
  TempDir dir;
  const auto keys = build_list(dir, "v1.idrbl", 5000, 4);
  std::string why;
  std::mt19937_64 rng(1234);
  std::vector<Key> add, remove;
  while (add.size() < 100) {
    const Key k = random_key(rng);
    if (!keys.count(k)) add.push_back(k);
  }
  auto it = keys.begin();
  for (int i = 0; i < 50; ++i, ++it) remove.push_back(*it);
  add.push_back(*keys.rbegin());                         // already present
  remove.push_back({"11010519491231002X", "20100101"});  // not present
  REQUIRE(idr::write_blocklist_delta(dir / "d.delta", add, remove, &why));
  auto stats =
      idr::apply_blocklist_delta(dir / "v1.idrbl", dir / "d.delta", dir / "v2.idrbl", &why);
  INFO(why);
  REQUIRE(stats);
  CHECK(stats->added == 100);
  CHECK(stats->removed == 50);
  CHECK(stats->already_present == 1);
  CHECK(stats->not_present == 1);
  auto v2 = idr::Blocklist::open(dir / "v2.idrbl", &why);
  REQUIRE(v2);
  CHECK(v2->size() == keys.size() + 50);
  for (size_t i = 0; i < 100; ++i) CHECK(v2->contains(add[i].first, add[i].second).value());
  for (size_t i = 0; i < 50; ++i) CHECK(!v2->contains(remove[i].first, remove[i].second).value());
  for (; it != keys.end(); ++it) REQUIRE(v2->contains(it->first, it->second).value());

  // Tampered delta: checksum mismatch, out file not created, old list untouched.
  auto delta = read_bytes(dir / "d.delta");
  delta[30] = delta[30] == '1' ? '2' : '1';
  write_bytes(dir / "bad.delta", delta);
  const auto v1_before = read_bytes(dir / "v1.idrbl");
  auto bad =
      idr::apply_blocklist_delta(dir / "v1.idrbl", dir / "bad.delta", dir / "v3.idrbl", &why);
  CHECK(!bad);
  CHECK(why.find("checksum mismatch") != std::string::npos);
  CHECK(!fs::exists(dir / "v3.idrbl"));
  // A malformed line with a correct checksum: refused naming the line.
  std::ofstream(dir / "raw.delta")
      << "idr-blocklist-delta 1\n+ 11010519491231002X,20100101\n* junk\n";
  // Recompute the checksum line through the public writer's format by hand: reuse the writer.
  REQUIRE(
      idr::write_blocklist_delta(dir / "ok.delta", {{"11010519491231002X", "20100101"}}, {}, &why));
  auto ok_bytes = read_bytes(dir / "ok.delta");
  CHECK(std::string(ok_bytes.begin(), ok_bytes.end()).find("sha256 ") != std::string::npos);
  CHECK(!idr::apply_blocklist_delta(dir / "v1.idrbl", dir / "raw.delta", dir / "v3.idrbl", &why));
  CHECK(why.find("sha256") != std::string::npos);
  // The old list is corrupt: nothing written either.
  auto corrupt = v1_before;
  corrupt[corrupt.size() - 9] ^= 1;
  write_bytes(dir / "corrupt.idrbl", corrupt);
  CHECK(
      !idr::apply_blocklist_delta(dir / "corrupt.idrbl", dir / "d.delta", dir / "v3.idrbl", &why));
  CHECK(why.find("old list") != std::string::npos);
  CHECK(!fs::exists(dir / "v3.idrbl"));
  CHECK(read_bytes(dir / "v1.idrbl") == v1_before);
}

TEST_CASE("C API: open, contains, failed reload keeps the list") {
  TempDir dir;
  const auto keys = build_list(dir, "l.idrbl", 1000, 6);
  std::string why;
  char err[256] = {};
  idr_blocklist* list = nullptr;
  CHECK(idr_blocklist_open((dir / "list.csv").c_str(), &list, err, sizeof err) ==
        IDR_E_INVALID_ARGUMENT);
  CHECK(std::string(err).find("wrong magic") != std::string::npos);
  REQUIRE(idr_blocklist_open((dir / "l.idrbl").c_str(), &list, err, sizeof err) == IDR_OK);
  CHECK(idr_blocklist_size(list) == 1000);
  int listed = -1;
  REQUIRE(idr_blocklist_contains(list, keys.begin()->first.c_str(), keys.begin()->second.c_str(),
                                 &listed) == IDR_OK);
  CHECK(listed == 1);
  CHECK(idr_blocklist_reload(list, (dir / "list.csv").c_str(), err, sizeof err) ==
        IDR_E_INVALID_ARGUMENT);
  REQUIRE(idr_blocklist_contains(list, keys.begin()->first.c_str(), keys.begin()->second.c_str(),
                                 &listed) == IDR_OK);
  CHECK(listed == 1);
  REQUIRE(idr_blocklist_contains(list, "11010519491231002X", "20100101", &listed) == IDR_OK);
  CHECK(listed == 0);
  CHECK(idr_blocklist_contains(list, "bad", "20100101", &listed) == IDR_E_INVALID_ARGUMENT);
  idr_blocklist_close(list);
}
