#include "idr/crypto/sha256.h"

#include <mbedtls/sha256.h>

#include <new>

namespace idr::crypto {
namespace {

static_assert(sizeof(mbedtls_sha256_context) <= Sha256::kStorageSize, "Sha256 storage");
static_assert(alignof(mbedtls_sha256_context) <= 8, "Sha256 alignment");

mbedtls_sha256_context* raw(unsigned char* storage) {
  return std::launder(reinterpret_cast<mbedtls_sha256_context*>(storage));
}

}  // namespace

Sha256::Sha256() {
  mbedtls_sha256_context* ctx = new (storage_) mbedtls_sha256_context;
  mbedtls_sha256_init(ctx);
  ok_ = mbedtls_sha256_starts_ret(ctx, 0) == 0;
}

Sha256::~Sha256() {
  mbedtls_sha256_free(raw(storage_));
}

void Sha256::update(const uint8_t* data, size_t len) {
  if (ok_ && len != 0) ok_ = mbedtls_sha256_update_ret(raw(storage_), data, len) == 0;
}

Status Sha256::finish(uint8_t (&digest)[kSha256Size]) {
  if (ok_) ok_ = mbedtls_sha256_finish_ret(raw(storage_), digest) == 0;
  const bool ok = ok_;
  ok_ = false;  // one digest per object
  return ok ? Status::Ok : Status::Unsupported;
}

}  // namespace idr::crypto
