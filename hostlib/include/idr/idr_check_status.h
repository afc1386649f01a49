/* idr C API: the one status of a check, for every verdict the C API reports: the card data
 * checks (idr_checks.h) and a verified read's decision (idr_signed.h), whose record checks
 * are never WARNING (its card data checks may be). Values equal idr::CheckStatus
 * (idr/verdict.h).
 */
#ifndef IDR_IDR_CHECK_STATUS_H
#define IDR_IDR_CHECK_STATUS_H

typedef enum idr_check_status {
  IDR_CHECK_SUCCEEDED = 0,   /* the check ran and passed */
  IDR_CHECK_WARNING = 1,     /* acceptable, worth showing (card data checks) */
  IDR_CHECK_NOT_CHECKED = 2, /* did not run; its reason says why */
  IDR_CHECK_FAILED = 3       /* ran and failed */
} idr_check_status;

#endif /* IDR_IDR_CHECK_STATUS_H */
