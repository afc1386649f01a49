#pragma once
// Verifying signed reads (DESIGN 5): a structured verdict with one result per check, like
// JMRTD's VerificationStatus, and card data only inside a VerifiedRecord that says whether
// every required check succeeded.
//
//   idr::TrustStore trust;
//   trust.add_roots("/etc/idr/roots");           // PEM files
//   trust.load_revoked("/etc/idr/revoked.txt");  // revocation list (idr ca revoke), DESIGN 11
//   idr::CounterStore counters("/var/lib/idr/counters.db");
//   idr::VerifyOptions o;
//   o.trust = &trust; o.counters = &counters.value(); o.nonce = nonce_sent; o.now = time(nullptr);
//   idr::VerifiedRecord v = idr::verify_record(file, o);
//   if (v.verified()) use(*v.card());  // else v.verdict() says which check failed and why
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "idr/card.h"
#include "idr/error.h"
#include "idr/signed.h"
#include "idr/verdict.h"

namespace idr {

enum class Check : int {
  Decode = 0,       // the record's CBOR/COSE shape (extension.h)
  Signature = 1,    // ES256 over the Sig_structure with the device certificate's key
  Chain = 2,        // x5chain (strict DER, profile, at most 4) up to a trusted root, validity
                    // at `now`, subject CN = serial
  Revocation = 3,   // no certificate of the path, nor the reader serial, on the list
  Nonce = 4,        // the payload nonce equals the one the host sent
  Counter = 5,      // strictly above the last counter seen from this reader
  SamVerdict = 6,   // the reader's SAM verified the issuer MACs ("sam_ok"): over the
                    // text fields, photo and fingerprint only (covered_by_issuer_mac)
  FieldDigest = 7,  // one per digest or disclosure: SHA-256(salt || value) == digest
  // 8 and 9 are not used (never reused): the DESIGN 7 checks on the card data and the
  // lost/stolen list are not record checks; a Decision runs them (session.h,
  // check_card_data).
};
[[nodiscard]] const char* to_string(Check c) noexcept;

// Whether the card's issuer MACs, which the reader's SAM checks (the SamVerdict), cover a
// signed field: every text field, "photo" and "fingerprint" do (DESIGN 6: file 60 04 MACs
// text || photo and the fingerprint); the appended addresses "address_1".."address_4" have
// no issuer MAC, so only the reader's signature (their FieldDigest) covers them.
[[nodiscard]] bool covered_by_issuer_mac(const std::string& field) noexcept;

// Why a check came out as it did (stable codes for applications and the C API).
enum class Reason : int {
  Ok = 0,
  Malformed = 1,           // Decode: not a record (the message says what)
  BadSignature = 2,        // Signature: does not verify
  NoChain = 3,             // Signature/Chain: no x5chain, no key to verify with
  BadCertificate = 4,      // Chain: a certificate does not parse or has no P-256 key
  UntrustedRoot = 5,       // Chain: does not chain to a configured root
  Expired = 6,             // Chain: a certificate is expired at `now`
  NotYetValid = 7,         // Chain: a certificate is not yet valid at `now`
  SerialMismatch = 8,      // Chain: device certificate CN != payload serial
  NoTrustStore = 9,        // Chain/Revocation: no trust store given
  Revoked = 10,            // Revocation: a certificate is on the list
  NonceMismatch = 11,      // Nonce
  NoExpectedNonce = 12,    // Nonce: the caller gave none (NotChecked)
  Replay = 13,             // Counter: equal to the last seen (a replayed record)
  Regression = 14,         // Counter: lower than the last seen (possible clone)
  NoCounterStore = 15,     // Counter: the caller gave none (NotChecked)
  CounterStoreError = 16,  // Counter: the store failed
  // 17, 23 and 24 are not used (never reused): they were the card data hooks' reasons.
  SamRejected = 18,          // SamVerdict: sam_ok is false
  DigestMismatch = 19,       // FieldDigest
  NoDigest = 20,             // FieldDigest: a disclosure for a field the payload has no digest for
  DuplicateDisclosure = 21,  // FieldDigest: two disclosures for one field
  NotDisclosed = 22,         // FieldDigest: digest present, value withheld (NotChecked, fine)
  UnsupportedPayload = 25,   // Decode: version or alg this library does not know
  Undecodable = 26,          // FieldDigest: verified bytes that do not decode as card text
  NoRevocationList = 27,     // Revocation: no list configured (NotChecked)
  ChainTooLong = 28,         // Chain: more than 4 certificates in x5chain
  NonCanonicalCertificate = 29,  // Chain: not strict DER, bytes after it, high-s signature
  KeyUsage = 30,                 // Chain: keyUsage missing or not as the profile says
  BasicConstraints = 31,         // Chain: CA:TRUE on a reader certificate, or missing on a CA
  PathLength = 32,               // Chain: a CA's pathLenConstraint is exceeded
  UnsupportedAlgorithm = 33,     // Chain: a key that is not P-256 or a signature not ECDSA-SHA256
};
[[nodiscard]] const char* to_string(Reason r) noexcept;

struct RecordCheckResult {
  Check check = Check::Decode;
  std::string field;                              // FieldDigest: the field name; else empty
  CheckStatus outcome = CheckStatus::NotChecked;  // never WARNING
  Reason reason = Reason::Ok;
  std::string message;   // one English sentence
  bool required = true;  // whether verified() needs it to have Succeeded
};

class RecordVerdict {
 public:
  [[nodiscard]] const std::vector<RecordCheckResult>& results() const { return results_; }
  // True iff there is at least one result and every required result Succeeded.
  [[nodiscard]] bool verified() const;
  // The first result of `check` (and `field`, when given); nullptr when none.
  [[nodiscard]] const RecordCheckResult* find(Check check, const std::string& field = {}) const;
  // The first required result that did not succeed; nullptr when verified.
  [[nodiscard]] const RecordCheckResult* first_failure() const;
  void add(RecordCheckResult r) { results_.push_back(std::move(r)); }

