/* mbedTLS 2.28 configuration of the Cortex-M4 reader image (DESIGN 9/10): only
 * what signed reads need -- ECDSA P-256 (deterministic, RFC 6979) over SHA-256 with an
 * HMAC-DRBG for key generation and blinding -- and no heap, file system, clock or entropy
 * module. Used through MBEDTLS_CONFIG_FILE, so it replaces mbedtls/config.h entirely. */
#ifndef IDR_MBEDTLS_CONFIG_H
#define IDR_MBEDTLS_CONFIG_H

/* System: inline assembly for the bignum inner loops (bn_mul.h has an ARMv7E-M UMAAL
 * path). No MBEDTLS_HAVE_TIME, no MBEDTLS_FS_IO: the target has neither. */
#define MBEDTLS_HAVE_ASM

/* Memory: mbedTLS allocates its bignums with mbedtls_calloc; here that is a static pool
 * (memory_buffer_alloc.c) the board hands over at start-up with
 * mbedtls_memory_buffer_alloc_init. No standard library functions: the default calloc
 * returns NULL until then, so nothing ever reaches the C library heap. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Keeps the pool's high-water mark (mbedtls_memory_buffer_alloc_max_get): the pool size
 * is measured by the target self-test, not guessed. Its diagnostics print nothing here. */
#define MBEDTLS_MEMORY_DEBUG
#define MBEDTLS_PLATFORM_FPRINTF_MACRO(...) ((void)0)
/* A corrupted pool is fatal: the board ends the run with its own exit status. */
#define MBEDTLS_PLATFORM_EXIT_MACRO idr_mbedtls_fatal
#ifdef __cplusplus
extern "C" {
#endif
void idr_mbedtls_fatal(int status);
#ifdef __cplusplus
}
#endif

/* Modules (DESIGN 10). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM /* fast reduction modulo the P-256 prime */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
/* MBEDTLS_SHA256_SMALLER off: the unrolled rounds cost about 1.5 KB of flash and save
 * instructions per 64-byte block on the signed read's critical path (DESIGN 9). */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ecdsa.c's DER signature writer needs it */

/* Sizes. P-256 is the only curve; window 4 as DESIGN 9 measures it (the comb table of
 * 2^(4-1) points); the fixed-point table stays in the group while it is loaded. */
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_ECP_WINDOW_SIZE 4
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1
#define MBEDTLS_MPI_WINDOW_SIZE 2 /* exp_mod is not on the signing path */
#define MBEDTLS_MPI_MAX_SIZE 64   /* 512-bit numbers at most (P-256 products) */

#include "mbedtls/check_config.h"

#endif /* IDR_MBEDTLS_CONFIG_H */
