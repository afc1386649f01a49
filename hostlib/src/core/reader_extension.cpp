// The Reader's extension commands (CMD 0xE0, extension.h): one transaction each under the
// reader's lock; CBOR answers decoded strictly with libcbor.
#include <cstring>

#include "../verify/cbor_io.h"
#include "idr/proto/extension.h"
#include "reader_impl.h"

namespace idr {

namespace {

Result<detail::ReplyFrame> extension(Reader::Impl& impl, ext::Op op, const uint8_t* data,
                                     size_t size) {
  auto r = impl.transact(ext::kCmd, static_cast<uint8_t>(op), data, size);
  if (!r) return r.error();
  if (r->sw3 != hl::sw3::kOk) {
    const Error e = error_from_sw3(r->sw3);
    return e == Error::Ok ? Error::MalformedReply : e;
  }
  return r;
}

Result<void> empty_ok(const Result<detail::ReplyFrame>& r) {
  if (!r) return r.error();
  if (!r->data.empty()) return Error::MalformedReply;
  return {};
}

bool text_of(const cbor_item_t* i, std::string& out) {
  if (!cbor_isa_string(i) || !cbor_string_is_definite(i)) return false;
  out.assign(reinterpret_cast<const char*>(cbor_string_handle(i)), cbor_string_length(i));
  return true;
}

Result<DeviceInfo> parse_device_info(const Bytes& data) {
  std::string why;
  detail::CborItem item = detail::load_exact(data.data(), data.size(), why);
  const cbor_item_t* m = item.get();
  if (m == nullptr || !cbor_isa_map(m) || !cbor_map_is_definite(m)) return Error::MalformedReply;
  DeviceInfo info;
  unsigned seen = 0;
  for (size_t i = 0; i < cbor_map_size(m); ++i) {
    const cbor_pair& kv = cbor_map_handle(m)[i];
    std::string key;
    if (!text_of(kv.key, key)) return Error::MalformedReply;
    unsigned bit = 0;
    bool good = false;
    if (key == "serial") {
      bit = 1;
      good = text_of(kv.value, info.serial);
    } else if (key == "fw") {
      bit = 2;
      good = text_of(kv.value, info.firmware);
    } else if (key == "ctr") {
      bit = 4;
      good = cbor_isa_uint(kv.value);
      if (good) info.counter = cbor_get_int(kv.value);
    } else if (key == "provisioned") {
      bit = 8;
      good = cbor_isa_float_ctrl(kv.value) && cbor_is_bool(kv.value);
      if (good) info.provisioned = cbor_get_bool(kv.value);
    } else if (key == "state") {
      bit = 32;
      good = text_of(kv.value, info.state) &&
             (info.state == ext::kStateFactory || info.state == ext::kStateKeyed ||
              info.state == ext::kStateProvisioned || info.state == ext::kStateFault);
    } else if (key == "pubkey") {
      bit = 16;
      good = cbor_isa_bytestring(kv.value) && cbor_bytestring_is_definite(kv.value) &&
             cbor_bytestring_length(kv.value) == kReaderPublicKeySize;
      if (good)
        info.public_key.assign(cbor_bytestring_handle(kv.value),
                               cbor_bytestring_handle(kv.value) + kReaderPublicKeySize);
    }
    if (!good || (seen & bit) != 0) return Error::MalformedReply;
    seen |= bit;
  }
  // serial, fw, ctr, provisioned, state always; pubkey exactly when provisioned.
  const unsigned expected = 1 | 2 | 4 | 8 | 32 | (info.provisioned ? 16u : 0u);
  if (seen != expected) return Error::MalformedReply;
  return info;
}

Result<std::vector<Bytes>> parse_chain(const Bytes& data) {
  std::string why;
  detail::CborItem item = detail::load_exact(data.data(), data.size(), why);
  const cbor_item_t* a = item.get();
  if (a == nullptr || !cbor_isa_array(a) || !cbor_array_is_definite(a))
    return Error::MalformedReply;
  std::vector<Bytes> chain;
  for (size_t i = 0; i < cbor_array_size(a); ++i) {
    const cbor_item_t* c = cbor_array_handle(a)[i];
    if (!cbor_isa_bytestring(c) || !cbor_bytestring_is_definite(c) ||
        cbor_bytestring_length(c) == 0)
      return Error::MalformedReply;
    chain.emplace_back(cbor_bytestring_handle(c),
                       cbor_bytestring_handle(c) + cbor_bytestring_length(c));
  }
  return chain;
}

}  // namespace

Result<DeviceInfo> Reader::device_info() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto r = extension(*impl_, ext::Op::DeviceInfo, nullptr, 0);
  if (!r) return r.error();
  return parse_device_info(r->data);
}

Result<std::vector<Bytes>> Reader::cert_chain() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto r = extension(*impl_, ext::Op::CertChain, nullptr, 0);
  if (!r) return r.error();
  return parse_chain(r->data);
}