 private:
  std::vector<RecordCheckResult> results_;
};

// What a revocation list names a certificate by (DESIGN 11): nothing an attacker can change
// while the chain still verifies.
struct RevocationKeys {
  std::array<uint8_t, 32> issuer_name_hash{};  // SHA-256 of the issuer Name's DER
  Bytes serial;                                // the serialNumber INTEGER's content octets
  std::array<uint8_t, 32> spki_hash{};         // SHA-256 of the SubjectPublicKeyInfo DER
  std::array<uint8_t, 32> certificate_hash{};  // SHA-256 of the (strict, canonical) DER
  std::string subject_cn;                      // a reader certificate's CN is its serial
};
// The keys of one certificate; InvalidArgument (and `why`) when it is not strict DER
// (DESIGN 11) or does not parse.
[[nodiscard]] Result<RevocationKeys> revocation_keys(const Bytes& cert_der,
                                                     std::string* why = nullptr);

// Revocation list, version 2 (text, DESIGN 11; what `idr ca revoke` writes):
//   idr-revocation-list 2                      first line that is not blank or '#'
//   issuer-serial <64 hex> <hex>               SHA-256 of the issuer Name DER, serial number
//   spki <64 hex>                              SHA-256 of the SubjectPublicKeyInfo DER
//   reader <serial>                            a reader serial (payload "serial", cert CN)
//   cert <64 hex>                              SHA-256 of a certificate's DER
// Hex is two digits a byte, either case (an odd number of digits or any other character is
// refused). Blank lines and lines starting with '#' are ignored; anything else is refused
// with its line number. A file without the version line is the version 1 list (one SHA-256
// fingerprint of a certificate's DER a line, colons and case ignored): loaded as `cert` entries,
// which is sound because only strict, canonical, low-s certificates are accepted (one encoding
// each). Chain verdicts are cached in the store (DESIGN 11): each distinct x5chain (by SHA-256 of
// its bytes) is judged against the roots once, at most 4096 kept, least recently used
// dropped; adding a root empties the cache. The time (VerifyOptions::now) and the
// revocation list are checked on every record, never cached.
// Thread-safety (DESIGN 11): the const members, and verify_record / verify_records with a
// TrustStore, may run from any number of threads at once (the cache has its own lock).
// Loading roots or lists (the non-const members) must not overlap any other use of the same
// TrustStore.
class TrustStore {
 public:
  TrustStore();
  ~TrustStore();
  TrustStore(TrustStore&&) noexcept;
  TrustStore& operator=(TrustStore&&) noexcept;

