// `idr verify` / `idr disclose` / `idr ca` exit codes (hostlib/tools/exit_codes.h), run as
// processes.
#include <stdlib.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "idr/ca.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

int run(const std::string& args) {
  const std::string cmd = std::string(IDR_TOOL_EXE) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

void write(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::string hex(const ReadNonce& n) {
  std::string s;
  char buf[3];
  for (uint8_t b : n) {
    std::snprintf(buf, sizeof(buf), "%02x", b);
    s += buf;
  }
  return s;
}

}  // namespace

TEST_CASE("idr verify, disclose and ca exit codes", "[signed]") {
  char tmpl[] = "/tmp/idr_signed_cli_XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  REQUIRE(run("ca init " + dir + "/ca --name Test --years 2") == 0);
  REQUIRE(run("ca init " + dir + "/ca") == 7);  // never overwrites a CA

  // A reader certified by that CA (through the library: no reader process here).
  auto ca = ca::CaDirectory::open(dir + "/ca").value();
  DeviceKey key;
  const ReadNonce challenge = ca::random_nonce().value();
  const auto chain = ca.issue_reader(key.provision(challenge), challenge, time(nullptr), 1).value();

  RecordSpec spec;
  spec.nonce.fill(0x33);
  spec.counter = 7;
  spec.fields = resident_fields({});
  const Built b = make_record(key, chain, spec);
  const std::string rec = dir + "/rec.cose";
  write(rec, b.file);
  const std::string trust = " --trust " + dir + "/ca/root.crt.pem";

  CHECK(run("verify " + rec + trust) == 0);
  CHECK(run("verify " + rec + trust + " --nonce " + hex(spec.nonce)) == 0);
  ReadNonce wrong = spec.nonce;
  wrong[0] ^= 1;
  CHECK(run("verify " + rec + trust + " --nonce " + hex(wrong)) == 6);
  CHECK(run("verify " + rec) == 6);                              // no trusted root
  CHECK(run("verify " + rec + " --trust " + dir + "/ca") == 0);  // a directory of roots
  CHECK(run("verify " + rec + trust + " --counters " + dir + "/c.db") == 0);
  CHECK(run("verify " + rec + trust + " --counters " + dir + "/c.db") == 6);  // replay
  CHECK(run("verify " + dir + "/missing" + trust) == 7);                      // cannot be read
  CHECK(run("verify " + rec + " --trust " + dir + "/missing.pem") == 7);      // nor the roots
  CHECK(run("verify " + rec + trust + " --nonce 12") == 1);
  CHECK(run("verify" + trust) == 1);

  write(dir + "/flipped.cose", flip_bit(b.file, b.file.size() - 1));  // last disclosure value
  CHECK(run("verify " + dir + "/flipped.cose" + trust) == 6);
  write(dir + "/short.cose", Bytes(b.file.begin(), b.file.begin() + 100));
  CHECK(run("verify " + dir + "/short.cose" + trust) == 6);

  const std::string reduced = dir + "/gate.cose";
  REQUIRE(run("disclose --fields id_number,name,valid_from,valid_to " + rec + " " + reduced) == 0);
  CHECK(run("verify " + reduced + trust) == 0);
  CHECK(run("disclose --fields address " + reduced + " " + dir + "/x.cose") == 1);
  CHECK(run("disclose " + rec + " " + dir + "/x.cose") == 1);
  CHECK(run("disclose --fields name " + dir + "/short.cose " + dir + "/x.cose") == 5);

  std::ofstream(dir + "/dev.pem") << ca::to_pem(chain[0]);
  CHECK(run("ca fingerprint " + dir + "/dev.pem") == 0);
  REQUIRE(run("ca revoke " + dir + "/ca " + dir + "/dev.pem") == 0);
  CHECK(run("ca revoke " + dir + "/no-ca " + dir + "/dev.pem") == 7);
  CHECK(run("ca revoke " + dir + "/ca " + dir + "/short.cose") == 7);  // not a certificate
  CHECK(run("verify " + rec + trust + " --revoked " + dir + "/ca/revoked.txt") == 6);
  CHECK(run("verify --help") == 0);
}
