#pragma once
// The extension commands (CMD 0xE0, protocol/include/idr/proto/extension.h): device
// info, certificate chain, READ_SIGNED, set time, counter, self-test, provisioning. Talks to
// the card only through IdCardReader and to keys/counter only through ReaderIdentity.
//
// Status codes (SW3) chosen here (extension.h fixes only some):
//   unknown PARA, fields 0 or unknown bits, malformed or mismatching chain   21
//   DATA of the wrong length                                                  11
//   READ_SIGNED / ProvisionCerts before ProvisionKey                          23
//   provisioning or SetTime once provisioned without a valid Authorized      23
//   the stored identity is damaged (KeyStore Fault): READ_SIGNED, self-test,
//   provisioning, SetTime, AuthChallenge                                      25
//   select failed 81; read failures as the legacy reads (31/32/33/41/91)
//   text requested and the card type is unknown                               40
//   SAM id unreadable, self-test failed                                        60
//   RNG failed (salts)                                                         47
//   counter journal / flash / signing failure                                  24
//   a TRNG that answers two draws alike: ProvisionKey making a key,
//   AuthChallenge (ReaderIdentity::trng_alive)                                24
//   CertChain when none is stored: OK with an empty array (0x80)
//
// ProvisionKey that makes the reader's first key also fills the ECDSA nonce pool (which
// needs a key: ReaderIdentity::precompute_nonce), as start-up does for a reader with a key.
//
// READ_SIGNED: select (uid), read base (+ fingerprint) (+ addresses) into the lent
// CardBuffers, SAM id, one salt per field (ReaderIdentity::salts: the TRNG hedged with the
// key and the counter), digests SHA-256(salt || value),
// reserve the counter (durable before it is used), then the payload -- never held whole: it
// is encoded three times through a small window (its size; its Sig_structure hash, ES256 over
// that digest; the reply), and the reply [COSE_Sign1, disclosures] is streamed to the host
// link with the certificate chain copied from flash in pieces (DESIGN 9 footprint). The
// wire format is the single reply frame of before.
// "sam_ok" is the SAM's verdict on the issuer MACs of the base file and the fingerprint
// (IdCardReader::issuer_macs_rejected after a DataCheckFailed read, id_card_reader.h): false when
// the SAM rejected one of them; the record is still signed, so the host sees what the card held and
// that the SAM did not vouch for it. Appended addresses carry no issuer MAC: sam_ok says nothing of
// them. Any other read failure answers its SW3 and nothing is signed.
//
// Memory: about 0.9 KiB (field digests and salts, the disclosed-field list); the card's
// files live in the CardBuffers the server lends per command.
#include <cstddef>
#include <cstdint>

#include "idr/core/hostlink/card_buffers.h"
#include "idr/core/hostlink/extension_handler.h"
#include "idr/core/hostlink/reply_writer.h"
#include "idr/core/hostlink/signed_fields.h"
#include "idr/core/id_card_reader.h"
#include "idr/crypto/reader_identity.h"
#include "idr/hal/hal.h"
#include "idr/proto/card_layout.h"
#include "idr/proto/cbor.h"
#include "idr/proto/extension.h"
#include "idr/proto/hostlink.h"

namespace idr::core {

inline constexpr char kFirmwareVersion[] = "idr-fw 0.1.0";

class ExtensionCommands final : public ExtensionHandler {
 public:
  // Upper bound of the READ_SIGNED payload (all fields of the largest layout, fingerprint,
  // four addresses); checked at run time too.
  static constexpr size_t kMaxPayloadSize = 1280;

  // cpu (may be null): where the signing work is reported by name (hal::CpuWork), so a board
  // that cannot measure its CPU charges it (DESIGN 3).
  ExtensionCommands(IdCardReader& reader, crypto::ReaderIdentity& identity, hal::Clock& clock,
                    hal::CpuWork* cpu = nullptr)
      : reader_(reader), identity_(identity), clock_(clock), cpu_(cpu) {}
  ExtensionCommands(const ExtensionCommands&) = delete;
  ExtensionCommands& operator=(const ExtensionCommands&) = delete;