  // A PEM file (one or more certificates) or a directory (every *.pem / *.crt in it).
  // InvalidArgument when nothing parses; `why` says what.
  Result<void> add_roots(const std::string& path, std::string* why = nullptr);
  // Roots are strict DER CA certificates of the profile (DESIGN 11), else refused.
  Result<void> add_root_der(const Bytes& der, std::string* why = nullptr);
  // Loads a revocation list (file at most 16 MiB). Any list loaded, even an empty one,
  // makes the Revocation check run; with none it is NOT_CHECKED (and verification fails
  // unless VerifyOptions::require_revocation is false).
  Result<void> load_revoked(const std::string& file, std::string* why = nullptr);
  Result<void> load_revoked_text(const std::string& text, const std::string& source = "list",
                                 std::string* why = nullptr);
  void revoke_fingerprint(const std::array<uint8_t, 32>& sha256_of_der);
  // Revokes by issuer + serial and by key (both of `der`'s keys).
  Result<void> revoke_certificate(const Bytes& der, std::string* why = nullptr);
  void revoke_reader(const std::string& serial);
  [[nodiscard]] bool has_revocation_list() const;
  // Which entry revokes a certificate with these keys ("issuer and serial number", "public
  // key", "certificate fingerprint"); nullptr when none.
  [[nodiscard]] const char* revoked_by(const RevocationKeys& keys) const;
  [[nodiscard]] bool is_reader_revoked(const std::string& serial) const;
  // A certificate's DER: revoked by any of its keys (false when it does not parse).
  [[nodiscard]] bool is_revoked(const Bytes& der) const;
  [[nodiscard]] size_t root_count() const;

  struct Impl;
  [[nodiscard]] const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// The last counter seen per reader serial, in SQLite (table reader_counters). Thread-safe
// per process; the update is a conditional UPDATE so two verifiers of one record cannot
// both accept it.
class CounterStore {
 public:
  [[nodiscard]] static Result<CounterStore> open(const std::string& path,
                                                 std::string* why = nullptr);
  CounterStore(CounterStore&&) noexcept;
  CounterStore& operator=(CounterStore&&) noexcept;
  ~CounterStore();

  // The last counter accepted from `serial`; nullopt when none yet.
  [[nodiscard]] Result<std::optional<uint64_t>> last(const std::string& serial) const;
  // Records `counter` for `serial` only if it is above the last one. Ok(true) when recorded,
  // Ok(false) when not (replay/regression raced in).
  [[nodiscard]] Result<bool> advance(const std::string& serial, uint64_t counter);

