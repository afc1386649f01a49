#include "signed_read.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "output.h"

namespace idr::tool {

const char* const kSignedReadHelp =
    "Verification (default; DESIGN 5): the reader signs the read with a fresh nonce and the\n"
    "record is verified (signature, certificate chain, revocation, nonce, counter, SAM, each\n"
    "field's digest). Card data is shown only when every check SUCCEEDED; otherwise the\n"
    "verdict and NOT VERIFIED are printed and the exit code is 6. Without --revoked, the\n"
    "revocation list is revoked.txt beside each trust path (in the directory, or next to the\n"
    "file); with none the revocation check is NOT_CHECKED and the read not verified.\n";

CLI::Option* add_signed_read_options(CLI::App& app, SignedReadOptions& o) {
  CLI::Option* legacy = app.add_flag("--legacy", o.legacy,
                                     "the old unsigned read (30 01 / 30 10): nothing is verified");
  CLI::Option* verification[] = {
      app.add_option("--trust", o.trust,
                     "trusted root(s): a PEM file or a directory; repeatable (default: "
                     "$IDR_TRUST, colon-separated; none: the chain check FAILS)")
          ->type_name("PATH")
          ->allow_extra_args(false),  // one value each time: never the words after it
      app.add_option("--revoked", o.revoked,
                     "revocation list (idr ca revoke); repeatable (default: revoked.txt beside "
                     "each trust path)")
          ->type_name("FILE")
          ->allow_extra_args(false),
      app.add_option("--counters", o.counters,
                     "last counter per reader (default: $IDR_COUNTERS, else "
                     "$XDG_DATA_HOME/idr/counters.db or ~/.local/share/idr/counters.db)")
          ->type_name("DB"),
      add_number_option(
          app, "--now", [&o](uint64_t v) { o.now = static_cast<int64_t>(v); }, 0, uint64_t{1} << 40,
          "Unix time for certificate validity (default: the clock)"),
      app.add_flag("--show-unverified", o.show_unverified,
                   "also print the disclosed values of a record that did not verify, each "
                   "marked UNVERIFIED"),
  };
  for (CLI::Option* option : verification) legacy->excludes(option);
  return legacy;
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

std::string check_name(const Verdict& r) {
  std::string name = r.name;
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

void finish_signed_read_options(SignedReadOptions& o) {
  if (o.trust.empty()) o.trust = split_path_list(env("IDR_TRUST"));
  if (o.counters.empty() && !o.legacy) o.counters = default_counters_path();
}

int load_policy(const char* command, const SignedReadOptions& options,
                const AssessmentOptions& assessment, Policy& out) {
  std::string why;
  Policy::Files files;
  if (!options.legacy) {
    files.trust = options.trust;
    files.revoked = options.revoked;
    files.counters = options.counters;
    if (options.trust.empty())
      std::cerr << "idr " << command
                << ": no trusted roots (--trust or $IDR_TRUST): the chain check will fail\n";
  }
  Result<Policy> policy = Policy::load(files, &why);
  if (!policy) {  // trust roots, revocation list or counter store that cannot be used
    std::cerr << "idr " << command << ": " << why << "\n";
    return kExitError;
  }
  if (assessment.blocklist_path) {
    Result<Policy> listed = Policy::load({{}, {}, {}, *assessment.blocklist_path}, &why);
    if (!listed) {
      std::cerr << "idr " << command << ": " << why << "\n";
      return kExitError;
    }
    policy->lost_stolen = listed->lost_stolen;
  }
  policy->checks = assessment.checks;
  policy->today = assessment.today;
  policy->now = options.now;
  out = std::move(policy).value();
  return kExitOk;
}

void print_verdict(std::ostream& out, const Decision& d) {
  out << "Verification:    " << (d.verified() ? "VERIFIED" : "NOT VERIFIED");
  if (!d.reader_serial().empty())
    out << " (reader " << d.reader_serial() << ", counter " << d.counter() << ")";
  out << "\n";
  for (const Verdict& r : d.verdicts()) {
    if (r.source != CheckSource::Record) continue;  // the others are printed under Checks
    out << "  " << std::left << std::setw(34) << check_name(r) << std::setw(12)
        << to_string(r.status) << r.message << (r.required ? "" : " (not required)") << "\n";
  }
}

void print_unverified(std::ostream& out, const Decision& d) {
  const Result<SignedRecord> r = decode_signed(d.record());
  if (!r) return;
  out << "Disclosed values (UNVERIFIED, do not rely on them):\n";
  for (const auto& disclosure : r->disclosures) {
    out << "  " << std::left << std::setw(22) << disclosure.field << "UNVERIFIED  ";
    if (is_binary_field(disclosure.field))
      out << disclosure.value.size() << " bytes\n";
    else
      out << ucs2le_to_utf8(disclosure.value) << "\n";
  }
}

void add_verdict_json(nlohmann::json& j, const Decision& d) {
  nlohmann::json list = nlohmann::json::array();
  for (const Verdict& r : d.verdicts())
    if (r.source == CheckSource::Record)
      list.push_back({{"check", r.name},
                      {"field", r.field},
                      {"outcome", to_string(r.status)},
                      {"reason", r.reason},
                      {"message", r.message},
                      {"required", r.required}});
  // Which verified fields the SAM's issuer MAC verdict vouches for, and which only the
  // reader's signature covers (the appended addresses): the "sam" check says nothing of them.
  nlohmann::json issuer = nlohmann::json::array(), signature_only = nlohmann::json::array();
  const Result<SignedRecord> r = decode_signed(d.record());
  if (r)
    for (const auto& disclosure : r->disclosures)
      (covered_by_issuer_mac(disclosure.field) ? issuer : signature_only)
          .push_back(disclosure.field);
  j["covered_by_issuer_mac"] = issuer;
  j["covered_by_signature_only"] = signature_only;
  j["verified"] = d.verified();
  j["verdict"] = list;
  if (r) {
    j["reader"] = d.reader_serial();
    j["counter"] = d.counter();
  }
}

void add_unverified_json(nlohmann::json& j, const Decision& d) {
  const Result<SignedRecord> r = decode_signed(d.record());
  if (!r) return;
  nlohmann::json values = nlohmann::json::object();
  for (const auto& disclosure : r->disclosures) {
    if (is_binary_field(disclosure.field))
      values[disclosure.field] = {{"size", disclosure.value.size()},
                                  {"base64", base64(disclosure.value)}};
    else
      values[disclosure.field] = ucs2le_to_utf8(disclosure.value);
  }
  j["unverified_disclosures"] = values;
}

std::string failure_text(const Decision& d) {
  const std::vector<const Verdict*> reasons = d.reasons();
  if (reasons.empty()) return d.accepted() ? "" : "no checks";
  return check_name(*reasons.front()) + ": " + reasons.front()->message;
}

}  // namespace idr::tool
