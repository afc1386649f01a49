#pragma once
// TrustStore's insides, shared by trust_store.cpp and the chain and revocation checks in
// verify.cpp: roots as DER, the revocation list, and the verdicts of the chains seen
// (chain_cache.h; emptied when a root is added).
#include <array>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "chain_cache.h"
#include "idr/verify.h"

namespace idr {

struct TrustStore::Impl {
  std::vector<Bytes> roots;
  bool has_list = false;
  std::set<std::array<uint8_t, 32>> revoked_certs;
  std::set<std::array<uint8_t, 32>> revoked_spki;
  std::set<std::pair<std::array<uint8_t, 32>, Bytes>> revoked_issuer_serial;
  std::set<std::string> revoked_readers;
  mutable detail::ChainCache chains;  // thread-safe (its own mutex)
};

}  // namespace idr
