// `idr verify`, `idr disclose`, `idr ca`, `idr provision` (run_signed_cli): the idr tool
// forwards argv with argv[0] = the subcommand.
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../core/bounded_file.h"
#include "idr/ca.h"
#include "idr/reader.h"
#include "idr/verify.h"

namespace idr {

namespace {

constexpr int kOk = 0, kUsage = 1, kUnreachable = 2, kRejected = 6;

const char kUsageText[] =
    "usage: idr verify FILE [--trust PATH]... [--revoked FILE]... [--nonce HEX] [--counters DB]\n"
    "                  [--now UNIX_SECONDS]\n"
    "         verifies a record file (at most 65535 bytes); prints one line per check; exit 0\n"
    "         only when verified, 6 when any required check did not succeed. Without --nonce /\n"
    "         --counters those checks are NOT_CHECKED and not required (offline verification).\n"
    "         Revocation list: --revoked, else revoked.txt beside each --trust path (in the\n"
    "         directory, or next to the file); with none the revocation check is NOT_CHECKED\n"
    "         and the record is not verified.\n"
    "       idr disclose --fields LIST IN OUT\n"
    "         writes OUT: the record IN with only the disclosures named in LIST (comma list,\n"
    "         e.g. id_number,name,valid_from,valid_to); the signature is unchanged.\n"
    "       idr ca init DIR [--name NAME] [--years N]   root + intermediate CA in DIR\n"
    "       idr ca revoke DIR CERT.pem                  revoke CERT in DIR/revoked.txt (by issuer\n"
    "                                                   + serial, public key, reader serial)\n"
    "       idr ca revoke DIR --reader SERIAL           revoke a reader by its serial\n"
    "       idr ca fingerprint CERT.pem                 the revocation list lines naming CERT\n"
    "       idr provision [--reader URI] --ca DIR [--years N]\n"
    "         ProvisionKey with a fresh challenge, proof-of-possession check, device certificate\n"
    "         from DIR's intermediate, SetTime, ProvisionCerts. A reader already provisioned\n"
    "         gets a new key, its certificate and the time as commands authorised by DIR's\n"
    "         intermediate key over the reader's challenge; it refuses them from any other CA.\n"
    "Record file: the CBOR array [COSE_Sign1, disclosures] as READ_SIGNED answered it.\n";

int usage(const std::string& why) {
  if (!why.empty()) std::cerr << "idr: " << why << "\n";
  std::cerr << kUsageText;
  return kUsage;
}

// Records are refused above kMaxRecordSize before a byte is read (DESIGN 11).
bool read_file(const std::string& path, Bytes& out, std::string& why, size_t max = kMaxRecordSize) {
  auto bytes = detail::read_file_bounded(path, max, &why);
  if (!bytes) return false;
  out = std::move(bytes).value();
  return true;
}

bool write_file(const std::string& path, const Bytes& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(f);
}

bool parse_hex(const std::string& hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    unsigned v = 0;
    if (std::sscanf(hex.c_str() + 2 * i, "%2x", &v) != 1) return false;
    if (!std::isxdigit(static_cast<unsigned char>(hex[2 * i])) ||
        !std::isxdigit(static_cast<unsigned char>(hex[2 * i + 1])))
      return false;
    out[i] = static_cast<uint8_t>(v);
  }
  return true;
}

std::string hex(const uint8_t* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 0x0F]);
  }
  return s;
}

// "--name VALUE" options and positional words.
struct Parsed {
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> words;
  std::string error;
};
Parsed parse(int argc, char** argv, int first) {
  Parsed p;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      if (i + 1 >= argc) {
        p.error = a + " needs a value";
        return p;
      }
      p.options.emplace_back(a.substr(2), argv[++i]);
    } else {
      p.words.push_back(a);
    }
  }
  return p;
}
std::vector<std::string> values(const Parsed& p, const std::string& name) {
  std::vector<std::string> v;
  for (const auto& [n, val] : p.options)
    if (n == name) v.push_back(val);
  return v;
}
bool only_known(const Parsed& p, std::initializer_list<const char*> known, std::string& why) {
  for (const auto& [n, val] : p.options) {
    (void)val;
    bool ok = false;
    for (const char* k : known) ok = ok || n == k;
    if (!ok) {
      why = "unknown option --" + n;
      return false;
    }
  }
  return true;
}

