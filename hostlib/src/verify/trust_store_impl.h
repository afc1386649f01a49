#pragma once
// TrustStore's insides, shared by trust_store.cpp and the chain check in verify.cpp.
#include <mbedtls/x509_crt.h>

#include <array>
#include <set>

#include "idr/verify.h"

namespace idr {

struct TrustStore::Impl {
  Impl() { mbedtls_x509_crt_init(&roots); }
  ~Impl() { mbedtls_x509_crt_free(&roots); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  mbedtls_x509_crt roots;
  size_t count = 0;
  std::set<std::array<uint8_t, 32>> revoked;
};

}  // namespace idr