Result<Bytes> Reader::Impl::read_signed_locked(const ReadNonce& nonce, unsigned fields) {
  uint8_t request[kNonceSize + 1];
  std::memcpy(request, nonce.data(), kNonceSize);
  request[kNonceSize] = static_cast<uint8_t>(fields);  // idr::Fields bits == ext::FieldBits
  auto r = extension(*this, ext::Op::ReadSigned, request, sizeof(request));
  if (!r) return r.error();
  if (!decode_signed(r->data)) return Error::MalformedReply;
  return std::move(r->data);
}

Result<Bytes> Reader::read_signed(const ReadNonce& nonce, unsigned fields) {
  if (!impl_ || fields == 0 || (fields & ~unsigned{kAll}) != 0) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->read_signed_locked(nonce, fields);
}

Bytes Reader::set_time_data(uint64_t unix_seconds) {
  Bytes be(8);
  for (size_t i = 0; i < 8; ++i) be[i] = static_cast<uint8_t>(unix_seconds >> (56 - 8 * i));
  return be;
}

Result<void> Reader::set_time(uint64_t unix_seconds) {
  if (!impl_) return Error::InvalidArgument;
  const Bytes be = set_time_data(unix_seconds);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return empty_ok(extension(*impl_, ext::Op::SetTime, be.data(), be.size()));
}

Result<uint64_t> Reader::counter() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto r = extension(*impl_, ext::Op::GetCounter, nullptr, 0);
  if (!r) return r.error();
  if (r->data.size() != 8) return Error::MalformedReply;
  uint64_t v = 0;
  for (uint8_t b : r->data) v = (v << 8) | b;
  return v;
}

Result<void> Reader::self_test() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return empty_ok(extension(*impl_, ext::Op::SelfTest, nullptr, 0));
}

namespace {

Result<ProvisionedKey> parse_provisioned_key(const Result<detail::ReplyFrame>& r) {
  if (!r) return r.error();
  ProvisionedKey key;
  if (r->data.size() != key.public_key.size() + key.signature.size()) return Error::MalformedReply;
  std::memcpy(key.public_key.data(), r->data.data(), key.public_key.size());
  std::memcpy(key.signature.data(), r->data.data() + key.public_key.size(), key.signature.size());
  return key;
}

// Authorized (op 0x13): op || signature || the op's DATA.
Result<detail::ReplyFrame> authorized(Reader::Impl& impl, AuthorizedOp op,
                                      const Authorization& auth, const uint8_t* data, size_t size) {
  Bytes request;
  request.reserve(ext::kAuthorizedHeaderSize + size);
  request.push_back(static_cast<uint8_t>(op));
  request.insert(request.end(), auth.begin(), auth.end());
  if (size != 0) request.insert(request.end(), data, data + size);
  if (request.size() > hl::kMaxRequestData) return Error::InvalidArgument;
  return extension(impl, ext::Op::Authorized, request.data(), request.size());
}

}  // namespace

Result<ProvisionedKey> Reader::provision_key(const ReadNonce& challenge) {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return parse_provisioned_key(
      extension(*impl_, ext::Op::ProvisionKey, challenge.data(), challenge.size()));
}

Bytes Reader::provision_certs_data(const std::vector<Bytes>& chain) {
  detail::CborWriter w;
  w.array(chain.size());
  for (const auto& c : chain) w.bytes(c);
  return w.take();
}

Result<void> Reader::provision_certs(const std::vector<Bytes>& chain) {
  if (!impl_ || chain.empty()) return Error::InvalidArgument;
  const Bytes data = provision_certs_data(chain);
  if (data.size() > hl::kMaxRequestData) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return empty_ok(extension(*impl_, ext::Op::ProvisionCerts, data.data(), data.size()));
}

Result<ReadNonce> Reader::authorization_challenge() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto r = extension(*impl_, ext::Op::AuthChallenge, nullptr, 0);
  if (!r) return r.error();
  ReadNonce challenge{};
  if (r->data.size() != challenge.size()) return Error::MalformedReply;
  std::memcpy(challenge.data(), r->data.data(), challenge.size());
  return challenge;
}

Result<ProvisionedKey> Reader::provision_key(const ReadNonce& challenge,
                                             const Authorization& auth) {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return parse_provisioned_key(
      authorized(*impl_, AuthorizedOp::ProvisionKey, auth, challenge.data(), challenge.size()));
}

Result<void> Reader::provision_certs(const std::vector<Bytes>& chain, const Authorization& auth) {
  if (!impl_ || chain.empty()) return Error::InvalidArgument;
  const Bytes data = provision_certs_data(chain);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return empty_ok(authorized(*impl_, AuthorizedOp::ProvisionCerts, auth, data.data(), data.size()));
}

Result<void> Reader::set_time(uint64_t unix_seconds, const Authorization& auth) {
  if (!impl_) return Error::InvalidArgument;
  const Bytes be = set_time_data(unix_seconds);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return empty_ok(authorized(*impl_, AuthorizedOp::SetTime, auth, be.data(), be.size()));
}

}  // namespace idr
