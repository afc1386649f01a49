/* idr C API: the host library for C and other languages' FFI. No exceptions cross it;
 * every function returns IDR_OK (0) or a negative IDR_E_* code (idr_strerror names it).
 *
 * Thread safety: as idr::Reader: a reader handle is internally serialised; any thread may
 * call idr_reader_cancel() while the handle is open to stop a pending call. The handle is
 * freed by idr_reader_close(), so no call on it (idr_reader_cancel() included) may overlap
 * or follow that: the thread that closes it must know the others are done with it. A card
 * handle is immutable and may be read from any thread; free it once.
 *
 * Strings are UTF-8, owned by the handle they come from, valid until it is freed.
 */
#ifndef IDR_IDR_H
#define IDR_IDR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: the same values as idr::Error (idr/error.h). */
enum {
  IDR_OK = 0,
  IDR_E_INVALID_ARGUMENT = -1,
  IDR_E_UNSUPPORTED = -2,
  IDR_E_TRANSPORT_OPEN = -3,
  IDR_E_TRANSPORT_CLOSED = -4,
  IDR_E_TIMEOUT = -5,
  IDR_E_MALFORMED_REPLY = -6,
  IDR_E_CANCELLED = -7,
  IDR_E_NO_CARD = -8,
  IDR_E_CARD_REMOVED = -9,
  IDR_E_IO = -10,
  IDR_E_NO_MEMORY = -11,
  /* Reader status SW3 (DESIGN 8): -(0x100 + SW3) */
  IDR_E_SW3_CHECKSUM = -0x110,
  IDR_E_SW3_LENGTH = -0x111,
  IDR_E_SW3_COMMAND = -0x121,
  IDR_E_SW3_UNAUTHORIZED = -0x123,
  IDR_E_SW3_UNRECOGNIZED = -0x124,
  IDR_E_SW3_IDENTITY_FAULT = -0x125, /* extension commands: the reader's identity is damaged */
  IDR_E_SW3_CARD_REJECTED_SAM = -0x131,
  IDR_E_SW3_SAM_REJECTED_CARD = -0x132,
  IDR_E_SW3_INFORMATION_CHECK = -0x133,
  IDR_E_SW3_FINGERPRINT_CHECK = -0x137,
  IDR_E_SW3_INFORMATION_LENGTH = -0x13F,
  IDR_E_SW3_UNKNOWN_CARD_TYPE = -0x140,
  IDR_E_SW3_READ_FAILED = -0x141,
  IDR_E_SW3_RANDOM_NUMBER = -0x147,
  IDR_E_SW3_SELF_TEST = -0x160,
  IDR_E_SW3_SAM_NOT_AUTHORIZED = -0x166,
  IDR_E_SW3_FIND_CARD = -0x180,
  IDR_E_SW3_SELECT_CARD = -0x181,
  IDR_E_SW3_NO_SUCH_CONTENT = -0x191,
  IDR_E_SW3_UNKNOWN = -0x1FF
};

/* Parts of a card to read (bit mask). */
enum {
  IDR_FIELDS_TEXT = 1,
  IDR_FIELDS_PHOTO = 2,
  IDR_FIELDS_FINGERPRINT = 4,
  IDR_FIELDS_ADDRESSES = 8,
  IDR_FIELDS_BASE = 3,
  IDR_FIELDS_ALL = 15
};

/* Card types (idr::CardType). */
enum {
  IDR_CARD_RESIDENT = 0,
  IDR_CARD_PERMIT_J = 1,
  IDR_CARD_FOREIGN_I = 2,
  IDR_CARD_FOREIGN_Y = 3,
  IDR_CARD_UNKNOWN = 9
};

/* Text fields of a card (empty string when the layout has none). */
typedef enum idr_field {
  IDR_FIELD_NAME = 0,
  IDR_FIELD_GENDER,
  IDR_FIELD_BIRTH,
  IDR_FIELD_ID_NUMBER,
  IDR_FIELD_VALID_FROM,
  IDR_FIELD_VALID_TO, /* empty when long-term: see idr_card_long_term */
  IDR_FIELD_ETHNICITY,
  IDR_FIELD_ADDRESS,
  IDR_FIELD_AUTHORITY,
  IDR_FIELD_PASS_NUMBER,
  IDR_FIELD_ISSUE_COUNT,
  IDR_FIELD_ENGLISH_NAME,
  IDR_FIELD_NATIONALITY,
  IDR_FIELD_CARD_VERSION,
  IDR_FIELD_AUTHORITY_CODE,
  IDR_FIELD_RENEWAL_COUNT,
  IDR_FIELD_PREVIOUS_NUMBER_LINK,
  IDR_FIELD_COUNT_ /* number of fields, not a field */
} idr_field;

typedef struct idr_reader idr_reader;
typedef struct idr_card idr_card;

const char* idr_strerror(int code);
const char* idr_version(void);

/* uri: "tcp://HOST:PORT" or "serial:/dev/ttyX[?baud=N]". timeout_ms per command, 0 = default. */
int idr_reader_open(const char* uri, int timeout_ms, idr_reader** out);
void idr_reader_close(idr_reader* reader); /* NULL is fine */
int idr_reader_status(idr_reader* reader);
/* 16 raw bytes to raw (may be NULL), SDT's string form to text (cap >= 40 recommended). */
int idr_reader_sam_id(idr_reader* reader, uint8_t raw[16], char* text, size_t text_cap);
/* *present = 1 when a card entered the field, 0 when none. */
int idr_reader_find_card(idr_reader* reader, int* present);
int idr_reader_read_card(idr_reader* reader, unsigned fields, idr_card** out);
int idr_reader_wait_for_card(idr_reader* reader, int timeout_ms, unsigned fields, idr_card** out);
int idr_reader_cancel(idr_reader* reader);
int idr_reader_reset_cancel(idr_reader* reader);

void idr_card_free(idr_card* card); /* NULL is fine */
int idr_card_type(const idr_card* card);
const char* idr_card_field(const idr_card* card, idr_field field); /* NULL for a bad field */
int idr_card_long_term(const idr_card* card);
const uint8_t* idr_card_text_raw(const idr_card* card, size_t* len);
const uint8_t* idr_card_photo(const idr_card* card, size_t* len);
const uint8_t* idr_card_fingerprint(const idr_card* card, size_t* len);
size_t idr_card_address_count(const idr_card* card);
const char* idr_card_address(const idr_card* card, size_t index); /* NULL past the end */

#ifdef __cplusplus
}
#endif

#endif /* IDR_IDR_H */
