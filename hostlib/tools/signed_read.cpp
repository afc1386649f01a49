#include "signed_read.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "idr/ca.h"
#include "output.h"

namespace idr::tool {

const char* const kSignedReadHelp =
    "Verification (default; DESIGN 5): the reader signs the read with a fresh nonce and the\n"
    "record is verified (signature, certificate chain, revocation, nonce, counter, SAM, each\n"
    "field's digest). Card data is shown only when every check SUCCEEDED; otherwise the\n"
    "verdict and NOT VERIFIED are printed and the exit code is 6.\n"
    "  --trust PATH       trusted root(s): a PEM file or a directory; repeatable\n"
    "                     (default: $IDR_TRUST, colon-separated; none: the chain check FAILS)\n"
    "  --revoked FILE     revocation list (idr ca revoke); repeatable (default: revoked.txt\n"
    "                     beside each trust path: in the directory, or next to the file;\n"
    "                     none: the revocation check is NOT_CHECKED and the read not verified)\n"
    "  --counters DB      last counter per reader (default: $IDR_COUNTERS, else\n"
    "                     $XDG_DATA_HOME/idr/counters.db or ~/.local/share/idr/counters.db)\n"
    "  --now SECONDS      Unix time for certificate validity (default: the clock)\n"
    "  --show-unverified  also print the disclosed values of a record that did not verify,\n"
    "                     each marked UNVERIFIED\n"
    "  --legacy           the old unsigned read (30 01 / 30 10): nothing is verified\n";

void add_signed_read_options(std::set<std::string>& values, std::set<std::string>& flags) {
  values.insert({"trust", "revoked", "counters", "now"});
  flags.insert({"legacy", "show-unverified"});
}

namespace {

std::vector<std::string> split_path_list(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream s(list);
  for (std::string part; std::getline(s, part, ':');)
    if (!part.empty()) out.push_back(part);
  return out;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// UCS-2LE (the card's text, card_layout.h) to UTF-8, for showing unverified values only.
std::string ucs2le_to_utf8(const Bytes& b) {
  std::string out;
  for (size_t i = 0; i + 1 < b.size(); i += 2) {
    const unsigned c = b[i] | (unsigned{b[i + 1]} << 8);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
  return out;
}

bool is_binary_field(const std::string& field) {
  return field == "photo" || field == "fingerprint";
}

std::string check_name(const RecordCheckResult& r) {
  std::string name = to_string(r.check);
  if (!r.field.empty()) name += "[" + r.field + "]";
  return name;
}

}  // namespace

std::string default_counters_path() {
  if (const std::string e = env("IDR_COUNTERS"); !e.empty()) return e;
  if (const std::string xdg = env("XDG_DATA_HOME"); !xdg.empty()) return xdg + "/idr/counters.db";
  const std::string home = env("HOME");
  if (home.empty()) throw UsageError("no --counters, $IDR_COUNTERS, $XDG_DATA_HOME or $HOME");
  return home + "/.local/share/idr/counters.db";
}

SignedReadOptions signed_read_options(const Args& args) {
  SignedReadOptions o;
  o.legacy = args.flag("legacy");
  o.show_unverified = args.flag("show-unverified");
  o.trust = args.values("trust");
  if (o.trust.empty()) o.trust = split_path_list(env("IDR_TRUST"));
  o.revoked = args.values("revoked");
  if (auto c = args.value("counters")) {
    o.counters = *c;
  } else if (!o.legacy) {
    o.counters = default_counters_path();
  }
  if (auto now = args.value("now"))
    o.now = static_cast<int64_t>(parse_count("now", *now, 0, uint64_t{1} << 40));
  if (o.legacy && (!args.values("trust").empty() || !o.revoked.empty() || args.value("counters") ||
                   o.now || o.show_unverified))
    throw UsageError("--legacy reads unsigned: no verification options with it");
  return o;
}

int SignedReader::open(const char* command) {
  if (options_.legacy) return kExitOk;
  std::string why;
  for (const auto& path : options_.trust) {
    if (!trust_.add_roots(path, &why)) {
      std::cerr << "idr " << command << ": trust " << path << ": " << why << "\n";
      return kExitUsage;
    }
  }
  if (trust_.root_count() == 0)
    std::cerr << "idr " << command
              << ": no trusted roots (--trust or $IDR_TRUST): the chain check will fail\n";
  std::vector<std::string> lists = options_.revoked;
  if (lists.empty())
    for (const auto& path : options_.trust)
      if (std::string beside = revocation_list_beside(path); !beside.empty())
        lists.push_back(beside);
  for (const auto& path : lists) {
    if (!trust_.load_revoked(path, &why)) {
      std::cerr << "idr " << command << ": revocation list " << path << ": " << why << "\n";
      return kExitUsage;
    }
  }
  std::error_code ec;
  const auto parent = std::filesystem::path(options_.counters).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  Result<CounterStore> store = CounterStore::open(options_.counters, &why);
  if (!store) {
    std::cerr << "idr " << command << ": counter store " << options_.counters << ": "
              << (why.empty() ? message(store.error()) : why) << "\n";
    return kExitUsage;
  }
  counters_.emplace(std::move(store).value());
  return kExitOk;
}

Result<SignedRead> SignedReader::read(Reader& reader, unsigned fields) {
  const Result<ReadNonce> nonce = ca::random_nonce();
  if (!nonce) return nonce.error();
  Result<Bytes> file = reader.read_signed(*nonce, fields);
  if (!file) return file.error();
  VerifyOptions o;
  o.trust = &trust_;
  o.counters = counters_ ? &*counters_ : nullptr;
  o.nonce = *nonce;
  o.now = options_.now.value_or(static_cast<int64_t>(std::time(nullptr)));
  // The DESIGN 7 checks and the lost/stolen list run beside the verdict (Assessor), on the
  // verified data only, so each keeps its own verdicts and an expired or listed card is
  // still shown to the operator with the reason.
  VerifiedRecord v = verify_record(*file, o);
  return SignedRead{std::move(file).value(), std::move(v)};
}

void print_verdict(std::ostream& out, const VerifiedRecord& v) {
  out << "Verification:    " << (v.verified() ? "VERIFIED" : "NOT VERIFIED");
  if (const SignedRecord* r = v.record())
    out << " (reader " << r->payload.serial << ", counter " << r->payload.counter << ")";
  out << "\n";
  for (const auto& r : v.verdict().results()) {
    if (r.reason == Reason::NoHook) continue;  // their checks are printed beside, under Checks
    out << "  " << std::left << std::setw(34) << check_name(r) << std::setw(12)
        << to_string(r.outcome) << r.message << (r.required ? "" : " (not required)") << "\n";
  }
}

void print_unverified(std::ostream& out, const VerifiedRecord& v) {
  const SignedRecord* r = v.record();
  if (!r) return;
  out << "Disclosed values (UNVERIFIED, do not rely on them):\n";
  for (const auto& d : r->disclosures) {
    out << "  " << std::left << std::setw(22) << d.field << "UNVERIFIED  ";
    if (is_binary_field(d.field))
      out << d.value.size() << " bytes\n";
    else
      out << ucs2le_to_utf8(d.value) << "\n";
  }
}

void add_verdict_json(nlohmann::json& j, const VerifiedRecord& v) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : v.verdict().results())
    list.push_back({{"check", to_string(r.check)},
                    {"field", r.field},
                    {"outcome", to_string(r.outcome)},
                    {"reason", to_string(r.reason)},
                    {"message", r.message},
                    {"required", r.required}});
  // Which verified fields the SAM's issuer MAC verdict vouches for, and which only the
  // reader's signature covers (the appended addresses): the "sam" check says nothing of them.
  nlohmann::json issuer = nlohmann::json::array(), signature_only = nlohmann::json::array();
  if (const SignedRecord* r = v.record())
    for (const auto& d : r->disclosures)
      (covered_by_issuer_mac(d.field) ? issuer : signature_only).push_back(d.field);
  j["covered_by_issuer_mac"] = issuer;
  j["covered_by_signature_only"] = signature_only;
  j["verified"] = v.verified();
  j["verdict"] = list;
  if (const SignedRecord* r = v.record()) {
    j["reader"] = r->payload.serial;
    j["counter"] = r->payload.counter;
  }
}

void add_unverified_json(nlohmann::json& j, const VerifiedRecord& v) {
  const SignedRecord* r = v.record();
  if (!r) return;
  nlohmann::json d = nlohmann::json::object();
  for (const auto& disclosure : r->disclosures) {
    if (is_binary_field(disclosure.field))
      d[disclosure.field] = {{"size", disclosure.value.size()},
                             {"base64", base64(disclosure.value)}};
    else
      d[disclosure.field] = ucs2le_to_utf8(disclosure.value);
  }
  j["unverified_disclosures"] = d;
}

std::string failure_text(const VerifiedRecord& v) {
  const RecordCheckResult* f = v.verdict().first_failure();
  if (!f) return v.verified() ? "" : "no checks";
  return check_name(*f) + ": " + f->message;
}

}  // namespace idr::tool
