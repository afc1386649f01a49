/* idr C API: card data checks, the lost/stolen list, the read journal, photos.
 * Same conventions as idr.h: IDR_OK (0) or a negative IDR_E_* code; no exceptions cross it;
 * strings are UTF-8 and owned by the handle they come from.
 */
#ifndef IDR_IDR_CHECKS_H
#define IDR_IDR_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "idr/idr.h"
#include "idr/idr_check_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Checks (idr/checks.h); statuses: idr_check_status (idr_check_status.h) ---- */

typedef struct idr_check_report idr_check_report;

/* All checks for a 256-byte text block (DESIGN 8 layouts). today: "YYYYMMDD", the caller's
 * date. IDR_E_MALFORMED_REPLY when the block does not decode. */
int idr_checks_text(const uint8_t* text, size_t len, const char* today, idr_check_report** out);
/* All checks for a card read by idr_reader_read_card (uses its raw text block). */
int idr_checks_card(const idr_card* card, const char* today, idr_check_report** out);
/* Only the ID number checks (format, check digit, region, birth date in the number). */
int idr_checks_id_number(const char* id_number, const char* today, idr_check_report** out);
void idr_check_report_free(idr_check_report* report); /* NULL is fine */
size_t idr_check_report_count(const idr_check_report* report);
/* The worst status (IDR_CHECK_*). */
int idr_check_report_overall(const idr_check_report* report);
/* Verdict i: any out pointer may be NULL. IDR_E_INVALID_ARGUMENT past the end. */
int idr_check_report_get(const idr_check_report* report, size_t index, const char** name,
                         int* status, const char** reason, const char** message);

/* ---- Lost/stolen list (idr/blocklist.h) ---- */
typedef struct idr_blocklist idr_blocklist;

/* Opens and verifies a list file. On error, when err is not NULL, a message naming the
 * offset is copied there (truncated to err_cap). */
int idr_blocklist_open(const char* path, idr_blocklist** out, char* err, size_t err_cap);
/* Replaces the loaded list with the file at path; on any error the old list stays in force. */
int idr_blocklist_reload(idr_blocklist* list, const char* path, char* err, size_t err_cap);
/* *listed = 1 when (id_number, valid_from "YYYYMMDD") is on the list, else 0. Thread-safe. */
int idr_blocklist_contains(const idr_blocklist* list, const char* id_number, const char* valid_from,
                           int* listed);
/* The same for a card (its ID number and valid-from date). */
int idr_blocklist_contains_card(const idr_blocklist* list, const idr_card* card, int* listed);
uint64_t idr_blocklist_size(const idr_blocklist* list);
void idr_blocklist_close(idr_blocklist* list); /* NULL is fine */

/* ---- Read journal (idr/journal.h) ---- */
enum { IDR_JOURNAL_ID_HMAC = 0, IDR_JOURNAL_ID_FULL = 1 };
typedef struct idr_journal idr_journal;

/* Opens (creating when needed) the SQLite journal. key: the journal key (>= 16 bytes,
 * always required): it keys the row chain and the HMAC of ID numbers; a key that is not the
 * journal's, or an old-format journal, is refused. Records are not kept in the journal. */
int idr_journal_open(const char* path, int id_policy, const uint8_t* key, size_t key_len,
                     idr_journal** out);
/* Appends one verified signed read. record: the signed record file exactly as read and
 * verified; the row's reader serial, counter and record SHA-256 are taken from it
 * (IDR_E_INVALID_ARGUMENT when it does not decode). time_utc: ISO 8601. */
int idr_journal_append_record(idr_journal* journal, const char* time_utc, const uint8_t* record,
                              size_t record_len, int card_type, const char* id_number,
                              const char* verdict_summary, int64_t* row);
void idr_journal_close(idr_journal* journal); /* NULL is fine */
/* Checks the chain with the journal key. IDR_OK and *first_bad_row = 0 when intact;
 * IDR_E_INVALID_ARGUMENT and the first bad row (and a message in msg) when not, or with
 * *first_bad_row untouched when the key is not the journal's. */
int idr_journal_verify_keyed(const char* path, const uint8_t* key, size_t key_len,
                             int64_t* first_bad_row, char* msg, size_t msg_cap);

/* ---- Photo (idr/photo.h) ---- */
/* Where the vendor WLT decoder is (versioned: set struct_size = sizeof(idr_photo_config)).
 * The library is loaded only from this absolute path, never from an environment variable or
 * the loader's search path (DESIGN 11): a relative path is IDR_E_INVALID_ARGUMENT. */
typedef struct idr_photo_config {
  uint32_t struct_size;    /* sizeof(idr_photo_config) */
  const char* wlt_library; /* absolute path of the WLT decoder library, or NULL: none */
  const char* wlt_symbol;  /* its unpack function (NULL: "unpack") */
} idr_photo_config;

/* Decodes photo bytes (the simulator's open codec; WLT only through config's library) and
 * writes a PNG / BMP file. config may be NULL (open codec only). IDR_E_INVALID_ARGUMENT for
 * a config of another struct_size or a relative library path. */
int idr_photo_write_png(const uint8_t* photo, size_t len, const char* path,
                        const idr_photo_config* config);
int idr_photo_write_bmp(const uint8_t* photo, size_t len, const char* path,
                        const idr_photo_config* config);

#ifdef __cplusplus
}
#endif

#endif /* IDR_IDR_CHECKS_H */
