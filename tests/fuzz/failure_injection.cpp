// The __wrap_ functions libidr calls in the fuzz build (-Wl,--wrap=SYMBOL on libidr only;
// the executables export them). Each calls the real function by its plain name (the
// executable itself is not wrapped) unless the armed PRNG says fail; a failure returns
// what the real function returns on that failure (errno set, NULL, an SQLite, mbedTLS or
// OpenSSL error return, std::bad_alloc from operator new).
#include "failure_injection.h"

#include <cbor.h>
#include <fcntl.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <new>

namespace {

bool g_armed = false;
uint64_t g_state = 0;
uint64_t g_injected = 0;

// One failure in 64 calls on average (splitmix64 steps).
bool fail_now() {
  if (!g_armed) return false;
  g_state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = g_state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  if ((z & 63) != 0) return false;
  ++g_injected;
  return true;
}

}  // namespace

namespace idr::fuzz {

FailureInjection::FailureInjection(const uint8_t* data, size_t size) {
  uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a of the input
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001B3ULL;
  g_state = h;
  g_injected = 0;
  g_armed = true;
}

FailureInjection::~FailureInjection() {
  g_armed = false;
}

uint64_t FailureInjection::injected() {
  return g_injected;
}

}  // namespace idr::fuzz

extern "C" {

// Allocation: operator new(size_t) and operator new[](size_t) by their mangled names (libidr
// allocates only through them).
void* __wrap__Znwm(size_t n) {
  if (fail_now()) throw std::bad_alloc();
  return ::operator new(n);
}
void* __wrap__Znam(size_t n) {
  if (fail_now()) throw std::bad_alloc();
  return ::operator new[](n);
}

// I/O.
int __wrap_open(const char* path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & O_CREAT) != 0) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  if (fail_now()) {
    errno = EIO;
    return -1;
  }
  return open(path, flags, mode);
}
ssize_t __wrap_read(int fd, void* buf, size_t n) {
  if (fail_now()) {
    errno = EIO;
    return -1;
  }
  return read(fd, buf, n);
}
ssize_t __wrap_write(int fd, const void* buf, size_t n) {
  if (fail_now()) {
    errno = ENOSPC;
    return -1;
  }
  return write(fd, buf, n);
}
ssize_t __wrap_pread(int fd, void* buf, size_t n, off_t at) {
  if (fail_now()) {
    errno = EIO;
    return -1;
  }
  return pread(fd, buf, n, at);
}
ssize_t __wrap_pwrite(int fd, const void* buf, size_t n, off_t at) {
  if (fail_now()) {
    errno = ENOSPC;
    return -1;
  }
  return pwrite(fd, buf, n, at);
}
int __wrap_fstat(int fd, struct stat* st) {
  if (fail_now()) {
    errno = EIO;
    return -1;
  }
  return fstat(fd, st);
}
int __wrap_fsync(int fd) {
  if (fail_now()) {
    errno = EIO;
    return -1;
  }
  return fsync(fd);
}
int __wrap_rename(const char* from, const char* to) {
  if (fail_now()) {
    errno = EIO;
    return -1;
  }
  return rename(from, to);
}
void* __wrap_mmap(void* addr, size_t n, int prot, int flags, int fd, off_t off) {
  if (fail_now()) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return mmap(addr, n, prot, flags, fd, off);
}

// SQLite.
int __wrap_sqlite3_open_v2(const char* path, sqlite3** db, int flags, const char* vfs) {
  if (fail_now()) {
    *db = nullptr;
    return SQLITE_NOMEM;
  }
  return sqlite3_open_v2(path, db, flags, vfs);
}
int __wrap_sqlite3_prepare_v2(sqlite3* db, const char* sql, int n, sqlite3_stmt** stmt,
                              const char** tail) {
  if (fail_now()) {
    *stmt = nullptr;
    return SQLITE_NOMEM;
  }
  return sqlite3_prepare_v2(db, sql, n, stmt, tail);
}
int __wrap_sqlite3_step(sqlite3_stmt* stmt) {
  if (fail_now()) return SQLITE_IOERR;
  return sqlite3_step(stmt);
}
int __wrap_sqlite3_exec(sqlite3* db, const char* sql, int (*cb)(void*, int, char**, char**),
                        void* arg, char** err) {
  if (fail_now()) {
    if (err != nullptr) *err = nullptr;
    return SQLITE_IOERR;
  }
  return sqlite3_exec(db, sql, cb, arg, err);
}

// libcbor.
cbor_item_t* __wrap_cbor_load(cbor_data source, size_t size, struct cbor_load_result* result) {
  if (fail_now()) {
    result->error.code = CBOR_ERR_MEMERROR;
    result->error.position = 0;
    result->read = 0;
    return nullptr;
  }
  return cbor_load(source, size, result);
}

// mbedTLS.
int __wrap_mbedtls_x509_crt_parse_der(mbedtls_x509_crt* chain, const unsigned char* buf,
                                      size_t len) {
  if (fail_now()) return MBEDTLS_ERR_X509_ALLOC_FAILED;
  return mbedtls_x509_crt_parse_der(chain, buf, len);
}
int __wrap_mbedtls_ecdsa_verify(mbedtls_ecp_group* grp, const unsigned char* buf, size_t blen,
                                const mbedtls_ecp_point* q, const mbedtls_mpi* r,
                                const mbedtls_mpi* s) {
  if (fail_now()) return MBEDTLS_ERR_ECP_ALLOC_FAILED;
  return mbedtls_ecdsa_verify(grp, buf, blen, q, r, s);
}
int __wrap_mbedtls_sha256_ret(const unsigned char* in, size_t n, unsigned char out[32], int is224) {
  if (fail_now()) return MBEDTLS_ERR_SHA256_HW_ACCEL_FAILED;
  return mbedtls_sha256_ret(in, n, out, is224);
}
int __wrap_mbedtls_md_hmac(const mbedtls_md_info_t* md, const unsigned char* key, size_t keylen,
                           const unsigned char* in, size_t n, unsigned char* out) {
  if (fail_now()) return MBEDTLS_ERR_MD_ALLOC_FAILED;
  return mbedtls_md_hmac(md, key, keylen, in, n, out);
}

