#pragma once
// TrustStore's insides, shared by trust_store.cpp and the chain and revocation checks in
// verify.cpp. Roots are kept as DER: each verification parses its own copy (DESIGN 11:
// mbedTLS writes a cache into a parsed key while verifying, so one parsed copy shared by
// threads would race).
#include <array>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "idr/verify.h"

namespace idr {

struct TrustStore::Impl {
  std::vector<Bytes> roots;
  bool has_list = false;
  std::set<std::array<uint8_t, 32>> revoked_certs;
  std::set<std::array<uint8_t, 32>> revoked_spki;
  std::set<std::pair<std::array<uint8_t, 32>, Bytes>> revoked_issuer_serial;
  std::set<std::string> revoked_readers;
};

}  // namespace idr
