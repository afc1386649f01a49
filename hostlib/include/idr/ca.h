#pragma once
// A small manufacturer CA for reader certificates (DESIGN 5): a root and an intermediate
// (P-256, ECDSA-SHA256), and the reader's device certificate issued at provisioning after
// the reader proved it holds the key (extension.h ProvisionKey).
//
// CA directory (CaDirectory):
//   root.crt.pem, root.key.pem                  the root (keep offline in real life)
//   intermediate.crt.pem, intermediate.key.pem  signs the reader certificates
//   issued/<serial>.crt.pem                     every reader certificate issued
//   revoked.txt                                 revocation list, version 2 (verify.h, DESIGN 11)
// Key files are created mode 0600.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "idr/error.h"
#include "idr/signed.h"

namespace idr {
class Reader;
}

namespace idr::ca {

// A certificate and its private key (PEM, PKCS#1/SEC1 "EC PRIVATE KEY"); the key is wiped
// when the object goes.
struct Identity {
  Bytes cert_der;
  std::string key_pem;
  Identity() = default;
  Identity(const Identity&) = default;
  Identity& operator=(const Identity&) = default;
  Identity(Identity&&) noexcept = default;
  Identity& operator=(Identity&&) noexcept = default;
  ~Identity();
};

struct Validity {
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
};

// Every certificate written is strict DER with a low-s signature and follows the profile of
// DESIGN 11 (P-256, ECDSA-SHA256, keyUsage, basicConstraints).
// Self-signed root (CA, keyCertSign + cRLSign, path length 1).
[[nodiscard]] Result<Identity> create_root(const std::string& common_name, Validity v,
                                           std::string* why = nullptr);
// Intermediate signed by `issuer` (CA, path length 0).
[[nodiscard]] Result<Identity> create_intermediate(const Identity& issuer,
                                                   const std::string& common_name, Validity v,
                                                   std::string* why = nullptr);
// A reader's device certificate: subject CN = `serial`, the reader's 65-byte P-256 public
// key, keyUsage digitalSignature, not a CA; signed by `issuer`.
[[nodiscard]] Result<Bytes> certify_reader(const Identity& issuer, const uint8_t* public_key65,
                                           const std::string& serial, Validity v,
                                           std::string* why = nullptr);

// Proof of possession (extension.h ProvisionKey): the signature verifies with the key over
// SHA-256("idr-provision" || serial || challenge || key), serial derived from the key as
// the firmware does. Returns the serial. InvalidArgument when it does not verify.
[[nodiscard]] Result<std::string> check_proof_of_possession(const ProvisionedKey& key,
                                                            const ReadNonce& challenge);

// The CBOR array [DER, ...] of ProvisionCerts.
[[nodiscard]] Bytes chain_cbor(const std::vector<Bytes>& chain);

[[nodiscard]] std::string to_pem(const Bytes& der);
[[nodiscard]] Result<Bytes> from_pem(const std::string& pem);
// The first certificate of a PEM file (at most 16 MiB, its size checked before a byte is
// read), as DER. InvalidArgument (with `why`) when the file is too large, not a regular file
// or holds no certificate that parses; Io when it cannot be opened or read.
[[nodiscard]] Result<Bytes> read_certificate_file(const std::string& path,
                                                  std::string* why = nullptr);
// 16 random bytes from the system's entropy (challenges, nonces).
[[nodiscard]] Result<ReadNonce> random_nonce();

// What provision_reader did.
struct Provisioned {
  std::string serial;        // the reader's serial now
  std::string previous;      // its serial before (empty: it was not provisioned)
  std::vector<Bytes> chain;  // the chain it now holds
};

class CaDirectory;

// `idr provision`: provisions the reader with this CA (DESIGN 11). In "factory" or "keyed":
// ProvisionKey with a fresh challenge, proof of possession, device certificate, SetTime
// (`now`), ProvisionCerts. In "provisioned": the same steps as authorised commands, each on
// a fresh reader challenge signed by `ca` (a new key, then its chain, then the time); the
// reader refuses them unless `ca` is the one that issued its current chain. Checks that
// the reader then holds the chain sent. `why` says which step failed.
[[nodiscard]] Result<Provisioned> provision_reader(Reader& reader, CaDirectory& ca, int64_t now,
                                                   int years, std::string* why = nullptr);

class CaDirectory {
 public:
  // Creates DIR (which must not hold a CA yet) with a root and an intermediate valid for
  // `years` from `now`.
  [[nodiscard]] static Result<CaDirectory> create(const std::string& dir, const std::string& name,
                                                  int64_t now, int years,
                                                  std::string* why = nullptr);
  [[nodiscard]] static Result<CaDirectory> open(const std::string& dir, std::string* why = nullptr);

  [[nodiscard]] const Bytes& root_der() const { return root_der_; }
  [[nodiscard]] const Bytes& intermediate_der() const { return intermediate_.cert_der; }
  [[nodiscard]] const std::string& dir() const { return dir_; }

  // Checks the proof of possession, issues the device certificate (valid `years` from
  // `now`), stores it under issued/ and returns the chain [device, intermediate].
  [[nodiscard]] Result<std::vector<Bytes>> issue_reader(const ProvisionedKey& key,
                                                        const ReadNonce& challenge, int64_t now,
                                                        int years, std::string* why = nullptr);
  // The authorisation of one change to a provisioned reader (extension.h Authorized,
  // DESIGN 11): signed with the intermediate's key (the last certificate of the chains this
  // CA issues) over SHA-256("idr-authorize" || serial || challenge || op || SHA-256(data)),
  // `challenge` from Reader::authorization_challenge, `data` the command's DATA
  // (Reader::set_time_data, Reader::provision_certs_data, or the ProvisionKey challenge).
  [[nodiscard]] Result<Authorization> authorize(const std::string& serial,
                                                const ReadNonce& challenge, AuthorizedOp op,
                                                const Bytes& data,
                                                std::string* why = nullptr) const;
  // Adds the certificate's issuer + serial and public key (and, for a reader certificate,
  // its serial) to revoked.txt; a version 1 list there is rewritten as version 2 first.
  // The file is replaced atomically.
  [[nodiscard]] Result<void> revoke(const Bytes& cert_der, std::string* why = nullptr);
  // Adds `reader <serial>` (a reader whose certificate is not at hand).
  [[nodiscard]] Result<void> revoke_reader(const std::string& serial, std::string* why = nullptr);

 private:
  [[nodiscard]] Result<void> revoke_entries(const std::string& lines, std::string* why);
  std::string dir_;
  Bytes root_der_;
  Identity intermediate_;
};

}  // namespace idr::ca
