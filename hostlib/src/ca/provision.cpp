// provision_reader (idr/ca.h): the provisioning flow of DESIGN 11 from the host, plain for a
// reader in the factory, authorised by the CA for a provisioned one.
#include <string>
#include <vector>

#include "idr/ca.h"
#include "idr/proto/extension.h"
#include "idr/reader.h"

namespace idr::ca {
namespace {

template <typename T>
Result<T> fail(std::string* why, const std::string& what, Error e) {
  if (why != nullptr) *why = what;
  return e;
}

std::string step(const char* name, Error e) {
  return std::string(name) + ": " + message(e);
}

// One authorised command: a fresh reader challenge, the CA's signature over it for `op` and
// `data`, then `send(authorization)`.
template <typename Send>
auto authorized(Reader& reader, const CaDirectory& ca, const std::string& serial, AuthorizedOp op,
                const Bytes& data, const char* name, std::string* why, Send send)
    -> decltype(send(Authorization{})) {
  auto challenge = reader.authorization_challenge();
  if (!challenge) {
    if (why != nullptr) *why = step("AuthChallenge", challenge.error());
    return challenge.error();
  }
  std::string sign_why;
  auto auth = ca.authorize(serial, *challenge, op, data, &sign_why);
  if (!auth) {
    if (why != nullptr) *why = std::string(name) + ": " + sign_why;
    return auth.error();
  }
  auto r = send(*auth);
  if (!r && why != nullptr) *why = step(name, r.error());
  return r;
}

}  // namespace

Result<Provisioned> provision_reader(Reader& reader, CaDirectory& ca, int64_t now, int years,
                                     std::string* why) {
  auto info = reader.device_info();
  if (!info) return fail<Provisioned>(why, step("DeviceInfo", info.error()), info.error());
  if (info->state == ext::kStateFault)
    return fail<Provisioned>(why,
                             "the reader's stored identity is damaged (state fault): it signs "
                             "nothing and refuses provisioning until a factory erase",
                             Error::Sw3IdentityFault);
  const bool authorised = info->state == ext::kStateProvisioned;
  Provisioned out;
  if (authorised) out.previous = info->serial;

  auto challenge = random_nonce();
  if (!challenge) return fail<Provisioned>(why, "no random challenge", challenge.error());
  const Bytes challenge_data(challenge->begin(), challenge->end());
  auto key =
      authorised
          ? authorized(reader, ca, info->serial, AuthorizedOp::ProvisionKey, challenge_data,
                       "ProvisionKey (authorised)", why,
                       [&](const Authorization& a) { return reader.provision_key(*challenge, a); })
          : reader.provision_key(*challenge);
  if (!key) {
    if (!authorised && why != nullptr) *why = step("ProvisionKey", key.error());
    return key.error();
  }
  std::string issue_why;
  auto chain = ca.issue_reader(*key, *challenge, now, years, &issue_why);
  if (!chain) return fail<Provisioned>(why, issue_why, chain.error());

  const uint64_t time = now > 0 ? static_cast<uint64_t>(now) : 0;
  if (authorised) {
    // The chain first: it makes the new key the identity (the time is RAM, not identity).
    auto stored =
        authorized(reader, ca, info->serial, AuthorizedOp::ProvisionCerts,
                   Reader::provision_certs_data(*chain), "ProvisionCerts (authorised)", why,
                   [&](const Authorization& a) { return reader.provision_certs(*chain, a); });
    if (!stored) return stored.error();
    out.serial = reader_serial_for(key->public_key.data());
    auto t = authorized(reader, ca, out.serial, AuthorizedOp::SetTime, Reader::set_time_data(time),
                        "SetTime (authorised)", why,
                        [&](const Authorization& a) { return reader.set_time(time, a); });
    if (!t) return t.error();
  } else {
    // The time while the reader still accepts it unauthorised, then the chain.
    if (auto t = reader.set_time(time); !t)
      return fail<Provisioned>(why, step("SetTime", t.error()), t.error());
    if (auto stored = reader.provision_certs(*chain); !stored)
      return fail<Provisioned>(why, step("ProvisionCerts", stored.error()), stored.error());
    out.serial = reader_serial_for(key->public_key.data());
  }
  auto held = reader.cert_chain();
  if (!held || *held != *chain)
    return fail<Provisioned>(why, "the reader does not hold the chain just sent",
                             held ? Error::MalformedReply : held.error());
  out.chain = std::move(chain).value();
  return out;
}

}  // namespace idr::ca