 private:
  struct Impl;
  explicit CounterStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct VerifyOptions {
  const TrustStore* trust = nullptr;  // required: without it Chain fails
  CounterStore* counters = nullptr;   // advanced only when every other check succeeded
  std::optional<ReadNonce> nonce;     // the nonce the host sent with READ_SIGNED
  int64_t now = 0;                    // Unix seconds for certificate validity (the caller's clock)
  // True by default: a missing nonce or counter store leaves a required check NotChecked,
  // so the record is not verified. False for the offline verification of a forwarded
  // record (no nonce / counter to compare): the check is NotChecked and not required.
  bool require_nonce = true;
  bool require_counter = true;
  // Without a revocation list (TrustStore::has_revocation_list) the Revocation check is
  // NOT_CHECKED; required unless this is false.
  bool require_revocation = true;
  // The DESIGN 7 checks on the card data and the lost/stolen list are not options here: a
  // Decision (session.h) runs them on VerifiedRecord::card(), and check_card_data runs them
  // on any card data with a Policy.
};

// The outcome of verify_record: the verdict, and the card data only when verified.
class VerifiedRecord {
 public:
  [[nodiscard]] bool verified() const { return verdict_.verified(); }
  [[nodiscard]] const RecordVerdict& verdict() const { return verdict_; }
  // The disclosed, digest-checked fields decoded (undisclosed fields empty); nullptr unless
  // verified().
  [[nodiscard]] const CardData* card() const { return verified() && card_ ? &*card_ : nullptr; }
  // The decoded record (shape only); nullptr when it did not decode. Values in it are NOT
  // verified unless verified() is true.
  [[nodiscard]] const SignedRecord* record() const { return record_ ? &*record_ : nullptr; }
  // Names of the fields whose values were disclosed and matched their digest.
  [[nodiscard]] const std::vector<std::string>& verified_fields() const { return fields_; }

 private:
  friend VerifiedRecord verify_record(const uint8_t*, size_t, const VerifyOptions&);
  RecordVerdict verdict_;
  std::optional<CardData> card_;
  std::optional<SignedRecord> record_;
  std::vector<std::string> fields_;
};

[[nodiscard]] VerifiedRecord verify_record(const uint8_t* data, size_t size,
                                           const VerifyOptions& options);
[[nodiscard]] inline VerifiedRecord verify_record(const Bytes& file, const VerifyOptions& options) {
  return verify_record(file.data(), file.size(), options);
}

// A record file, whole, its size checked before a byte is read (DESIGN 11): InvalidArgument
// (with `why`) when it is not a regular file or holds more than kMaxRecordSize bytes, Io
// when it cannot be opened or read. What it holds is not looked at: verify_record does that.
[[nodiscard]] Result<Bytes> read_record_file(const std::string& path, std::string* why = nullptr);

// Many records at once on `threads` threads (0: one per core); result i is what
// verify_record(records[i], options) gives. For offline verification (ingest of forwarded
// records, require_nonce = false). Thread-safety contract: every thread reads `options`;
// the TrustStore must not be loaded meanwhile; with a CounterStore, two records of
// one reader in one batch race (the lower counter can come out as a regression): give a
// batch at most one record per reader, or no CounterStore (require_counter = false).
// An allocation failure in any thread is rethrown here after all threads stopped; so is a
// thread that cannot be started (std::system_error), after the started ones are joined.
[[nodiscard]] std::vector<VerifiedRecord> verify_records(const std::vector<Bytes>& records,
                                                         const VerifyOptions& options,
                                                         unsigned threads = 0);

// SHA-256 of a certificate's DER (a `cert` entry of the revocation list).
[[nodiscard]] std::array<uint8_t, 32> certificate_fingerprint(const Bytes& der);

// The revocation list that belongs to a trust path (DESIGN 11): `revoked.txt` in the
// directory when `trust_path` is a directory, else next to the file (the layout of a CA
// directory, idr/ca.h). Empty when there is none.
[[nodiscard]] std::string revocation_list_beside(const std::string& trust_path);

// Whether `serial` can be the serial of a list's `reader` entry: 1 to 64 characters, no white
// space (the list's separator), no '#'.
[[nodiscard]] bool is_reader_serial_entry(const std::string& serial);

// The version 2 list lines naming `keys` (issuer-serial when the serial number has at most
// 32 bytes, spki, plus reader when `reader` is true and the subject CN
// is_reader_serial_entry), with a comment naming the subject (its control characters as
// '?', so the comment stays one line).
[[nodiscard]] std::string revocation_entries(const RevocationKeys& keys, bool reader);

}  // namespace idr
