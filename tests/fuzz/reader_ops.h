#pragma once
// The host commands of the reader_replies target, shared with the seed maker so that a seed
// recorded from a real session replays the same commands: an op is two input bytes, a code
// (every public read path of idr::Reader) and an argument (the fields, a time). Authorised
// ops fetch the reader's challenge first, as a host does; the authorisation and the chain
// come from the caller (the seed maker's test CA; fixed bytes in the target, whose replies
// are scripted).
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "idr/reader.h"

namespace idr::fuzz {

struct ReaderOp {
  uint8_t code;
  uint8_t arg;
};

struct OpHost {
  // The chain ProvisionCerts sends (after the ProvisionKey answer `key`).
  std::function<std::vector<Bytes>(const ProvisionedKey* key)> chain;
  // The authorisation of `op` over `data` for the reader's `challenge`.
  std::function<Authorization(const ReadNonce& challenge, AuthorizedOp op, const Bytes& data)>
      authorize;
  ProvisionedKey last_key{};
  bool have_key = false;
};

inline constexpr uint8_t kReaderOps = 21;

inline void run_op(Reader& reader, ReaderOp op, OpHost& host) {
  const unsigned fields = op.arg & 0x0F;  // 0: an invalid field set, refused up front
  const ReadNonce nonce{op.arg};
  const uint64_t time = 1'700'000'000ull + op.arg;
  auto keep = [&](const Result<ProvisionedKey>& k) {
    if (k) {
      host.last_key = *k;
      host.have_key = true;
    }
  };
  auto authorized = [&](AuthorizedOp aop, const Bytes& data, auto send) {
    const auto challenge = reader.authorization_challenge();
    if (challenge) send(host.authorize(*challenge, aop, data));
  };
  switch (op.code % kReaderOps) {
    case 0:
      (void)reader.status();
      break;
    case 1:
      (void)reader.reset();
      break;
    case 2:
      (void)reader.sam_id();
      break;
    case 3:
      (void)reader.find_card();
      break;
    case 4:
      (void)reader.read_card(fields);
      break;
    case 5:
      (void)reader.wait_for_card(std::chrono::milliseconds(0), fields);
      break;
    case 6:
      (void)reader.device_info();
      break;
    case 7:
      (void)reader.cert_chain();
      break;
    case 8:
      (void)reader.read_signed(nonce, fields);
      break;
    case 9:
      (void)reader.wait_for_signed(nonce, std::chrono::milliseconds(0), fields);
      break;
    case 10:
      (void)reader.set_time(time);
      break;
    case 11:
      (void)reader.counter();
      break;
    case 12:
      (void)reader.self_test();
      break;
    case 13:
      keep(reader.provision_key(nonce));
      break;
    case 14:
      (void)reader.provision_certs(host.chain(host.have_key ? &host.last_key : nullptr));
      break;
    case 15:
      (void)reader.authorization_challenge();
      break;
    case 16:
      authorized(AuthorizedOp::ProvisionKey, Bytes(nonce.begin(), nonce.end()),
                 [&](const Authorization& a) { keep(reader.provision_key(nonce, a)); });
      break;
    case 17: {
      const auto chain = host.chain(host.have_key ? &host.last_key : nullptr);
      authorized(AuthorizedOp::ProvisionCerts, Reader::provision_certs_data(chain),
                 [&](const Authorization& a) { (void)reader.provision_certs(chain, a); });
      break;
    }
    case 18:
      authorized(AuthorizedOp::SetTime, Reader::set_time_data(time),
                 [&](const Authorization& a) { (void)reader.set_time(time, a); });
      break;
    case 19:
      reader.cancel();  // the next command is refused, then the reader is usable again
      (void)reader.status();
      reader.reset_cancel();
      reader.canceller().cancel();
      reader.reset_cancel();
      (void)reader.describe();
      break;
    default:
      reader.close();  // every later command is refused
      break;
  }
}

}  // namespace idr::fuzz
