#pragma once
// Provisions a reader the way `idr provision` does, with a CA made in a test directory:
// ProvisionKey with a fresh challenge (proof of possession checked by the CA), a device
// certificate, ProvisionCerts. Throws std::runtime_error naming the step that failed.
// Needs the host library (link `idr`).
#include <stdexcept>
#include <string>
#include <utility>

#include "idr/ca.h"
#include "idr/reader.h"

namespace idr::testing {

inline ca::CaDirectory provision_with_test_ca(Reader& reader, const std::string& ca_dir,
                                              int64_t now, const std::string& ca_name) {
  std::string why;
  auto made = ca::CaDirectory::create(ca_dir, ca_name, now, 2, &why);
  if (!made) throw std::runtime_error("test CA: " + why);
  const auto challenge = ca::random_nonce();
  if (!challenge) throw std::runtime_error("challenge: " + std::string(message(challenge.error())));
  const auto key = reader.provision_key(*challenge);
  if (!key) throw std::runtime_error("ProvisionKey: " + std::string(message(key.error())));
  auto chain = made->issue_reader(*key, *challenge, now, 1, &why);
  if (!chain) throw std::runtime_error("device certificate: " + why);
  const auto stored = reader.provision_certs(*chain);
  if (!stored) throw std::runtime_error("ProvisionCerts: " + std::string(message(stored.error())));
  return std::move(made).value();
}

}  // namespace idr::testing