  [[nodiscard]] size_t handle_extension(const hostlink::Request& req, ReplyWriter& reply,
                                        CardBuffers& cards) override;
  // The same for in-process callers (tests, fuzz seeds): the whole reply frame into
  // out[0..cap), its size (0 when it does not fit or was not sent whole). Needs about 3 KiB
  // of stack (its own CardBuffers): never on the firmware's stack.
  [[nodiscard]] size_t handle_extension(const hostlink::Request& req, uint8_t* out, size_t cap);

  // Reader clock in Unix seconds (0 until SetTime).
  [[nodiscard]] uint64_t unix_time() const;

 private:
  struct Disclosed {
    const char* name;
    const uint8_t* value;
    size_t size;
  };

  [[nodiscard]] size_t device_info(uint8_t* out, size_t cap);
  [[nodiscard]] size_t cert_chain(ReplyWriter& reply);
  [[nodiscard]] size_t read_signed(const hostlink::Request& req, ReplyWriter& reply,
                                   CardBuffers& cards);
  // Streams chain_size bytes of the stored chain into the reply (in place, from flash).
  void stream_chain(ReplyWriter& reply, size_t chain_size);
  // The three state-changing commands; `authorized` when reached through Authorized (the
  // CA's signature already checked), else refused once provisioned.
  [[nodiscard]] size_t set_time(const uint8_t* data, size_t len, bool authorized, uint8_t* out,
                                size_t cap);
  [[nodiscard]] size_t get_counter(uint8_t* out, size_t cap);
  [[nodiscard]] size_t self_test(uint8_t* out, size_t cap);
  [[nodiscard]] size_t provision_key(const uint8_t* data, size_t len, bool authorized, uint8_t* out,
                                     size_t cap);
  [[nodiscard]] size_t provision_certs(const uint8_t* data, size_t len, bool authorized,
                                       uint8_t* out, size_t cap);
  [[nodiscard]] size_t auth_challenge(uint8_t* out, size_t cap);
  [[nodiscard]] size_t authorized(const hostlink::Request& req, uint8_t* out, size_t cap);

  // Reads what `fields` asks for into `cards` and lists the disclosed fields; returns
  // the SW3 (kOk when all went well).
  [[nodiscard]] uint8_t read_card(uint8_t fields, CardBuffers& cards, uint16_t& card_type,
                                  size_t& count);

  // What the READ_SIGNED payload holds besides the fields (captured once: the payload is
  // encoded three times and must come out the same each time).
  struct PayloadHead {
    const uint8_t* nonce;
    uint64_t counter;
    uint64_t time;
    uint16_t card_type;
  };
  void write_payload(cbor::Writer& w, const PayloadHead& head, size_t count) const;
  void write_disclosures(cbor::Writer& w, size_t count) const;

  IdCardReader& reader_;
  crypto::ReaderIdentity& identity_;
  hal::Clock& clock_;
  hal::CpuWork* cpu_;
  void did(hal::CpuWork::Op op, size_t count) {
    if (cpu_ != nullptr) cpu_->did(op, static_cast<uint32_t>(count));
  }

  bool time_set_ = false;
  uint64_t time_base_s_ = 0;
  uint64_t time_base_us_ = 0;

  bool sam_ok_ = true;  // the SAM verified every issuer MAC of this read (read_card)
  uint8_t uid_[card::kUidSize] = {};
  uint8_t sam_id_[16] = {};
  Disclosed disclosed_[kMaxSignedFields] = {};  // values point into the lent CardBuffers
  uint8_t salts_[kMaxSignedFields][ext::kSaltSize] = {};
  uint8_t digests_[kMaxSignedFields][ext::kDigestSize] = {};
};

}  // namespace idr::core