int verify_cmd(int argc, char** argv) {
  const Parsed p = parse(argc, argv, 1);
  std::string why;
  if (!p.error.empty()) return usage(p.error);
  if (!only_known(p, {"trust", "revoked", "nonce", "counters", "now"}, why)) return usage(why);
  if (p.words.size() != 1) return usage("verify takes one FILE");
  Bytes file;
  if (!read_file(p.words[0], file, why)) return usage(why);

  TrustStore trust;
  for (const auto& path : values(p, "trust"))
    if (!trust.add_roots(path, &why)) return usage(why);
  std::vector<std::string> lists = values(p, "revoked");
  if (lists.empty())
    for (const auto& path : values(p, "trust"))
      if (std::string beside = revocation_list_beside(path); !beside.empty())
        lists.push_back(beside);
  for (const auto& path : lists)
    if (!trust.load_revoked(path, &why)) return usage("revocation list " + why);
  VerifyOptions o;
  o.trust = &trust;
  o.now = static_cast<int64_t>(std::time(nullptr));
  if (auto now = values(p, "now"); !now.empty()) o.now = std::stoll(now.back());
  o.require_nonce = false;
  o.require_counter = false;
  if (auto n = values(p, "nonce"); !n.empty()) {
    ReadNonce nonce{};
    if (!parse_hex(n.back(), nonce.data(), nonce.size()))
      return usage("--nonce needs 32 hex digits");
    o.nonce = nonce;
    o.require_nonce = true;
  }
  std::optional<CounterStore> counters;
  if (auto db = values(p, "counters"); !db.empty()) {
    auto c = CounterStore::open(db.back(), &why);
    if (!c) return usage(why);
    counters.emplace(std::move(c).value());
    o.counters = &*counters;
    o.require_counter = true;
  }
  const VerifiedRecord v = verify_record(file, o);
  for (const auto& r : v.verdict().results()) {
    std::string name = to_string(r.check);
    if (!r.field.empty()) name += "[" + r.field + "]";
    std::printf("%-24s %-11s %-20s %s%s\n", name.c_str(), to_string(r.outcome), to_string(r.reason),
                r.message.c_str(), r.required ? "" : " (not required)");
  }
  if (v.record() != nullptr)
    std::printf("reader %s counter %llu\n", v.record()->payload.serial.c_str(),
                static_cast<unsigned long long>(v.record()->payload.counter));
  std::printf("%s\n", v.verified() ? "VERIFIED" : "NOT VERIFIED");
  return v.verified() ? kOk : kRejected;
}

int disclose_cmd(int argc, char** argv) {
  const Parsed p = parse(argc, argv, 1);
  std::string why;
  if (!p.error.empty()) return usage(p.error);
  if (!only_known(p, {"fields"}, why)) return usage(why);
  const auto fields = values(p, "fields");
  if (fields.empty() || p.words.size() != 2) return usage("disclose needs --fields LIST IN OUT");
  std::vector<std::string> keep;
  std::stringstream list(fields.back());
  for (std::string f; std::getline(list, f, ',');)
    if (!f.empty()) keep.push_back(f);
  Bytes in;
  if (!read_file(p.words[0], in, why)) return usage(why);
  auto out = select_disclosures(in, keep, &why);
  if (!out) {
    std::cerr << "idr disclose: " << why << "\n";
    return out.error() == Error::InvalidArgument ? kUsage : kRejected;
  }
  if (!write_file(p.words[1], *out)) return usage(p.words[1] + ": cannot write");
  return kOk;
}

