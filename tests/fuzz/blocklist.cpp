// Lost/stolen list (hostlib/src/blocklist): open (mapped or copied to huge pages) + lookups
// (one at a time, batched, through a BlocklistHolder) + for_each on list files that a valid
// list patched by the input turned into (header and payload bytes, optionally with the
// payload and header CRCs made right again so the checks after them run too), delta files
// from the input applied to the valid list (optionally with the format line and a correct
// checksum line added, so the line parser runs) and the same bytes built as a list's CSV.
// Batches are answered by both block searches (the portable one and, on a CPU with AVX-512,
// the wide one), which must agree. The query key is packed by both packers of list_key.h
// (the host's and the portable one; the same one without SSE2) and, on a CPU with AVX-512, by
// the wide packer in each of its four lanes, which must agree, and a packed key must unpack to
// the same text. Files live in a per-process temp directory. Library calls fail now and then
// (failure_injection.h).
#include <openssl/sha.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "failure_injection.h"
#include "fuzz_input.h"
#include "idr/blocklist.h"
#include "list_file.h"
#include "list_key.h"
#include "record_fixture.h"

namespace {

namespace fs = std::filesystem;

struct Files {
  fs::path dir;
  std::vector<uint8_t> list;  // the valid list file's bytes
  Files() {
    dir = fs::temp_directory_path() / ("idr-fuzz-blocklist-" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "list.csv") << "id_number,valid_from\n"
                                    << "110105194912310021,20100101\n"
                                    << "440524188001010014,20150301\n"
                                    << "110101199003071233,20160310\n";
    if (!idr::build_blocklist((dir / "list.csv").string(), (dir / "valid.idrbl").string())) abort();
    list = idr::fuzz::read_file((dir / "valid.idrbl").string());
  }
  ~Files() { fs::remove_all(dir); }
  std::string path(const char* name) const { return (dir / name).string(); }
};

void write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// The host's packer (pack_key: SSE2 on x86-64) and the portable one agree on the fault and
// the key (on a host without SSE2 both are the portable one, and this part checks nothing);
// make_key says why it refuses; an accepted key unpacks to the same number and date.
void check_key(const std::string& id, const std::string& from) {
  namespace bl = idr::blocklist;
  bl::MixedKey host, portable;
  const bl::KeyFault fault = bl::pack_key(id, from, &host);
  if (bl::pack_key_swar(id, from, &portable) != fault) abort();
#if defined(IDR_BLOCKLIST_WIDE)
  // The wide packer (where the CPU has it), the key in each of the four lanes among keys.
  if (bl::wide_path_available()) {
    for (size_t lane = 0; lane < 4; ++lane) {
      idr::BlocklistQuery q[4] = {{"110105194912310021", "20100101"},
                                  {"440524188001010014", "20150301"},
                                  {"11010519491231002X", "21551231"},
                                  {"110101199003071233", "20160310"}};
      q[lane] = {id, from};
      bl::MixedKey wide[4], other;
      const bool packed = bl::pack_keys_wide(q, wide);
      if (packed != (fault == bl::KeyFault::None)) abort();
      if (packed && wide[lane].value() != host.value()) abort();
      if (packed && (bl::pack_key_swar(q[(lane + 1) % 4].id_number, q[(lane + 1) % 4].valid_from,
                                       &other) != bl::KeyFault::None ||
                     other.value() != wide[(lane + 1) % 4].value()))
        abort();
    }
  }
#endif
  std::string why;
  bl::MixedKey key;
  if (bl::make_key(id, from, &key, &why) != (fault == bl::KeyFault::None)) abort();
  if (fault != bl::KeyFault::None) {
    if (why.empty()) abort();
    return;
  }
  if (portable.value() != host.value() || key.value() != host.value()) abort();
  std::string id_back, from_back;
  bl::unmake_key(key, &id_back, &from_back);
  if (id_back != id || from_back != from) abort();
}

void use(const idr::Blocklist& list, idr::fuzz::Input& in) {
  (void)list.contains("110105194912310021", "20100101");
  const auto id = in.bytes(18), from = in.bytes(8);
  const std::string id_s(id.begin(), id.end()), from_s(from.begin(), from.end());
  (void)list.contains(id_s, from_s);
  check_key(id_s, from_s);
  // Batched: listed, not listed, malformed, the input's; more than the pipeline's depth.
  const idr::BlocklistQuery q[] = {
      {"110105194912310021", "20100101"}, {"440524188001010014", "20150301"},
      {"440524188001010014", "20150302"}, {"11010519491231002X", "20100101"},
      {"1101051949123100", "20100101"},   {id_s, from_s}};
  std::vector<idr::BlocklistQuery> queries;
  for (int i = 0; i < 4; ++i) queries.insert(queries.end(), std::begin(q), std::end(q));
  std::vector<idr::BlocklistAnswer> answers(queries.size());
  list.contains_many(queries.data(), queries.size(), answers.data());
  // Both block searches of the batch (portable; AVX-512 where the CPU has it) answer alike.
  std::vector<idr::BlocklistAnswer> other(queries.size());
  for (const bool wide : {false, true}) {
    const bool ran = idr::BlocklistAccess::contains_many(list, wide, queries.data(), queries.size(),
                                                         other.data());
    if (ran != (!wide || idr::BlocklistAccess::wide_path_available())) abort();
    if (ran && other != answers) abort();
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    const auto one = list.contains(queries[i].id_number, queries[i].valid_from);
    const auto many = answers[i];
    if (one ? (many != (*one ? idr::BlocklistAnswer::Listed : idr::BlocklistAnswer::NotListed))
            : many != idr::BlocklistAnswer::Malformed)
      abort();  // the batch answers as the single lookup does
  }
  if (list.info().entries != list.size()) abort();
  uint64_t seen = 0;
  list.for_each([&](const std::string&, const std::string&) { return ++seen < 100000; });
  if (seen > list.size()) abort();
}

// The delta file's bytes as a list's CSV: a refused file says why; a built list holds keys
// that unpack to lines make_key accepts, as many as it says.
void build_from_csv(const Files& files) {
  std::string why;
  auto built = idr::build_blocklist(files.path("delta.txt"), files.path("built.idrbl"), &why);
  if (!built) {
    if (why.empty()) abort();
    return;
  }
  auto list = idr::Blocklist::open(files.path("built.idrbl"));
  if (!list) {
    if (idr::fuzz::FailureInjection::injected() == 0) abort();
    return;
  }
  uint64_t seen = 0;
  list->for_each([&](const std::string& id, const std::string& from) {
    check_key(id, from);
    ++seen;
    return true;
  });
  if (seen != built->entries) abort();
}

}  // namespace

