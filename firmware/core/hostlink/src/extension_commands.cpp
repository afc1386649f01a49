#include "idr/core/hostlink/extension_commands.h"

#include <cstring>

#include "idr/core/hostlink/legacy_status.h"
#include "idr/crypto/bytes.h"
#include "idr/crypto/cose_sign1.h"
#include "idr/crypto/p256.h"
#include "idr/proto/cbor.h"

namespace idr::core {
namespace {

namespace sw3 = hostlink::sw3;
using crypto::ByteView;
// Bytes of ["Signature1", protected, h'', payload] before the payload (cose_sign1.cpp):
// array head 1, "Signature1" 11, protected 4, empty bstr 1, payload head 3.
constexpr size_t kSigStructurePrefix = 20;

size_t bare(uint8_t status3, uint8_t* out, size_t cap) {
  return hostlink::build_status_reply(status3, out, cap);
}

// A writer over the DATA part of a reply frame in `out`.
cbor::Writer reply_writer(uint8_t* out, size_t cap) {
  const size_t room = cap > hostlink::kReplyDataOffset + hostlink::kChkSize
                          ? cap - hostlink::kReplyDataOffset - hostlink::kChkSize
                          : 0;
  return cbor::Writer(out + hostlink::kReplyDataOffset, room);
}

// SW3 for a refused or failed provisioning step.
uint8_t sw3_for_identity(Status s) {
  switch (s) {
    case Status::Ok:
      return sw3::kOk;
    case Status::Unauthorized:
    case Status::NoSuchContent:
      return sw3::kUnauthorized;
    case Status::StorageFault:
      return sw3::kIdentityFault;
    case Status::InvalidArgument:
    case Status::DataCheckFailed:
      return sw3::kCommandError;
    default:
      return sw3::kUnrecognizedError;
  }
}

const char* state_name(crypto::IdentityState s) {
  switch (s) {
    case crypto::IdentityState::Factory:
      return ext::kStateFactory;
    case crypto::IdentityState::Keyed:
      return ext::kStateKeyed;
    case crypto::IdentityState::Provisioned:
      return ext::kStateProvisioned;
    case crypto::IdentityState::Fault:
      return ext::kStateFault;
  }
  return ext::kStateFault;
}

size_t seal_ok(const cbor::Writer& w, uint8_t* out, size_t cap) {
  if (!w.ok()) return bare(sw3::kUnrecognizedError, out, cap);
  return hostlink::seal_reply(out, cap, 0x00, 0x00, sw3::kOk, w.size());
}

}  // namespace

uint64_t ExtensionCommands::unix_time() const {
  if (!time_set_) return 0;
  return time_base_s_ + (clock_.now_us() - time_base_us_) / 1'000'000u;
}

size_t ExtensionCommands::handle_extension(const hostlink::Request& req, uint8_t* out, size_t cap) {
  BufferHostLink link(out, cap);
  ReplyWriter reply(link);
  CardBuffers cards;
  const size_t n = handle_extension(req, reply, cards);
  if (n == kReplyStreamed)
    return reply.streamed_status() == Status::Ok && !link.overflowed() ? link.size() : 0;
  return n != 0 && reply.send_built(n) == Status::Ok ? link.size() : 0;
}

size_t ExtensionCommands::handle_extension(const hostlink::Request& req, ReplyWriter& reply,
                                           CardBuffers& cards) {
  uint8_t* const out = reply.buffer();
  const size_t cap = reply.capacity();
  const bool no_data = req.data_len == 0;
  switch (static_cast<ext::Op>(req.parameter)) {
    case ext::Op::DeviceInfo:
      return no_data ? device_info(out, cap) : bare(sw3::kLengthError, out, cap);
    case ext::Op::CertChain:
      return no_data ? cert_chain(reply) : bare(sw3::kLengthError, out, cap);
    case ext::Op::ReadSigned:
      return read_signed(req, reply, cards);
    case ext::Op::SetTime:
      return set_time(req.data, req.data_len, false, out, cap);
    case ext::Op::GetCounter:
      return no_data ? get_counter(out, cap) : bare(sw3::kLengthError, out, cap);
    case ext::Op::SelfTest:
      return no_data ? self_test(out, cap) : bare(sw3::kLengthError, out, cap);
    case ext::Op::ProvisionKey:
      return provision_key(req.data, req.data_len, false, out, cap);
    case ext::Op::ProvisionCerts:
      return provision_certs(req.data, req.data_len, false, out, cap);
    case ext::Op::AuthChallenge:
      return no_data ? auth_challenge(out, cap) : bare(sw3::kLengthError, out, cap);
    case ext::Op::Authorized:
      return authorized(req, out, cap);
  }
  return bare(sw3::kCommandError, out, cap);
}

size_t ExtensionCommands::device_info(uint8_t* out, size_t cap) {
  if (!identity_.loaded()) (void)identity_.load();  // best effort: report what is there
  const bool provisioned = identity_.provisioned();
  cbor::Writer w = reply_writer(out, cap);
  w.map(provisioned ? 6 : 5);
  w.text("serial");
  w.text(identity_.serial(), identity_.serial_size());
  w.text("fw");
  w.text(kFirmwareVersion);
  w.text("ctr");
  w.uint(identity_.last_counter());
  w.text("provisioned");
  w.boolean(provisioned);
  w.text("state");
  w.text(state_name(identity_.state()));
  if (provisioned) {
    w.text("pubkey");
    w.bytes(identity_.public_key(), crypto::kPublicKeySize);
  }
  return seal_ok(w, out, cap);
}

size_t ExtensionCommands::cert_chain(ReplyWriter& reply) {
  uint8_t* const out = reply.buffer();
  const size_t cap = reply.capacity();
  const size_t size = identity_.chain_size();
  if (size == 0) {
    cbor::Writer w = reply_writer(out, cap);
    w.array(0);
    return seal_ok(w, out, cap);
  }
  reply.begin(sw3::kOk, size);
  stream_chain(reply, size);
  (void)reply.end();  // the server reads the outcome from streamed_status()
  return kReplyStreamed;
}

void ExtensionCommands::stream_chain(ReplyWriter& reply, size_t chain_size) {
  // Bounded: every round moves at least one byte; a failed read stops it short, and the
  // reply then goes out broken (reply_writer.h) -- the flash was fine when the chain was
  // committed and its size read.
  for (size_t off = 0; off < chain_size;) {
    size_t room = 0;
    uint8_t* at = reply.fill(chain_size - off, room);
    if (identity_.read_chain_part(off, at, room) != Status::Ok) return;
    reply.commit(room);
    off += room;
  }
}

size_t ExtensionCommands::set_time(const uint8_t* data, size_t len, bool authorized, uint8_t* out,
                                   size_t cap) {
  if (len != 8) return bare(sw3::kLengthError, out, cap);
  if (!identity_.loaded()) (void)identity_.load();
  const crypto::IdentityState state = identity_.state();
  if (state == crypto::IdentityState::Fault) return bare(sw3::kIdentityFault, out, cap);
  if (state == crypto::IdentityState::Provisioned && !authorized)
    return bare(sw3::kUnauthorized, out, cap);
  time_base_s_ = crypto::get_be64(data);
  time_base_us_ = clock_.now_us();
  time_set_ = true;
  return bare(sw3::kOk, out, cap);
}

size_t ExtensionCommands::get_counter(uint8_t* out, size_t cap) {
  if (!identity_.loaded() && identity_.load() != Status::Ok)
    return bare(sw3::kUnrecognizedError, out, cap);
  uint8_t value[8];
  crypto::put_be64(value, identity_.last_counter());
  return hostlink::build_reply(sw3::kOk, value, sizeof(value), out, cap);
}

size_t ExtensionCommands::self_test(uint8_t* out, size_t cap) {
  const Status s = identity_.self_test();
  if (s == Status::StorageFault) return bare(sw3::kIdentityFault, out, cap);
  return bare(s == Status::Ok ? sw3::kOk : sw3::kSelfTestFailed, out, cap);
}

size_t ExtensionCommands::provision_key(const uint8_t* data, size_t len, bool authorized,
                                        uint8_t* out, size_t cap) {
  if (len != crypto::kChallengeSize) return bare(sw3::kLengthError, out, cap);
  uint8_t challenge[crypto::kChallengeSize];
  std::memcpy(challenge, data, sizeof(challenge));
  uint8_t reply[crypto::kPublicKeySize + crypto::kSignatureSize];
  uint8_t public_key[crypto::kPublicKeySize];
  uint8_t signature[crypto::kSignatureSize];
  const bool had_key = identity_.provisioned();
  const Status s = authorized ? identity_.provision_new_key(challenge, public_key, signature)
                              : identity_.provision(challenge, signature);
  if (s != Status::Ok) return bare(sw3_for_identity(s), out, cap);
  if (authorized || !had_key) did(hal::CpuWork::Op::EcdsaKeygen, 1);
  did(hal::CpuWork::Op::EcdsaSign, 1);  // the proof of possession
  // The reader's first key: its nonce pool, which needs a key to hedge with
  // (ReaderIdentity::precompute_nonce), is filled now, as start-up fills it for a reader that
  // has one, so the first signed read signs from a pair.
  if (!authorized && !had_key) {
    size_t pairs = 0;
    bool computed = true;
    while (computed && pairs < crypto::NoncePool::kCapacity &&
           identity_.precompute_nonce(computed) == Status::Ok)
      pairs += computed ? 1 : 0;
    did(hal::CpuWork::Op::EcdsaNonce, pairs);
  }
  std::memcpy(reply, authorized ? public_key : identity_.public_key(), crypto::kPublicKeySize);
  std::memcpy(reply + crypto::kPublicKeySize, signature, sizeof(signature));
  return hostlink::build_reply(sw3::kOk, reply, sizeof(reply), out, cap);
}

size_t ExtensionCommands::provision_certs(const uint8_t* data, size_t len, bool authorized,
                                          uint8_t* out, size_t cap) {
  return bare(sw3_for_identity(identity_.store_chain(ByteView{data, len}, authorized)), out, cap);
}

size_t ExtensionCommands::auth_challenge(uint8_t* out, size_t cap) {
  uint8_t challenge[crypto::kChallengeSize];
  const Status s = identity_.new_challenge(challenge);
  if (s != Status::Ok) return bare(sw3_for_identity(s), out, cap);
  return hostlink::build_reply(sw3::kOk, challenge, sizeof(challenge), out, cap);
}

size_t ExtensionCommands::authorized(const hostlink::Request& req, uint8_t* out, size_t cap) {
  if (req.data_len < ext::kAuthorizedHeaderSize) {
    identity_.drop_challenge();  // any Authorized command consumes the challenge
    return bare(sw3::kLengthError, out, cap);
  }
  const uint8_t op = req.data[0];
  uint8_t signature[crypto::kSignatureSize];
  std::memcpy(signature, req.data + 1, sizeof(signature));
  const uint8_t* data = req.data + ext::kAuthorizedHeaderSize;
  const size_t len = req.data_len - ext::kAuthorizedHeaderSize;
  const bool known = op == static_cast<uint8_t>(ext::Op::SetTime) ||
                     op == static_cast<uint8_t>(ext::Op::ProvisionKey) ||
                     op == static_cast<uint8_t>(ext::Op::ProvisionCerts);
  if (!known) {
    identity_.drop_challenge();
    return bare(sw3::kCommandError, out, cap);
  }
  if (!identity_.loaded()) (void)identity_.load();  // (a load drops the challenge too)
  if (identity_.state() == crypto::IdentityState::Fault) {
    identity_.drop_challenge();
    return bare(sw3::kIdentityFault, out, cap);
  }
  if (identity_.authorize(op, ByteView{data, len}, signature) != Status::Ok)
    return bare(sw3::kUnauthorized, out, cap);
  switch (static_cast<ext::Op>(op)) {
    case ext::Op::SetTime:
      return set_time(data, len, true, out, cap);
    case ext::Op::ProvisionKey:
      return provision_key(data, len, true, out, cap);
    default:
      return provision_certs(data, len, true, out, cap);
  }
}

uint8_t ExtensionCommands::read_card(uint8_t fields, CardBuffers& cards, uint16_t& card_type,
                                     size_t& count) {
  count = 0;
  sam_ok_ = true;
  Status s = reader_.select_card(uid_);
  if (s != Status::Ok) return sw3_for_select(s);
  // With the fingerprint: one read of both files and one issuer-MAC check (DESIGN 9).
  const bool with_fingerprint = (fields & ext::kFingerprint) != 0;
  size_t fp_len = 0;
  s = with_fingerprint
          ? reader_.read_base_fingerprint(cards.text, cards.photo, cards.fingerprint, fp_len)
          : reader_.read_base(cards.text, cards.photo);
  if (s == Status::DataCheckFailed && reader_.issuer_macs_rejected()) {
    sam_ok_ = false;  // signed as read, with the SAM's "no" (extension_commands.h)
    s = Status::Ok;
  }
  if (s != Status::Ok) return sw3_for_read(s);
  if (fp_len > card::kFingerprintSize) return sw3::kReadFailed;
  card_type = signed_card_type(cards.text);

  if ((fields & ext::kText) != 0) {
    size_t n = 0;
    const NamedField* text_fields = text_fields_for(card_type, n);
    if (text_fields == nullptr) return sw3::kUnknownCardType;
    for (size_t i = 0; i < n; ++i)
      disclosed_[count++] = {text_fields[i].name, cards.text + text_fields[i].field.offset,
                             text_fields[i].field.size};
  }
  if ((fields & ext::kPhoto) != 0) disclosed_[count++] = {"photo", cards.photo, card::kPhotoSize};
  // A card without fingerprints: no field, not an error.
  if (with_fingerprint && fp_len != 0)
    disclosed_[count++] = {"fingerprint", cards.fingerprint, fp_len};
  if ((fields & ext::kAddresses) != 0) {
    size_t len = 0;
    s = reader_.read_addresses(cards.addresses, len);
    if (s == Status::NoSuchContent) {
      len = 0;
    } else if (s != Status::Ok) {
      return sw3_for_read(s);
    } else if (len % card::kAddressEntrySize != 0 || len > card::kAddressFileSize) {
      return sw3::kReadFailed;
    }
    for (size_t i = 0; i < len / card::kAddressEntrySize; ++i)
      disclosed_[count++] = {address_field_name(i), cards.addresses + i * card::kAddressEntrySize,
                             card::kAddressEntrySize};
  }
  s = reader_.selection_sam_id(sam_id_);
  if (s != Status::Ok) return sw3_for_sam(s);
  return sw3::kOk;
}

void ExtensionCommands::write_payload(cbor::Writer& p, const PayloadHead& head,
                                      size_t count) const {
  p.map(11);
  p.text("v");
  p.uint(1);
  p.text("serial");
  p.text(identity_.serial(), identity_.serial_size());
  p.text("ctr");
  p.uint(head.counter);
  p.text("nonce");
  p.bytes(head.nonce, ext::kNonceSize);
  p.text("time");
  p.uint(head.time);
  p.text("type");
  p.uint(head.card_type);
  p.text("uid");
  p.bytes(uid_, sizeof(uid_));
  p.text("sam");
  p.bytes(sam_id_, sizeof(sam_id_));
  p.text("sam_ok");
  p.boolean(sam_ok_);
  p.text("alg");
  p.text("SHA-256");
  p.text("digests");
  p.map(count);
  for (size_t i = 0; i < count; ++i) {
    p.text(disclosed_[i].name);
    p.bytes(digests_[i], ext::kDigestSize);
  }
}

void ExtensionCommands::write_disclosures(cbor::Writer& w, size_t count) const {
  w.array(count);
  for (size_t i = 0; i < count; ++i) {
    w.array(3);
    w.text(disclosed_[i].name);
    w.bytes(salts_[i], ext::kSaltSize);
    w.bytes(disclosed_[i].value, disclosed_[i].size);
  }
}

namespace {

// Counts what a streaming cbor::Writer produces (the sizes a frame declares up front).
class CountingSink final : public cbor::Sink {
 public:
  void emit(const uint8_t*, size_t) override {}
};

// The window a streaming cbor::Writer encodes through: heads and short items gather here,
// long byte strings go straight to the sink.
constexpr size_t kCborWindow = 32;

}  // namespace

size_t ExtensionCommands::read_signed(const hostlink::Request& req, ReplyWriter& reply,
                                      CardBuffers& cards) {
  uint8_t* const out = reply.buffer();
  const size_t cap = reply.capacity();
  if (req.data_len != ext::kNonceSize + 1) return bare(sw3::kLengthError, out, cap);
  const uint8_t fields = req.data[ext::kNonceSize];
  constexpr uint8_t kKnown = ext::kText | ext::kPhoto | ext::kFingerprint | ext::kAddresses;
  if (fields == 0 || (fields & ~kKnown) != 0) return bare(sw3::kCommandError, out, cap);
  if (!identity_.loaded()) (void)identity_.load();
  if (identity_.state() == crypto::IdentityState::Fault) return bare(sw3::kIdentityFault, out, cap);
  if (!identity_.provisioned()) return bare(sw3::kUnauthorized, out, cap);

  PayloadHead head{req.data, 0, 0, 0};
  size_t count = 0;
  const uint8_t read = read_card(fields, cards, head.card_type, count);
  if (read != sw3::kOk) return bare(read, out, cap);

  // Salts no one without the key can guess, whatever the TRNG does (ReaderIdentity::salts).
  static_assert(crypto::ReaderIdentity::kSaltSize == ext::kSaltSize);
  if (count != 0) {
    if (identity_.salts(&salts_[0][0], count) != Status::Ok)
      return bare(sw3::kRandomFailed, out, cap);
    did(hal::CpuWork::Op::Sha256Bytes, crypto::ReaderIdentity::kHedgeMessageSize);
    for (size_t i = 0; i < count; ++i)
      did(hal::CpuWork::Op::Sha256Bytes, crypto::ReaderIdentity::kSaltMixSize);
  }
  for (size_t i = 0; i < count; ++i) {
    const ByteView parts[2] = {{salts_[i], ext::kSaltSize},
                               {disclosed_[i].value, disclosed_[i].size}};
    if (crypto::sha256(parts, 2, digests_[i]) != Status::Ok)
      return bare(sw3::kUnrecognizedError, out, cap);
    did(hal::CpuWork::Op::Sha256Bytes, ext::kSaltSize + disclosed_[i].size);
  }

  // The counter is reserved (durably) before anything carries it.
  if (identity_.reserve_counter(head.counter) != Status::Ok)
    return bare(sw3::kUnrecognizedError, out, cap);
  head.time = unix_time();

  uint8_t window[kCborWindow];
  // 1: sizes. The payload and the disclosures, counted.
  CountingSink none;
  cbor::Writer sized(window, sizeof(window), none);
  write_payload(sized, head, count);
  sized.flush();
  const size_t payload_size = sized.size();
  cbor::Writer disclosed(window, sizeof(window), none);
  write_disclosures(disclosed, count);
  disclosed.flush();
  const size_t chain_size = identity_.chain_size();
  const size_t data_len =
      cbor::head_size(2) + crypto::cose::sign1_size(chain_size, payload_size) + disclosed.size();
  if (!sized.ok() || !disclosed.ok() || payload_size > kMaxPayloadSize ||
      data_len > hostlink::kMaxReplyData)
    return bare(sw3::kUnrecognizedError, out, cap);

  // 2: the Sig_structure hashed as the payload is encoded, then ES256 over its digest.
  uint8_t digest[crypto::kSha256Size];
  {
    crypto::cose::SigStructureHasher hasher(payload_size);
    cbor::Writer hashed(window, sizeof(window), hasher);
    write_payload(hashed, head, count);
    hashed.flush();
    if (!hashed.ok() || hasher.finish(digest) != Status::Ok)
      return bare(sw3::kUnrecognizedError, out, cap);
  }
  uint8_t signature[crypto::kSignatureSize];
  crypto::ReaderIdentity::SignPath path = crypto::ReaderIdentity::SignPath::Full;
  if (identity_.sign_digest(digest, signature, &path) != Status::Ok)
    return bare(sw3::kUnrecognizedError, out, cap);
  // The Sig_structure digest (about 20 bytes around the payload, RFC 9052 4.4), the signature.
  did(hal::CpuWork::Op::Sha256Bytes, payload_size + kSigStructurePrefix);
  did(path == crypto::ReaderIdentity::SignPath::Precomputed ? hal::CpuWork::Op::EcdsaSignPrecomputed
                                                            : hal::CpuWork::Op::EcdsaSign,
      1);

  // 3: the reply [COSE_Sign1, disclosures], streamed; the chain straight from flash.
  reply.begin(sw3::kOk, data_len);
  cbor::Writer w(window, sizeof(window), reply);
  w.array(2);
  crypto::cose::write_sign1_start(w, chain_size != 0);
  w.flush();
  stream_chain(reply, chain_size);
  w.bytes_head(payload_size);
  write_payload(w, head, count);
  crypto::cose::write_sign1_signature(w, signature);
  write_disclosures(w, count);
  w.flush();
  (void)reply.end();  // the server reads the outcome from streamed_status()
  // Encoding: the payload three times, the rest of the reply once.
  did(hal::CpuWork::Op::CborBytes, 2 * payload_size + data_len);
  return kReplyStreamed;
}

}  // namespace idr::core
