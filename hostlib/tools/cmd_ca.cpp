// idr ca init | revoke | fingerprint: a certificate authority in a directory (idr/ca.h,
// DESIGN 11); idr provision: a reader provisioned (or re-provisioned) by it.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "../src/core/hex.h"
#include "cli.h"
#include "commands.h"
#include "idr/ca.h"
#include "idr/reader.h"
#include "idr/verify.h"

namespace idr::tool {

namespace {

constexpr uint64_t kMaxYears = 50;

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

struct CaCommand {
  CLI::App *init = nullptr, *revoke = nullptr, *fingerprint = nullptr;
  std::string dir;
  std::string name = "idr";
  uint64_t years = 10;
  std::string cert;           // revoke, fingerprint
  std::string reader_serial;  // revoke --reader
};

int run_ca(const CaCommand& o) {
  std::string why;
  if (*o.init) {
    auto ca = ca::CaDirectory::create(o.dir, o.name, now(), static_cast<int>(o.years), &why);
    if (!ca) return fail("ca init", why, kExitError);
    std::printf("CA in %s (root: %s/root.crt.pem)\n", o.dir.c_str(), o.dir.c_str());
    return kExitOk;
  }
  if (*o.fingerprint) {
    const Result<Bytes> der = ca::read_certificate_file(o.cert, &why);
    if (!der) return fail("ca fingerprint", why, kExitError);
    const auto keys = revocation_keys(*der, &why);
    if (!keys) return fail("ca fingerprint", o.cert + ": " + why, kExitError);
    std::printf(
        "%scert %s\n", revocation_entries(*keys, true).c_str(),
        detail::to_hex(keys->certificate_hash.data(), keys->certificate_hash.size()).c_str());
    return kExitOk;
  }
  // revoke: CERT or --reader SERIAL (not both: declared so).
  if (o.cert.empty() == o.reader_serial.empty()) throw UsageError("takes CERT or --reader SERIAL");
  auto ca = ca::CaDirectory::open(o.dir, &why);
  if (!ca) return fail("ca revoke", why, kExitError);
  if (!o.reader_serial.empty()) {
    if (!ca->revoke_reader(o.reader_serial, &why)) return fail("ca revoke", why, kExitError);
    return kExitOk;
  }
  const Result<Bytes> der = ca::read_certificate_file(o.cert, &why);
  if (!der) return fail("ca revoke", why, kExitError);
  if (!ca->revoke(*der, &why)) return fail("ca revoke", why, kExitError);
  return kExitOk;
}

struct ProvisionCommand {
  std::string reader;
  std::string ca;
  uint64_t years = 5;
};

int run_provision(const ProvisionCommand& o) {
  std::string why;
  auto ca = ca::CaDirectory::open(o.ca, &why);
  if (!ca) return fail("provision", why, kExitError);
  auto reader = Reader::open(o.reader);
  if (!reader) return report("provision", "cannot open reader " + o.reader, reader.error());
  auto done = ca::provision_reader(*reader, *ca, now(), static_cast<int>(o.years), &why);
  if (!done) {
    const Error e = done.error();
    // The reader said no (unauthorised, damaged identity, wrong chain): rejected; a link
    // or reader failure: unreachable.
    return fail("provision", why,
                e == Error::Sw3Unauthorized || e == Error::Sw3IdentityFault ||
                        e == Error::Sw3CommandError || e == Error::InvalidArgument
                    ? kExitRejected
                    : kExitUnreachable);
  }
  if (done->previous.empty())
    std::printf("provisioned %s\n", done->serial.c_str());
  else
    std::printf("re-provisioned %s (was %s)\n", done->serial.c_str(), done->previous.c_str());
  return kExitOk;
}

}  // namespace

Command add_ca(CLI::App& idr) {
  auto o = std::make_shared<CaCommand>();
  CLI::App* app = add_command(idr, "ca",
                              "a certificate authority for readers: init, revoke, "
                              "fingerprint",
                              "The CA directory holds a root and an intermediate (which issues\n"
                              "the readers' certificates) and revoked.txt, the revocation list\n"
                              "`idr read` and `idr verify` load beside a trust path.\n");
  app->require_subcommand(1, 1);

  o->init = app->add_subcommand("init", "create a root and an intermediate CA in DIR");
  o->init->add_option("DIR", o->dir, "the CA directory (must not hold a CA yet)")->required();
  o->init->add_option("--name", o->name, "the CA's name")->capture_default_str();
  add_number_option(*o->init, "--years", o->years, 1, kMaxYears, "validity in years")
      ->default_str("10");

  o->revoke = app->add_subcommand(
      "revoke",
      "revoke a certificate (by issuer + serial, public key, reader serial) or a "
      "reader, in DIR/revoked.txt");
  o->revoke->add_option("DIR", o->dir, "the CA directory")->required();
  CLI::Option* cert = o->revoke->add_option("CERT", o->cert, "the certificate to revoke (PEM)");
  CLI::Option* serial =
      o->revoke->add_option("--reader", o->reader_serial, "revoke a reader by its serial")
          ->type_name("SERIAL");
  cert->excludes(serial);  // and one of them is required (run_ca)

  o->fingerprint =
      app->add_subcommand("fingerprint", "the revocation list lines naming a certificate");
  o->fingerprint->add_option("CERT", o->cert, "the certificate (PEM)")->required();
  for (CLI::App* sub : {o->init, o->revoke, o->fingerprint}) sub->footer(kExitCodeHelp);
  return {app, [o](const std::optional<Words>&) { return run_ca(*o); }};
}

Command add_provision(CLI::App& idr) {
  auto o = std::make_shared<ProvisionCommand>();
  CLI::App* app = add_command(
      idr, "provision", "provision a reader with a CA (key, device certificate, time)",
      "ProvisionKey with a fresh challenge, proof-of-possession check, device certificate from\n"
      "the CA's intermediate, SetTime, ProvisionCerts. A reader already provisioned gets a new\n"
      "key, its certificate and the time as commands authorised by the CA's intermediate key\n"
      "over the reader's challenge; it refuses them from any other CA (exit 6).\n");
  add_reader_option(*app, o->reader);
  app->add_option("--ca", o->ca, "the CA directory (idr ca init)")->type_name("DIR")->required();
  add_number_option(*app, "--years", o->years, 1, kMaxYears,
                    "validity of the device certificate in years")
      ->default_str("5");
  return {app, [o](const std::optional<Words>&) { return run_provision(*o); }};
}

}  // namespace idr::tool
