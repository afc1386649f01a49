#include "cli.h"

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "idr/card.h"

namespace idr::tool {

namespace {

std::optional<unsigned> parse_fields(const std::string& list, std::string& why) {
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
    else {
      why = "unknown field '" + name + "' (text, photo, fingerprint, addresses or all)";
      return std::nullopt;
    }
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
  why = "too many entries";
  return std::nullopt;
}

std::optional<uint64_t> parse_number(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

constexpr double kMaxSeconds = 86400.0 * 365;

std::optional<std::chrono::milliseconds> parse_seconds(const std::string& text) {
  char* end = nullptr;
  const double s = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(s) || s < 0 ||
      s > kMaxSeconds)
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(s * 1000.0)));
}

}  // namespace

CLI::App* add_command(CLI::App& idr, const std::string& name, const std::string& summary,
                      const std::string& description) {
  // The summary is what `idr --help` lists; the description comes after the options, then
  // the exit codes.
  CLI::App* app = idr.add_subcommand(name, summary);
  app->footer((description.empty() ? std::string() : description + "\n") + kExitCodeHelp);
  return app;
}

CLI::Option* add_reader_option(CLI::App& app, std::string& uri) {
  uri = kDefaultReaderUri;
  return app
      .add_option("--reader", uri,
                  "the reader: tcp://HOST:PORT, serial:/dev/ttyX[?baud=N] (idr list shows "
                  "more); default $IDR_READER, else " +
                      std::string(kDefaultReaderUri))
      ->type_name("URI")
      ->envname("IDR_READER");
}

CLI::Option* add_fields_option(CLI::App& app, unsigned& fields, const std::string& default_list) {
  std::string unused;
  fields = *parse_fields(default_list, unused);
  return app
      .add_option_function<std::string>(
          "--fields",
          [&fields](const std::string& list) {
            std::string none;
            fields = *parse_fields(list, none);  // checked below before this runs
          },
          "comma list of text, photo, fingerprint, addresses, or all")
      ->type_name("LIST")
      ->default_str(default_list)
      ->check(CLI::Validator(
          [](std::string& list) {
            std::string why;
            return parse_fields(list, why) ? std::string() : why;
          },
          ""));
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

CLI::Option* add_number_option(CLI::App& app, const std::string& name,
                               std::function<void(uint64_t)> set, uint64_t min, uint64_t max,
                               const std::string& description) {
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  return app
      .add_option_function<std::string>(
          name, [set](const std::string& text) { set(*parse_number(text)); }, description)
      ->type_name("N")
      ->check(CLI::Validator(
          [min, max, range](std::string& text) {
            const auto v = parse_number(text);
            if (!v) return "not a whole number: '" + text + "'";
            if (*v < min || *v > max) return "must be " + range + ", not " + text;
            return std::string();
          },
          ""));
}

CLI::Option* add_number_option(CLI::App& app, const std::string& name, uint64_t& value,
                               uint64_t min, uint64_t max, const std::string& description) {
  return add_number_option(
      app, name, [&value](uint64_t v) { value = v; }, min, max, description);
}

CLI::Option* add_seconds_option(CLI::App& app, const std::string& name,
                                std::chrono::milliseconds& value, const std::string& description) {
  return app
      .add_option_function<std::string>(
          name, [&value](const std::string& text) { value = *parse_seconds(text); }, description)
      ->type_name("SECONDS")
      ->check(CLI::Validator(
          [](std::string& text) {
            return parse_seconds(text)
                       ? std::string()
                       : "takes a number of seconds (0 to one year), not '" + text + "'";
          },
          ""));
}

int report(const char* command, const std::string& what, Error e) {
  std::cerr << "idr " << command << ": " << what << ": " << message(e) << "\n";
  return exit_code_for(e);
}

int fail(const std::string& command, const std::string& why, int code) {
  std::cerr << "idr " << command << ": " << why << "\n";
  return code;
}

}  // namespace idr::tool
