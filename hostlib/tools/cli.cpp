#include "cli.h"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "idr/card.h"

namespace idr::tool {

const char* const kExitCodeHelp =
    "exit codes:\n"
    "  0    ok\n"
    "  1    usage error (bad option, argument or reader URI)\n"
    "  2    reader unreachable, or the link to it failed (transport error)\n"
    "  3    no card (none within --wait, or it left during the read)\n"
    "  4    card or reader error (a reader status SW3 other than success)\n"
    "  5    malformed reply or card data\n"
    "  6    card read, but a check on its data failed or it is on the lost/stolen list\n"
    "  130  interrupted (SIGINT or SIGTERM)\n";

int exit_code_for(Error e) noexcept {
  switch (e) {
    case Error::Ok:
      return kExitOk;
    case Error::InvalidArgument:
    case Error::Unsupported:
      return kExitUsage;
    case Error::TransportOpen:
    case Error::TransportClosed:
    case Error::Timeout:  // a command the reader did not answer: the reader is not there
    case Error::Io:
      return kExitUnreachable;
    case Error::NoCard:
    case Error::CardRemoved:
      return kExitNoCard;
    case Error::MalformedReply:
      return kExitMalformed;
    case Error::Cancelled:
      return kExitInterrupted;
    default:
      return kExitCardError;  // every SW3 error
  }
}

Args::Args(const std::vector<std::string>& args, const std::set<std::string>& value_options,
           const std::set<std::string>& flags) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      dashdash_ = true;
      rest_.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      return;
    }
    if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + a + "'");
    const auto eq = a.find('=');
    const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (value_options.count(name)) {
      if (eq != std::string::npos) {
        values_.emplace_back(name, a.substr(eq + 1));
      } else {
        if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
        values_.emplace_back(name, args[++i]);
      }
    } else if (flags.count(name) && eq == std::string::npos) {
      flags_.insert(name);
    } else {
      throw UsageError("unknown option '" + a + "'");
    }
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  std::optional<std::string> v;
  for (const auto& [n, val] : values_)
    if (n == name) v = val;  // the last one wins, as in most tools
  return v;
}

std::vector<std::string> Args::values(const std::string& name) const {
  std::vector<std::string> all;
  for (const auto& [n, val] : values_)
    if (n == name) all.push_back(val);
  return all;
}

std::string reader_uri(const Args& args) {
  if (auto v = args.value("reader")) return *v;
  if (const char* env = std::getenv("IDR_READER"); env && *env) return env;
  return kDefaultReaderUri;
}

unsigned parse_fields(const std::string& list) {
  unsigned fields = 0;
  size_t start = 0;
  for (int guard = 0; guard < 64; ++guard) {
    const size_t comma = list.find(',', start);
    const std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
    if (name == "text")
      fields |= kText;
    else if (name == "photo")
      fields |= kPhoto;
    else if (name == "fingerprint")
      fields |= kFingerprint;
    else if (name == "addresses")
      fields |= kAddresses;
    else if (name == "all")
      fields |= kAll;
    else
      throw UsageError("--fields: unknown field '" + name +
                       "' (text, photo, fingerprint, addresses or all)");
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
  throw UsageError("--fields: too many entries");
}

std::string field_names(unsigned fields) {
  std::string out;
  const std::pair<unsigned, const char*> names[] = {
      {kText, "text"}, {kPhoto, "photo"}, {kFingerprint, "fingerprint"}, {kAddresses, "addresses"}};
  for (const auto& [bit, name] : names) {
    if (!(fields & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

std::chrono::milliseconds parse_seconds(const std::string& name, const std::string& text) {
  char* end = nullptr;
  const double s = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(s) || s < 0 ||
      s > 86400.0 * 365)
    throw UsageError("--" + name + " takes a number of seconds, not '" + text + "'");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(s * 1000.0)));
}

uint64_t parse_count(const std::string& name, const std::string& text, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 19)
    throw UsageError("--" + name + ": not a number: '" + text + "'");
  for (const char c : text) {
    if (c < '0' || c > '9') throw UsageError("--" + name + ": not a number: '" + text + "'");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v < min || v > max)
    throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " +
                     std::to_string(max));
  return v;
}

int report(const char* command, const std::string& what, Error e) {
  std::cerr << "idr " << command << ": " << what << ": " << message(e) << "\n";
  return exit_code_for(e);
}

}  // namespace idr::tool