int ca_cmd(int argc, char** argv) {
  const Parsed p = parse(argc, argv, 1);
  std::string why;
  if (!p.error.empty()) return usage(p.error);
  if (p.words.empty()) return usage("ca needs init, revoke or fingerprint");
  const std::string sub = p.words[0];
  if (sub == "init" && p.words.size() == 2 && only_known(p, {"name", "years"}, why)) {
    const auto name = values(p, "name");
    const auto years = values(p, "years");
    auto ca = ca::CaDirectory::create(p.words[1], name.empty() ? "idr" : name.back(),
                                      static_cast<int64_t>(std::time(nullptr)),
                                      years.empty() ? 10 : std::stoi(years.back()), &why);
    if (!ca) {
      std::cerr << "idr ca init: " << why << "\n";
      return kUsage;
    }
    std::printf("CA in %s (root: %s/root.crt.pem)\n", p.words[1].c_str(), p.words[1].c_str());
    return kOk;
  }
  if (sub == "revoke" && p.words.size() == 2 && only_known(p, {"reader"}, why) &&
      !values(p, "reader").empty()) {
    auto ca = ca::CaDirectory::open(p.words[1], &why);
    if (!ca || !ca->revoke_reader(values(p, "reader").back(), &why)) {
      std::cerr << "idr ca revoke: " << why << "\n";
      return kUsage;
    }
    return kOk;
  }
  if ((sub == "revoke" && p.words.size() == 3) || (sub == "fingerprint" && p.words.size() == 2)) {
    Bytes pem;
    const std::string& cert_path = p.words.back();
    if (!read_file(cert_path, pem, why, size_t{1} << 20)) return usage(why);
    auto der = ca::from_pem(std::string(pem.begin(), pem.end()));
    if (!der) return usage(cert_path + ": not a PEM certificate");
    if (sub == "fingerprint") {
      auto keys = revocation_keys(*der, &why);
      if (!keys) return usage(cert_path + ": " + why);
      std::printf("%scert %s\n", revocation_entries(*keys, true).c_str(),
                  hex(keys->certificate_hash.data(), 32).c_str());
      return kOk;
    }
    auto ca = ca::CaDirectory::open(p.words[1], &why);
    if (!ca || !ca->revoke(*der, &why)) {
      std::cerr << "idr ca revoke: " << why << "\n";
      return kUsage;
    }
    return kOk;
  }
  return usage(why.empty() ? "bad idr ca command" : why);
}

int provision_cmd(int argc, char** argv) {
  const Parsed p = parse(argc, argv, 1);
  std::string why;
  if (!p.error.empty()) return usage(p.error);
  if (!only_known(p, {"reader", "ca", "years"}, why)) return usage(why);
  const auto ca_dir = values(p, "ca");
  if (ca_dir.empty() || !p.words.empty()) return usage("provision needs --ca DIR");
  auto ca = ca::CaDirectory::open(ca_dir.back(), &why);
  if (!ca) return usage(why);
  std::string uri = "tcp://127.0.0.1:5000";
  if (const char* env = std::getenv("IDR_READER")) uri = env;
  if (auto r = values(p, "reader"); !r.empty()) uri = r.back();
  auto reader = Reader::open(uri);
  if (!reader) {
    std::cerr << "idr provision: " << uri << ": " << message(reader.error()) << "\n";
    return kUnreachable;
  }
  const auto years = values(p, "years");
  auto done = ca::provision_reader(*reader, *ca, static_cast<int64_t>(std::time(nullptr)),
                                   years.empty() ? 5 : std::stoi(years.back()), &why);
  if (!done) {
    std::cerr << "idr provision: " << why << "\n";
    const Error e = done.error();
    // The reader said no (unauthorised, damaged identity, wrong chain): rejected; a link
    // or reader failure: unreachable.
    return e == Error::Sw3Unauthorized || e == Error::Sw3IdentityFault ||
                   e == Error::Sw3CommandError || e == Error::InvalidArgument
               ? kRejected
               : kUnreachable;
  }
  if (done->previous.empty())
    std::printf("provisioned %s\n", done->serial.c_str());
  else
    std::printf("re-provisioned %s (was %s)\n", done->serial.c_str(), done->previous.c_str());
  return kOk;
}

}  // namespace

int run_signed_cli(int argc, char** argv) {
  if (argc < 1) return usage("");
  const std::string cmd = argv[0];
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << kUsageText;
      return kOk;
    }
  try {
    if (cmd == "verify") return verify_cmd(argc, argv);
    if (cmd == "disclose") return disclose_cmd(argc, argv);
    if (cmd == "ca") return ca_cmd(argc, argv);
    if (cmd == "provision") return provision_cmd(argc, argv);
  } catch (const std::exception& e) {  // std::stoi and friends on bad numbers
    return usage(std::string("bad number: ") + e.what());
  }
  return usage("unknown command " + cmd);
}

}  // namespace idr
