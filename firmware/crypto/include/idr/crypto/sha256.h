#pragma once
// Incremental SHA-256 (FIPS 180-4) for data that is produced piece by piece and never held
// whole: the Sig_structure of a signed record streams through it (cose_sign1.h). Next to
// p256.h the only other place the firmware calls mbedTLS (its sha256 module).
#include <cstddef>
#include <cstdint>

#include "idr/crypto/p256.h"
#include "idr/status.h"

namespace idr::crypto {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const uint8_t* data, size_t len);
  // The digest of everything updated since construction; Unsupported when mbedTLS failed.
  // Call once.
  [[nodiscard]] Status finish(uint8_t (&digest)[kSha256Size]);

  // Storage for mbedtls_sha256_context (its layout stays in sha256.cpp, which checks it).
  static constexpr size_t kStorageSize = 112;

 private:
  alignas(8) unsigned char storage_[kStorageSize];
  bool ok_ = false;
};

}  // namespace idr::crypto
