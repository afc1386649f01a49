// The CA: proof of possession, certificate contents, CA directory round trip.
#include <mbedtls/x509_crt.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

#include "idr/ca.h"
#include "idr/verify.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

TEST_CASE("proof of possession verifies only for the challenge and key signed", "[signed]") {
  DeviceKey key;
  ReadNonce challenge = ca::random_nonce().value();
  const ProvisionedKey good = key.provision(challenge);
  CHECK(ca::check_proof_of_possession(good, challenge).value() == key.serial());
  CHECK(key.serial().size() == 20);
  ReadNonce other = challenge;
  other[0] ^= 1;
  CHECK_FALSE(ca::check_proof_of_possession(good, other));
  ProvisionedKey bad_sig = good;
  bad_sig.signature[10] ^= 1;
  CHECK_FALSE(ca::check_proof_of_possession(bad_sig, challenge));
  DeviceKey thief;
  ProvisionedKey swapped = good;
  swapped.public_key = thief.public_key();  // someone else's key with this signature
  CHECK_FALSE(ca::check_proof_of_possession(swapped, challenge));
}

TEST_CASE("CA directory: init, issue a reader certificate, verify a record, revoke", "[signed]") {
  char tmpl[] = "/tmp/idr_ca_XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = std::string(tmpl) + "/ca";
  std::string why;
  auto ca_dir = ca::CaDirectory::create(dir, "Test Maker", kNow, 5, &why);
  INFO(why);
  REQUIRE(ca_dir);
  CHECK_FALSE(ca::CaDirectory::create(dir, "Again", kNow, 5, &why));  // never overwritten
  auto reopened = ca::CaDirectory::open(dir, &why);
  REQUIRE(reopened);
  CHECK(reopened->root_der() == ca_dir->root_der());

  DeviceKey key;
  const ReadNonce challenge = ca::random_nonce().value();
  ProvisionedKey forged = key.provision(challenge);
  forged.signature[0] ^= 1;
  CHECK_FALSE(reopened->issue_reader(forged, challenge, kNow, 2, &why));
  const auto chain =
      reopened->issue_reader(key.provision(challenge), challenge, kNow, 2, &why).value();
  REQUIRE(chain.size() == 2);

  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  REQUIRE(mbedtls_x509_crt_parse_der(&crt, chain[0].data(), chain[0].size()) == 0);
  CHECK(crt.ca_istrue == 0);
  CHECK(mbedtls_x509_crt_check_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0);
  CHECK(mbedtls_x509_crt_check_key_usage(&crt, MBEDTLS_X509_KU_KEY_CERT_SIGN) != 0);
  mbedtls_x509_crt_free(&crt);

  TrustStore trust;
  REQUIRE(trust.add_roots(dir + "/root.crt.pem", &why));
  REQUIRE(trust.load_revoked(revocation_list_beside(dir + "/root.crt.pem"), &why));
  RecordSpec spec;
  spec.fields = resident_fields({});
  VerifyOptions o;
  o.trust = &trust;
  o.now = kNow;
  o.require_nonce = false;
  o.require_counter = false;
  REQUIRE(verify_record(make_record(key, chain, spec).file, o).verified());

  REQUIRE(reopened->revoke(chain[0], &why));
  TrustStore reloaded;
  REQUIRE(reloaded.add_roots(dir + "/root.crt.pem", &why));
  REQUIRE(reloaded.load_revoked(dir + "/revoked.txt", &why));
  o.trust = &reloaded;
  const VerifiedRecord revoked = verify_record(make_record(key, chain, spec).file, o);
  CHECK(revoked.verdict().first_failure()->reason == Reason::Revoked);

  TrustStore from_dir;  // a directory of PEM files (key files in it are skipped)
  REQUIRE(from_dir.add_roots(dir, &why));
  CHECK(from_dir.root_count() == 2);  // root and intermediate certificates
}

TEST_CASE("revoking a certificate whose CN is no reader serial keeps the list loadable",
          "[signed]") {
  char tmpl[] = "/tmp/idr_ca_XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = std::string(tmpl) + "/ca";
  std::string why;
  auto ca_dir = ca::CaDirectory::create(dir, "Test Maker", kNow, 5, &why);
  REQUIRE(ca_dir);
  const Pki pki = make_pki("cn", kNow - 86400, kNow + 86400);
  DeviceKey key;
  CustomCert spec;
  spec.cn = "IDR A\nreader IDR-OTHER";  // a space, and a line break followed by an entry
  const Bytes cert = issue_custom(pki.intermediate, key.public_key(), spec);
  const auto keys = revocation_keys(cert, &why);
  REQUIRE(keys);
  const std::string entries = revocation_entries(*keys, true);
  CHECK(entries.find("\nreader ") == std::string::npos);         // no reader entry
  CHECK(std::count(entries.begin(), entries.end(), '\n') == 3);  // comment, issuer-serial, spki

  REQUIRE(ca_dir->revoke(cert, &why));
  TrustStore trust;
  REQUIRE(trust.load_revoked(dir + "/revoked.txt", &why));
  CHECK(trust.is_revoked(cert));
  CHECK_FALSE(trust.is_reader_revoked("IDR-OTHER"));

  // The serials the list cannot hold are refused.
  for (const std::string& bad :
       std::vector<std::string>{"", "IDR A", "IDR\vA", "#IDR", std::string(65, 'A')}) {
    CHECK_FALSE(is_reader_serial_entry(bad));
    CHECK_FALSE(ca_dir->revoke_reader(bad, &why));
  }
  CHECK(is_reader_serial_entry(key.serial()));
  REQUIRE(ca_dir->revoke_reader(key.serial(), &why));
  TrustStore again;
  REQUIRE(again.load_revoked(dir + "/revoked.txt", &why));
  CHECK(again.is_reader_revoked(key.serial()));
  std::filesystem::remove_all(tmpl);
}