int one_input(const Files& files, const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Files files;
  idr::fuzz::FailureInjection failures(data, size);
  try {
    return one_input(files, data, size);
  } catch (const std::bad_alloc&) {
    return 0;  // an injected allocation failure: allowed to surface from the C++ API
  }
}

int one_input(const Files& files, const uint8_t* data, size_t size) {
  idr::fuzz::Input in(data, size);
  const uint8_t mode = in.u8();
  if (mode % 2 == 0) {
    std::vector<uint8_t> bytes = files.list;
    const size_t patches = in.u8() % 16;
    for (size_t i = 0; i < patches; ++i) {
      const uint32_t at = in.u32() % (bytes.size() + 64);
      if (at >= bytes.size()) bytes.resize(at + 1);
      bytes[at] = in.u8();
    }
    if (in.flag()) bytes.resize(in.u32() % (bytes.size() + 1));
    if ((mode & 2) != 0 && bytes.size() >= 64) {  // the CRC (offset 40) over the payload again
      const uLong crc = crc32(0, bytes.data() + 64, static_cast<uInt>(bytes.size() - 64));
      for (int k = 0; k < 4; ++k) bytes[40 + k] = static_cast<uint8_t>(crc >> (8 * k));
    }
    if ((mode & 4) != 0 && bytes.size() >= 64) {  // the header's CRC (offset 60) again
      const uLong crc = crc32(0, bytes.data(), 60);
      for (int k = 0; k < 4; ++k) bytes[60 + k] = static_cast<uint8_t>(crc >> (8 * k));
    }
    write(files.path("patched.idrbl"), bytes);
    idr::BlocklistOpenOptions options;
    options.copy_to_huge_pages = (mode & 8) != 0;
    auto list = idr::Blocklist::open(files.path("patched.idrbl"), options);
    if (list) use(*list, in);
    idr::BlocklistHolder holder;
    if (holder.contains("110105194912310021", "20100101")) abort();  // nothing loaded yet
    if (holder.reload(files.path("patched.idrbl")) && !holder.current()) abort();
    (void)holder.contains("110105194912310021", "20100101");
    return 0;
  }
  const std::vector<uint8_t> rest = in.rest();
  std::string text(rest.begin(), rest.end());
  if ((mode & 4) != 0) text.insert(0, "idr-blocklist-delta 1\n");
  if ((mode & 2) != 0) {  // a checksum line the parser accepts: the lines after it run
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    static constexpr char kHex[] = "0123456789abcdef";
    text += "sha256 ";
    for (unsigned char b : digest) text += kHex[b >> 4], text += kHex[b & 15];
    text += '\n';
  }
  write(files.path("delta.txt"), std::vector<uint8_t>(text.begin(), text.end()));
  if ((mode & 8) != 0) build_from_csv(files);
  std::string why;
  auto applied = idr::apply_blocklist_delta(files.path("valid.idrbl"), files.path("delta.txt"),
                                            files.path("out.idrbl"), &why);
  if (!applied && why.empty()) abort();  // bad input gets a reason
  if (!applied) return 0;
  auto list = idr::Blocklist::open(files.path("out.idrbl"));
  // What apply wrote must open (unless a failure was injected).
  if (!list && idr::fuzz::FailureInjection::injected() == 0) abort();
  if (!list) return 0;
  idr::fuzz::Input none(nullptr, 0);
  use(*list, none);
  return 0;
}
