// DESIGN 5: a record decoded field by field against RFC 9052 with libcbor by
// this test's own small decoder (not the library's), and its signature checked with mbedTLS
// over the Sig_structure of RFC 9052 section 4.4.
#include <cbor.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <set>

#include "idr/signed.h"
#include "libcbor_view.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

// The value under `key`; the test fails without it.
const cbor_item_t* lookup(const cbor_item_t* map, const std::string& key) {
  const cbor_item_t* value = find_text_key(map, key);
  if (value == nullptr) FAIL("no key " << key);
  return value;
}

}  // namespace

TEST_CASE("record decodes field by field as RFC 9052 COSE_Sign1 (independent decoder)",
          "[signed]") {
  const Pki pki = make_pki("Format", kNow - 100, kNow + 100000);
  DeviceKey key;
  const auto chain = reader_chain(pki, key);
  RecordSpec spec;
  spec.nonce.fill(0xAB);
  spec.counter = 300;  // two-byte CBOR integer
  spec.fields = resident_fields({});
  const Built b = make_record(key, chain, spec);

  // RFC 8949 3: 0x82 = array of 2 items; 0xD2 = major type 6 (tag), value 18 (COSE_Sign1_Tagged,
  // RFC 9052 4.2). Checked by hand: libcbor 0.8 rejects tags 6..20 as unassigned.
  REQUIRE(b.file.size() > 2);
  CHECK(b.file[0] == 0x82);
  CHECK(b.file[1] == 0xD2);
  cbor_load_result res{};
  // COSE_Sign1 = [protected, unprotected, payload, signature].
  Item sign1(cbor_load(b.file.data() + 2, b.file.size() - 2, &res));
  REQUIRE(res.error.code == CBOR_ERR_NONE);
  const size_t sign1_size = res.read;
  REQUIRE(cbor_isa_array(sign1.p));
  REQUIRE(cbor_array_size(sign1.p) == 4);
  cbor_item_t** s = cbor_array_handle(sign1.p);
  Item disclosures(cbor_load(b.file.data() + 2 + sign1_size, b.file.size() - 2 - sign1_size, &res));
  REQUIRE(res.error.code == CBOR_ERR_NONE);
  REQUIRE(2 + sign1_size + res.read == b.file.size());

  // protected: bstr .cbor header_map = {1: -7} (alg: ES256, RFC 9053 2.1).
  const Bytes prot = bstr(s[0]);
  Item ph(cbor_load(prot.data(), prot.size(), &res));
  REQUIRE(cbor_isa_map(ph.p));
  REQUIRE(cbor_map_size(ph.p) == 1);
  CHECK(cbor_get_int(cbor_map_handle(ph.p)[0].key) == 1);
  REQUIRE(cbor_isa_negint(cbor_map_handle(ph.p)[0].value));
  CHECK(cbor_get_int(cbor_map_handle(ph.p)[0].value) == 6);  // -1 - 6 = -7

  // unprotected: {33: [DER...]} (x5chain, RFC 9360 2).
  REQUIRE(cbor_isa_map(s[1]));
  REQUIRE(cbor_map_size(s[1]) == 1);
  CHECK(cbor_get_int(cbor_map_handle(s[1])[0].key) == 33);
  const cbor_item_t* x5 = cbor_map_handle(s[1])[0].value;
  REQUIRE(cbor_array_size(x5) == 2);
  CHECK(bstr(cbor_array_handle(x5)[0]) == chain[0]);
  CHECK(bstr(cbor_array_handle(x5)[1]) == chain[1]);

  // payload: bstr .cbor Payload (extension.h), exactly the 11 keys.
  const Bytes payload = bstr(s[2]);
  Item pm(cbor_load(payload.data(), payload.size(), &res));
  REQUIRE(res.read == payload.size());
  REQUIRE(cbor_isa_map(pm.p));
  std::set<std::string> keys;
  for (size_t i = 0; i < cbor_map_size(pm.p); ++i) keys.insert(tstr(cbor_map_handle(pm.p)[i].key));
  CHECK(keys == std::set<std::string>{"v", "serial", "ctr", "nonce", "time", "type", "uid", "sam",
                                      "sam_ok", "alg", "digests"});
  CHECK(cbor_get_int(lookup(pm.p, "v")) == 1);
  CHECK(tstr(lookup(pm.p, "serial")) == key.serial());
  CHECK(cbor_get_int(lookup(pm.p, "ctr")) == 300);
  CHECK(bstr(lookup(pm.p, "nonce")) == Bytes(16, 0xAB));
  CHECK(cbor_get_int(lookup(pm.p, "type")) == 0x20);
  CHECK(bstr(lookup(pm.p, "uid")).size() == 8);
  CHECK(bstr(lookup(pm.p, "sam")).size() == 16);
  CHECK(cbor_get_bool(lookup(pm.p, "sam_ok")));
  CHECK(tstr(lookup(pm.p, "alg")) == "SHA-256");
  const cbor_item_t* digests = lookup(pm.p, "digests");
  REQUIRE(cbor_map_size(digests) == spec.fields.size());

  // disclosures: [[field, salt 16, value], ...]; SHA-256(salt || value) == digest.
  const cbor_item_t* ds = disclosures.p;
  REQUIRE(cbor_array_size(ds) == spec.fields.size());
  for (size_t i = 0; i < cbor_array_size(ds); ++i) {
    cbor_item_t** d = cbor_array_handle(cbor_array_handle(ds)[i]);
    const std::string name = tstr(d[0]);
    Bytes pre = bstr(d[1]);
    REQUIRE(pre.size() == 16);
    const Bytes value = bstr(d[2]);
    CHECK(value == spec.fields[i].value);
    pre.insert(pre.end(), value.begin(), value.end());
    uint8_t digest[32];
    mbedtls_sha256_ret(pre.data(), pre.size(), digest, 0);
    CHECK(bstr(lookup(digests, name)) == Bytes(digest, digest + 32));
  }

  // signature: 64 bytes r || s over Sig_structure ["Signature1", protected, h'', payload].
  const Bytes sig = bstr(s[3]);
  REQUIRE(sig.size() == 64);
  Bytes tbs = {0x84, 0x6A};
  const char* ctx = "Signature1";
  tbs.insert(tbs.end(), ctx, ctx + 10);
  tbs.push_back(0x43);
  tbs.insert(tbs.end(), prot.begin(), prot.end());
  tbs.push_back(0x40);
  tbs.push_back(0x59);  // bstr, 2-byte length
  tbs.push_back(static_cast<uint8_t>(payload.size() >> 8));
  tbs.push_back(static_cast<uint8_t>(payload.size()));
  REQUIRE(payload.size() > 255);
  tbs.insert(tbs.end(), payload.begin(), payload.end());
  uint8_t hash[32];
  mbedtls_sha256_ret(tbs.data(), tbs.size(), hash, 0);
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  REQUIRE(mbedtls_x509_crt_parse_der(&crt, chain[0].data(), chain[0].size()) == 0);
  mbedtls_mpi r, ss;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&ss);
  REQUIRE(mbedtls_mpi_read_binary(&r, sig.data(), 32) == 0);
  REQUIRE(mbedtls_mpi_read_binary(&ss, sig.data() + 32, 32) == 0);
  mbedtls_ecp_keypair* ec = mbedtls_pk_ec(crt.pk);
  CHECK(mbedtls_ecdsa_verify(&ec->grp, hash, 32, &ec->Q, &r, &ss) == 0);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&ss);
  mbedtls_x509_crt_free(&crt);

  // And the library's decoder agrees.
  const SignedRecord rec = decode_signed(b.file).value();
  CHECK(rec.payload_bytes == payload);
  CHECK(rec.payload.counter == 300);
  CHECK(rec.chain == chain);
  CHECK(rec.disclosures.size() == spec.fields.size());
}

