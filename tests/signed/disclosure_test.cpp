// Selective disclosure (DESIGN 5): a reduced record (id_number, name, validity) verifies, any
// change to a disclosed value fails, and hidden values are nowhere in the file.
#include <catch2/catch.hpp>
#include <string>

#include "idr/verify.h"
#include "test_signer.h"

using namespace idr;
using namespace idr::test;

namespace {

Bytes utf8(const std::u16string& s) {
  std::string out;
  for (char16_t c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return Bytes(out.begin(), out.end());
}

Bytes ucs2_bare(const std::u16string& s) {
  return ucs2(s, s.size() * 2);
}

}  // namespace

TEST_CASE("a reduced record verifies and hides the other fields", "[signed]") {
  const Pki pki = make_pki("Gate", kNow - 100, kNow + 100000);
  DeviceKey key;
  const auto chain = reader_chain(pki, key);
  const ResidentCard card;
  RecordSpec spec;
  spec.nonce.fill(0x42);
  spec.fields = resident_fields(card);
  spec.fields.push_back({"photo", Bytes(1024, 0xC3)});
  const Built full = make_record(key, chain, spec);

  std::string why;
  const std::vector<std::string> keep = {"id_number", "name", "valid_from", "valid_to"};
  const Bytes reduced = select_disclosures(full.file, keep, &why).value();
  INFO(why);

  TrustStore trust;
  REQUIRE(trust.add_root_der(pki.root.cert_der));
  REQUIRE(trust.load_revoked_text("idr-revocation-list 2\n"));
  VerifyOptions o;
  o.trust = &trust;
  o.now = kNow;
  o.require_nonce = false;  // a gate verifying a forwarded record offline
  o.require_counter = false;
  const VerifiedRecord v = verify_record(reduced, o);
  REQUIRE(v.verified());
  CHECK(v.card()->id_number == "110105200001010013");
  CHECK(v.card()->name == "张三丰");
  CHECK(v.card()->validity.from == "20200101");
  CHECK(v.card()->validity.to == "20400101");
  CHECK(v.card()->address.empty());
  CHECK(v.card()->birth.empty());
  CHECK(v.card()->photo.empty());
  CHECK(v.verified_fields() ==
        std::vector<std::string>{"id_number", "name", "valid_from", "valid_to"});
  const RecordCheckResult* hidden = v.verdict().find(Check::FieldDigest, "address");
  REQUIRE(hidden != nullptr);
  CHECK(hidden->outcome == CheckStatus::NotChecked);
  CHECK(hidden->reason == Reason::NotDisclosed);

  // The COSE_Sign1 is byte for byte the original.
  CHECK(decode_signed(reduced).value().cose == decode_signed(full.file).value().cose);

  // Hidden values appear nowhere: UCS-2 (as on the card) and UTF-8.
  for (const std::u16string& hidden_value : {card.address, card.authority, card.birth}) {
    CHECK(find_bytes(reduced, ucs2_bare(hidden_value)) == std::string::npos);
    CHECK(find_bytes(reduced, utf8(hidden_value)) == std::string::npos);
    CHECK(find_bytes(full.file, ucs2_bare(hidden_value)) != std::string::npos);  // the probe works
  }
  CHECK(find_bytes(reduced, Bytes(64, 0xC3)) == std::string::npos);  // the photo

  // Changing any disclosed value fails its digest.
  const SignedRecord rec = decode_signed(reduced).value();
  for (size_t i = 0; i < rec.disclosures.size(); ++i) {
    for (size_t byte = 0; byte < rec.disclosures[i].value.size(); byte += 5) {
      auto d = rec.disclosures;
      d[i].value[byte] ^= 0x01;
      const VerifiedRecord changed = verify_record(encode_record_file(rec.cose, d), o);
      INFO(d[i].field << " byte " << byte);
      REQUIRE_FALSE(changed.verified());
      REQUIRE(changed.card() == nullptr);
      REQUIRE(changed.verdict().first_failure()->reason == Reason::DigestMismatch);
      REQUIRE(changed.verdict().first_failure()->field == d[i].field);
    }
  }
  // Swapping two disclosed values between fields fails too.
  auto swapped = rec.disclosures;
  std::swap(swapped[2].value, swapped[3].value);  // valid_from <-> valid_to
  CHECK_FALSE(verify_record(encode_record_file(rec.cose, swapped), o).verified());

  // A field the record does not disclose cannot be selected.
  CHECK(select_disclosures(reduced, {"address"}, &why).error() == Error::InvalidArgument);
}
