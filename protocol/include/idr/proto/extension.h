#pragma once
// Host-link extension commands (DESIGN 4): CMD hostlink::cmd::kExtension (0xE0), PARA selects
// the operation, DATA as below. Replies are ordinary legacy replies (SW1 SW2 = 00, SW3 0x90 on
// success, otherwise a legacy error SW3) whose DATA is as below. Shared by the firmware and the
// host library. Integers big endian unless noted; CBOR per RFC 8949 (deterministic encoding:
// definite lengths, shortest integer forms, map keys in the order written here).
//
// Signed reads (DESIGN 5). READ_SIGNED answers a CBOR array [record, disclosures]:
//   record      = COSE_Sign1 (RFC 9052, tag 18): [protected: bstr .cbor {1: -7} (ES256),
//                 unprotected: {33 (x5chain): [device cert DER, intermediate DER, ...]} (empty
//                 map when the reader holds no chain), payload: bstr .cbor Payload,
//                 signature: bstr 64 (r || s, P-256)]; signed over
//                 Sig_structure ["Signature1", protected, h'', payload] with SHA-256.
//   Payload     = { "v": 1, "serial": tstr, "ctr": uint, "nonce": bstr 16, "time": uint (reader
//                   clock, Unix seconds; 0 when never set), "type": uint (card type char from
//                   byte 248: 0x20 resident, 'J', 'I', 'Y'), "uid": bstr 8, "sam": bstr 16 (SAM
//                   id), "sam_ok": bool (the SAM verified the issuer MACs over text || photo and
//                   the fingerprint; false: it rejected one, the data is signed as read; appended
//                   addresses have no issuer MAC), "alg": "SHA-256", "digests": { field name: bstr
//                   32 } }
//   digest      = SHA-256(salt (16) || field bytes), like the ISO/IEC 18013-5 mobile security
//                 object. Field bytes are the card's bytes (UCS-2LE slices of the text block as
//                 laid out in card_layout.h for the card's type, photo 1024, fingerprint as read,
//                 each appended address 70), so the host decodes only what verified.
//   disclosures = [ [field name, salt bstr 16, value bstr], ... ] for every field read.
//   Field names: "text" is never a field; per layout (card_layout.h) the names are
//   resident: name gender ethnicity birth address id_number authority valid_from valid_to
//   J: name gender birth address id_number authority valid_from valid_to pass_number issue_count
//   I: english_name gender permanent_number nationality chinese_name issued expires birth
//      card_version authority_code
//   Y: chinese_name gender renewal_count birth english_name_1 id_number issued expires
//      english_name_2 country_code previous_number_link
//   plus "photo", "fingerprint", "address_1".."address_4" when read.
#include <cstddef>
#include <cstdint>

namespace idr::ext {

inline constexpr uint8_t kCmd = 0xE0;  // == hostlink::cmd::kExtension

enum class Op : uint8_t {
  DeviceInfo = 0x01,      // -> CBOR {"serial": tstr, "fw": tstr, "ctr": uint, "provisioned": bool,
                          //          "state": tstr (see States), "pubkey": bstr 65 (uncompressed
                          //          P-256; only when provisioned)}; "provisioned" is true in
                          //          "keyed" and "provisioned" (a key that signs)
  CertChain = 0x02,       // -> CBOR [cert DER bstr, ...] (empty array when none committed)
  ReadSigned = 0x03,      // DATA nonce(16) || fields(1: bit0 text, bit1 photo, bit2 fingerprint,
                          //      bit3 addresses) -> CBOR [record, disclosures]; the card must have
                          //      been found (find 9F); the reader selects and reads it.
  SetTime = 0x04,         // DATA u64 Unix seconds -> (empty). Unauthorised only before
                          //    "provisioned"; after, only inside Authorized.
  GetCounter = 0x05,      // -> u64 the last counter emitted (0: none yet)
  SelfTest = 0x06,        // -> (empty) or SW3 0x60 (0x25 in "fault")
  ProvisionKey = 0x10,    // DATA challenge(16) -> pubkey(65) || ECDSA-SHA256 signature(64, r||s)
                          //    over "idr-provision" || serial || challenge || pubkey (proof of
                          //    possession; serial = that of pubkey). "factory": generates the
                          //    key; "keyed": returns the stored one (a retried command is safe);
                          //    "provisioned": 0x23 unless inside Authorized, where it generates
                          //    a NEW key that becomes the identity only when ProvisionCerts
                          //    (authorised) commits its chain; until then the old one signs.
  ProvisionCerts = 0x11,  // DATA CBOR [device cert DER, ..., CA cert DER] (2..8 certificates)
                          //    -> (empty). The device cert's key must be the reader's key, or
                          //    inside Authorized the new key (else SW3 0x21); the last cert's
                          //    key becomes the authority for later changes. "keyed": accepted
                          //    once (-> "provisioned"); "provisioned": only inside Authorized.
  AuthChallenge = 0x12,   // -> challenge(16): fresh random, single use (consumed by the next
                          //    Authorized command, whatever its outcome; lost on reset).
                          //    Only in "provisioned" (else 0x23; 0x25 in "fault").
  Authorized = 0x13,      // DATA op(1: 0x04, 0x10 or 0x11) || signature(64, r||s) || the op's
                          //    DATA -> the op's reply. signature = ECDSA P-256 over SHA-256 of
                          //    "idr-authorize" || serial(20) || challenge(16) || op(1) ||
                          //    SHA-256(the op's DATA), by the key of the last certificate of
                          //    the committed chain (the manufacturer CA that issued the
                          //    reader's certificate). Wrong, replayed, other reader, other op,
                          //    other data, no challenge: 0x23 and nothing changes.
};

// States (DeviceInfo "state"; DESIGN 11):
//   "factory"      no key: ProvisionKey generates one
//   "keyed"        a key, no chain yet: the first ProvisionCerts (and SetTime) accepted
//   "provisioned"  key and chain committed: changes only inside Authorized
//   "fault"        a stored record is damaged: READ_SIGNED, self-test and provisioning
//                  answer 0x25 (hostlink::sw3::kIdentityFault); only a factory erase helps
inline constexpr char kStateFactory[] = "factory";
inline constexpr char kStateKeyed[] = "keyed";
inline constexpr char kStateProvisioned[] = "provisioned";
inline constexpr char kStateFault[] = "fault";

inline constexpr char kAuthorizeContext[] = "idr-authorize";
inline constexpr size_t kChallengeSize = 16;
inline constexpr size_t kAuthorizedHeaderSize = 1 + 64;  // op || signature

inline constexpr size_t kNonceSize = 16;
inline constexpr size_t kSaltSize = 16;
inline constexpr size_t kDigestSize = 32;
inline constexpr size_t kPublicKeySize = 65;
inline constexpr size_t kSignatureSize = 64;

enum FieldBits : uint8_t {
  kText = 1u << 0,
  kPhoto = 1u << 1,
  kFingerprint = 1u << 2,
  kAddresses = 1u << 3,
};

}  // namespace idr::ext
