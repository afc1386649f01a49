#pragma once
// The one vocabulary of checks (DESIGN 5, DESIGN 7): every check the library runs, on a
// signed record, on card data or against the lost/stolen list, ends in a CheckStatus, and
// a Decision (session.h) lists each as a Verdict.
#include <string>

namespace idr {

// Values equal the C API's idr_check_status (idr_check_status.h).
enum class CheckStatus : int {
  Succeeded = 0,
  Warning = 1,     // acceptable, but worth showing (e.g. a validity term that does not fit)
  NotChecked = 2,  // did not run, or could not (its reason says why)
  Failed = 3,
};
// "SUCCEEDED", "WARNING", "NOT_CHECKED", "FAILED".
[[nodiscard]] const char* to_string(CheckStatus s) noexcept;

// What ran a check: the signed record's verification (verify.h), the card data checks
// (checks.h) or the lost/stolen list (blocklist.h).
enum class CheckSource : int { Record = 0, CardData = 1, LostStolen = 2 };

// One check's verdict.
struct Verdict {
  // Stable id: a record check ("signature", "chain", "revocation", "nonce", "counter", "sam",
  // "digest", "decode"; verify.h Check), a card data check ("id_number.check_digit", ...;
  // checks.h) or "lost_stolen".
  std::string name;
  CheckStatus status = CheckStatus::NotChecked;
  std::string reason;   // stable machine code, e.g. "ok", "bad_signature", "wrong_check_digit"
  std::string message;  // one English sentence for people
  std::string field;    // "digest": the field it covers; else empty
  // true: acceptance needs SUCCEEDED. false: only FAILED rejects (a card data check that
  // could not run or warns, a field the record does not disclose).
  bool required = false;
  CheckSource source = CheckSource::CardData;
};

}  // namespace idr
