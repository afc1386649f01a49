// idr verify: a record file verified offline (DESIGN 5, 11); idr disclose: a record with
// fewer disclosures, the signature unchanged.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>

#include "../src/core/hex.h"
#include "cli.h"
#include "commands.h"
#include "idr/photo.h"
#include "idr/verify.h"

namespace idr::tool {

namespace {

struct VerifyCommand {
  std::string file;
  std::vector<std::string> trust, revoked;
  std::optional<ReadNonce> nonce;
  std::string counters;
  std::optional<int64_t> now;
};

// --nonce: exactly 32 hex digits, either case.
std::optional<ReadNonce> parse_nonce(const std::string& hex) {
  ReadNonce nonce{};
  if (!detail::from_hex(hex, nonce.data(), nonce.size())) return std::nullopt;
  return nonce;
}

int run_verify(const VerifyCommand& o) {
  std::string why;
  const Result<Bytes> file = read_record_file(o.file, &why);
  if (!file) return fail("verify", why, kExitError);  // why names the file

  TrustStore trust;
  for (const auto& path : o.trust)
    if (!trust.add_roots(path, &why))
      return fail("verify", "trust " + path + ": " + why, kExitError);
  std::vector<std::string> lists = o.revoked;
  if (lists.empty())
    for (const auto& path : o.trust)
      if (std::string beside = revocation_list_beside(path); !beside.empty())
        lists.push_back(beside);
  for (const auto& path : lists)
    if (!trust.load_revoked(path, &why))
      return fail("verify", "revocation list " + path + ": " + why, kExitError);
  idr::VerifyOptions v;
  v.trust = &trust;
  v.now = o.now.value_or(static_cast<int64_t>(std::time(nullptr)));
  v.require_nonce = o.nonce.has_value();
  if (o.nonce) v.nonce = *o.nonce;
  std::optional<CounterStore> counters;
  v.require_counter = !o.counters.empty();
  if (!o.counters.empty()) {
    auto c = CounterStore::open(o.counters, &why);
    if (!c) return fail("verify", "counter store " + o.counters + ": " + why, kExitError);
    counters.emplace(std::move(c).value());
    v.counters = &*counters;
  }
  const VerifiedRecord record = verify_record(*file, v);
  for (const auto& r : record.verdict().results()) {
    std::string name = to_string(r.check);
    if (!r.field.empty()) name += "[" + r.field + "]";
    std::printf("%-24s %-11s %-20s %s%s\n", name.c_str(), to_string(r.outcome), to_string(r.reason),
                r.message.c_str(), r.required ? "" : " (not required)");
  }
  if (record.record() != nullptr)
    std::printf("reader %s counter %llu\n", record.record()->payload.serial.c_str(),
                static_cast<unsigned long long>(record.record()->payload.counter));
  std::printf("%s\n", record.verified() ? "VERIFIED" : "NOT VERIFIED");
  return record.verified() ? kExitOk : kExitRejected;
}

struct DiscloseCommand {
  std::vector<std::string> fields;
  std::string in, out;
};

int run_disclose(const DiscloseCommand& o) {
  std::string why;
  const Result<Bytes> in = read_record_file(o.in, &why);
  if (!in) return fail("disclose", why, kExitError);
  const Result<Bytes> out = select_disclosures(*in, o.fields, &why);
  if (!out) {
    // A field the record does not disclose is a bad --fields; a record that does not
    // decode is malformed.
    return fail("disclose", why.empty() ? message(out.error()) : why,
                out.error() == Error::InvalidArgument ? kExitUsage : kExitMalformed);
  }
  if (!write_file(o.out, *out)) return fail("disclose", o.out + ": cannot write", kExitError);
  return kExitOk;
}

}  // namespace

Command add_verify(CLI::App& idr) {
  auto o = std::make_shared<VerifyCommand>();
  CLI::App* app = add_command(
      idr, "verify", "verify a record file offline (signature, chain, revocation, digests)",
      "Verifies a record file (the CBOR array [COSE_Sign1, disclosures] as READ_SIGNED answered\n"
      "it, at most 65535 bytes) and prints one line per check; exit 0 only when verified, 6\n"
      "when any required check did not succeed. Without --nonce / --counters those checks are\n"
      "NOT_CHECKED and not required (offline verification). Revocation list: --revoked, else\n"
      "revoked.txt beside each --trust path (in the directory, or next to the file); with none\n"
      "the revocation check is NOT_CHECKED and the record is not verified.\n");
  app->add_option("FILE", o->file, "the record file")->required();
  // Repeatable, one value each time: `--trust root.pem rec.cose` leaves rec.cose the FILE.
  app->add_option("--trust", o->trust, "trusted root(s): a PEM file or a directory; repeatable")
      ->type_name("PATH")
      ->allow_extra_args(false);
  app->add_option("--revoked", o->revoked, "revocation list (idr ca revoke); repeatable")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app->add_option_function<std::string>(
         "--nonce", [o](const std::string& hex) { o->nonce = parse_nonce(hex); },
         "the nonce the read was made with (32 hex digits): checked and required")
      ->type_name("HEX")
      ->check(CLI::Validator(
          [](std::string& hex) { return parse_nonce(hex) ? std::string() : "takes 32 hex digits"; },
          ""));
  app->add_option("--counters", o->counters,
                  "counter store: the record's counter must be above the last one seen from "
                  "its reader (checked and required)")
      ->type_name("DB");
  add_number_option(
      *app, "--now", [o](uint64_t v) { o->now = static_cast<int64_t>(v); }, 0, uint64_t{1} << 40,
      "Unix time for certificate validity (default: the clock)");
  return {app, [o](const std::optional<Words>&) { return run_verify(*o); }};
}

Command add_disclose(CLI::App& idr) {
  auto o = std::make_shared<DiscloseCommand>();
  CLI::App* app = add_command(
      idr, "disclose", "a record with only some disclosures (the signature unchanged)",
      "Writes OUT: the record IN with only the disclosures named in --fields; the signature is\n"
      "unchanged, so OUT verifies as IN does for the fields it keeps.\n");
  app->add_option("--fields", o->fields,
                  "the disclosures to keep, comma list (e.g. "
                  "id_number,name,valid_from,valid_to)")
      ->type_name("LIST")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->required();
  app->add_option("IN", o->in, "the record file")->required();
  app->add_option("OUT", o->out, "the file to write")->required();
  return {app, [o](const std::optional<Words>&) { return run_disclose(*o); }};
}

}  // namespace idr::tool
