/* idr C API for signed reads (DESIGN 5): read a card signed by the reader and
 * verify it in one call, verify a record file, write a reduced record. Conventions as idr.h
 * (IDR_OK or a negative IDR_E_* code; strings owned by their handle).
 *
 * The card handle is given ONLY when every required check succeeded: a verification that
 * fails returns IDR_OK with *card_out == NULL and the verdict saying which check failed and
 * why. A verdict handle lists one result per check (name, field, outcome, reason, message).
 */
#ifndef IDR_IDR_SIGNED_H
#define IDR_IDR_SIGNED_H

#include <stddef.h>
#include <stdint.h>

#include "idr/idr.h"
#include "idr/idr_check_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct idr_verdict idr_verdict;

/* What to verify against. Versioned: struct_size must be sizeof(idr_verify_config) of the
 * header the application was built with (IDR_VERIFY_CONFIG_INIT sets it); a size this
 * library does not know is IDR_E_INVALID_ARGUMENT. Later versions only append fields. */
typedef struct idr_verify_config {
  uint32_t struct_size;    /* sizeof(idr_verify_config) */
  const char* trust;       /* PEM files or directories of trusted roots, ':'-separated; NULL or
                              "" = none (the chain check fails) */
  const char* revoked;     /* revocation list file (idr ca revoke), or NULL: revoked.txt beside
                              each trust path when there is one (DESIGN 11); with no list the
                              revocation check is NOT_CHECKED and nothing verifies */
  const char* counters_db; /* last-counter store (SQLite), or NULL: the counter check is not
                              run, which a live read requires (not verified) */
  int64_t now;             /* Unix seconds for certificate validity; 0 = the system clock */
} idr_verify_config;

#define IDR_VERIFY_CONFIG_INIT \
  { (uint32_t)sizeof(idr_verify_config), NULL, NULL, NULL, 0 }

/* After find: READ_SIGNED with a fresh nonce, then verification with that nonce. IDR_OK when
 * a record was read and verified (whatever the verdict): *verdict_out is set; *card_out is
 * set only when verified, else NULL. A reader or transport error returns its code and sets
 * neither. */
int idr_reader_read_verified(idr_reader* reader, unsigned fields, const idr_verify_config* config,
                             idr_card** card_out, idr_verdict** verdict_out);

/* Offline verification of a record file (`idr read --out`, `idr disclose`): no nonce or
 * counter is required unless `nonce` (16 bytes) or config->counters_db is given. */
int idr_record_verify_file(const char* path, const idr_verify_config* config, const uint8_t* nonce,
                           idr_card** card_out, idr_verdict** verdict_out);

/* Writes `out_path`: the record `in_path` with only the disclosures of `fields` (comma list
 * of field names, e.g. "id_number,name,valid_to"). IDR_E_INVALID_ARGUMENT for a field the
 * record does not disclose, IDR_E_MALFORMED_REPLY for a file that is not a record, IDR_E_IO
 * when a file cannot be read or written. */
int idr_record_disclose_file(const char* in_path, const char* fields, const char* out_path);

void idr_verdict_free(idr_verdict* verdict);          /* NULL is fine */
int idr_verdict_verified(const idr_verdict* verdict); /* 1 when every required check succeeded */
size_t idr_verdict_count(const idr_verdict* verdict);
/* Result `index` (NULL / -1 past the end): check name ("signature", "chain", "digest", ...),
 * the field for digest results ("" otherwise), outcome (idr_check_status: SUCCEEDED, FAILED
 * or NOT_CHECKED), reason name and code
 * (idr::Reason), one-sentence message, whether it is required. */
const char* idr_verdict_check(const idr_verdict* verdict, size_t index);
const char* idr_verdict_field(const idr_verdict* verdict, size_t index);
int idr_verdict_outcome(const idr_verdict* verdict, size_t index);
const char* idr_verdict_reason(const idr_verdict* verdict, size_t index);
int idr_verdict_reason_code(const idr_verdict* verdict, size_t index);
const char* idr_verdict_message(const idr_verdict* verdict, size_t index);
int idr_verdict_required(const idr_verdict* verdict, size_t index);
/* The reader serial and counter in the record ("" / 0 when it did not decode; NOT verified
 * unless idr_verdict_verified). */
const char* idr_verdict_reader_serial(const idr_verdict* verdict);
uint64_t idr_verdict_counter(const idr_verdict* verdict);
/* The record file bytes as read (idr_reader_read_verified) or loaded, for saving. */
const uint8_t* idr_verdict_record(const idr_verdict* verdict, size_t* len);

#ifdef __cplusplus
}
#endif

#endif /* IDR_IDR_SIGNED_H */
