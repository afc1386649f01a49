/* idr C API for signed reads (DESIGN 5): read a card signed by the reader and decide on it
 * in one call (a thin wrapper over idr::Session, idr/session.h), decide on a record file,
 * write a reduced record. Conventions as idr.h
 * (IDR_OK or a negative IDR_E_* code; strings owned by their handle).
 *
 * The card handle is given ONLY when every required check of the record succeeded: a verification
 * that fails returns IDR_OK with *card_out == NULL and the verdict saying which check failed and
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

/* What to verify against, and (since version 2) what else a read must pass to be accepted.
 * Versioned: struct_size is sizeof(idr_verify_config) of the header the application was
 * built with (IDR_VERIFY_CONFIG_INIT sets it): version 2, or IDR_VERIFY_CONFIG_V1_SIZE for
 * a program built with version 1 (no list, no card data checks). Any other size is
 * IDR_E_INVALID_ARGUMENT. Later versions only append fields. */
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
  /* Version 2: */
  const char* lost_stolen; /* lost/stolen list file (idr blocklist build), or NULL: no list
                              check; with one, a listed card is rejected ("lost_stolen") */
  const char* today;       /* "YYYYMMDD" the card data checks take as today; NULL: local date */
  int checks;              /* 1: the card data checks (DESIGN 7) on the verified data */
} idr_verify_config;

#define IDR_VERIFY_CONFIG_INIT \
  { (uint32_t)sizeof(idr_verify_config), NULL, NULL, NULL, 0, NULL, NULL, 1 }
/* The size of a version 1 config (the fields up to `now`). */
#define IDR_VERIFY_CONFIG_V1_SIZE offsetof(idr_verify_config, lost_stolen)

/* After find: READ_SIGNED with a fresh nonce, then the decision (idr::Session::read_found):
 * the record verified, then the card data checks and the list when config asks for them.
 * IDR_OK when a record was read (whatever the decision): *verdict_out is set; *card_out is
 * set only when the record verified, else NULL. A reader or transport error returns its
 * code and sets neither. */
int idr_reader_read_verified(idr_reader* reader, unsigned fields, const idr_verify_config* config,
                             idr_card** card_out, idr_verdict** verdict_out);

/* Waits up to timeout_ms for a card (0: looks once), then as idr_reader_read_verified
 * (idr::Session::read_verified). IDR_E_NO_CARD when none came in time. */
int idr_reader_wait_verified(idr_reader* reader, int timeout_ms, unsigned fields,
                             const idr_verify_config* config, idr_card** card_out,
                             idr_verdict** verdict_out);

/* Offline verification of a record file (`idr read --out`, `idr disclose`): no nonce or
 * counter is required unless `nonce` (16 bytes) or config->counters_db is given. */
int idr_record_verify_file(const char* path, const idr_verify_config* config, const uint8_t* nonce,
                           idr_card** card_out, idr_verdict** verdict_out);

/* Writes `out_path`: the record `in_path` with only the disclosures of `fields` (comma list
 * of field names, e.g. "id_number,name,valid_to"). IDR_E_INVALID_ARGUMENT for a field the
 * record does not disclose, IDR_E_MALFORMED_REPLY for a file that is not a record, IDR_E_IO
 * when a file cannot be read or written. */
int idr_record_disclose_file(const char* in_path, const char* fields, const char* out_path);

void idr_verdict_free(idr_verdict* verdict); /* NULL is fine */
/* 1 when every required check of the signed record succeeded (the card data is genuine). */
int idr_verdict_verified(const idr_verdict* verdict);
/* 1 when the read is accepted: verified, no check FAILED and every required check
 * SUCCEEDED (idr::Decision::accepted). */
int idr_verdict_accepted(const idr_verdict* verdict);
size_t idr_verdict_count(const idr_verdict* verdict);
/* Result `index` (NULL / -1 past the end), in the order of idr::Decision::verdicts: check
 * name (record checks "signature", "chain", "digest", ...; card data checks
 * "id_number.check_digit", ...; "lost_stolen"), the field for digest results ("" otherwise),
 * outcome (idr_check_status), reason name, reason code (idr::Reason for a record check, -1
 * for the others), one-sentence message, whether acceptance needs it to have SUCCEEDED
 * (when 0, only FAILED rejects). */
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