TEST_CASE("the strict decoder rejects what extension.h does not allow", "[signed]") {
  const Pki pki = make_pki("Strict", kNow - 100, kNow + 100000);
  DeviceKey key;
  RecordSpec spec;
  spec.fields = resident_fields({});
  const Built b = make_record(key, reader_chain(pki, key), spec);
  std::string why;
  REQUIRE(decode_signed(b.file, &why));

  Bytes wrong_tag = b.file;
  REQUIRE(wrong_tag[1] == 0xD2);  // tag 18
  wrong_tag[1] = 0xD1;            // tag 17 (COSE_Mac0)
  CHECK_FALSE(decode_signed(wrong_tag, &why));
  CHECK(why.find("tag 18") != std::string::npos);

  Bytes wrong_alg = b.file;
  const size_t at = find_bytes(wrong_alg, {0x43, 0xA1, 0x01, 0x26});
  REQUIRE(at != std::string::npos);
  wrong_alg[at + 3] = 0x27;  // -8 (EdDSA)
  CHECK_FALSE(decode_signed(wrong_alg, &why));
  CHECK(why.find("ES256") != std::string::npos);

  CHECK_FALSE(decode_signed(Bytes{0x82, 0x80, 0x80}, &why));
  CHECK_FALSE(decode_signed(Bytes{}, &why));
}