// OpenSSL 3: the calls of hostlib/src/verify (certificate.cpp, chain_cache.cpp) that can fail
// at run time (allocation, a provider's error); getters of parsed objects cannot. Each returns
// what OpenSSL returns on an internal error. EVP_MD_fetch is not wrapped: hostlib fetches
// SHA-256 once per process, so one failure there would fail every later digest.
X509* __wrap_d2i_X509(X509** out, const unsigned char** in, long len) {
  if (fail_now()) return nullptr;
  return d2i_X509(out, in, len);
}
int __wrap_i2d_X509(const X509* c, unsigned char** out) {
  if (fail_now()) return -1;
  return i2d_X509(c, out);
}
int __wrap_i2d_X509_PUBKEY(const X509_PUBKEY* k, unsigned char** out) {
  if (fail_now()) return -1;
  return i2d_X509_PUBKEY(k, out);
}
int __wrap_i2d_ASN1_INTEGER(const ASN1_INTEGER* v, unsigned char** out) {
  if (fail_now()) return -1;
  return i2d_ASN1_INTEGER(v, out);
}
EVP_MD_CTX* __wrap_EVP_MD_CTX_new() {
  if (fail_now()) return nullptr;
  return EVP_MD_CTX_new();
}
int __wrap_EVP_DigestInit_ex(EVP_MD_CTX* ctx, const EVP_MD* md, ENGINE* e) {
  if (fail_now()) return 0;
  return EVP_DigestInit_ex(ctx, md, e);
}
int __wrap_EVP_DigestUpdate(EVP_MD_CTX* ctx, const void* p, size_t n) {
  if (fail_now()) return 0;
  return EVP_DigestUpdate(ctx, p, n);
}
int __wrap_EVP_DigestFinal_ex(EVP_MD_CTX* ctx, unsigned char* out, unsigned int* n) {
  if (fail_now()) return 0;
  return EVP_DigestFinal_ex(ctx, out, n);
}
EVP_PKEY_CTX* __wrap_EVP_PKEY_CTX_new_from_name(OSSL_LIB_CTX* lib, const char* name,
                                                const char* props) {
  if (fail_now()) return nullptr;
  return EVP_PKEY_CTX_new_from_name(lib, name, props);
}
EVP_PKEY_CTX* __wrap_EVP_PKEY_CTX_new_from_pkey(OSSL_LIB_CTX* lib, EVP_PKEY* key,
                                                const char* props) {
  if (fail_now()) return nullptr;
  return EVP_PKEY_CTX_new_from_pkey(lib, key, props);
}
int __wrap_EVP_PKEY_fromdata_init(EVP_PKEY_CTX* ctx) {
  if (fail_now()) return 0;
  return EVP_PKEY_fromdata_init(ctx);
}
int __wrap_EVP_PKEY_fromdata(EVP_PKEY_CTX* ctx, EVP_PKEY** key, int selection,
                             OSSL_PARAM params[]) {
  if (fail_now()) return 0;
  return EVP_PKEY_fromdata(ctx, key, selection, params);
}
int __wrap_EVP_PKEY_verify_init(EVP_PKEY_CTX* ctx) {
  if (fail_now()) return 0;
  return EVP_PKEY_verify_init(ctx);
}
// -1: an error, not a signature that does not match (0).
int __wrap_EVP_PKEY_verify(EVP_PKEY_CTX* ctx, const unsigned char* sig, size_t sig_len,
                           const unsigned char* tbs, size_t tbs_len) {
  if (fail_now()) return -1;
  return EVP_PKEY_verify(ctx, sig, sig_len, tbs, tbs_len);
}
X509_STORE* __wrap_X509_STORE_new() {
  if (fail_now()) return nullptr;
  return X509_STORE_new();
}
int __wrap_X509_STORE_add_cert(X509_STORE* store, X509* c) {
  if (fail_now()) return 0;
  return X509_STORE_add_cert(store, c);
}
X509_STORE_CTX* __wrap_X509_STORE_CTX_new() {
  if (fail_now()) return nullptr;
  return X509_STORE_CTX_new();
}
int __wrap_X509_STORE_CTX_init(X509_STORE_CTX* ctx, X509_STORE* store, X509* target,
                               STACK_OF(X509) * untrusted) {
  if (fail_now()) return 0;
  return X509_STORE_CTX_init(ctx, store, target, untrusted);
}
// As X509_verify_cert on an allocation failure inside path building: -1, the context's
// error X509_V_ERR_OUT_OF_MEM.
int __wrap_X509_verify_cert(X509_STORE_CTX* ctx) {
  if (fail_now()) {
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_OUT_OF_MEM);
    return -1;
  }
  return X509_verify_cert(ctx);
}
BIO* __wrap_BIO_new_mem_buf(const void* p, int n) {
  if (fail_now()) return nullptr;
  return BIO_new_mem_buf(p, n);
}
int __wrap_PEM_read_bio(BIO* bio, char** name, char** header, unsigned char** data, long* len) {
  if (fail_now()) return 0;
  return PEM_read_bio(bio, name, header, data, len);
}

}  // extern "C"
