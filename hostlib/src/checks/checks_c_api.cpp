// C API for the checks (idr_checks.h).
#include <new>

#include "../core/c_boundary.h"
#include "idr/checks.h"
#include "idr/idr_checks.h"

// The card accessors belong to the core C API; bound weakly so this part of the library
// links (and answers IDR_E_UNSUPPORTED) even in a build without them.
#pragma weak idr_card_text_raw

struct idr_check_report {
  idr::CheckReport report;
};

namespace {

int give(idr::CheckReport report, idr_check_report** out) {
  auto* r = new (std::nothrow) idr_check_report{std::move(report)};
  if (!r) return IDR_E_NO_MEMORY;
  *out = r;
  return IDR_OK;
}

}  // namespace

extern "C" {

int idr_checks_text(const uint8_t* text, size_t len, const char* today, idr_check_report** out) {
  if (!text || len != 256 || !today || !out) return IDR_E_INVALID_ARGUMENT;
  *out = nullptr;
  return idr::detail::guarded([&]() -> int {
    auto card = idr::decode_text(text);
    if (!card) return idr::detail::code(card.error());
    return give(idr::check_card(*card, idr::CheckClock{today}), out);
  });
}

int idr_checks_card(const idr_card* card, const char* today, idr_check_report** out) {
  if (!card || !today || !out) return IDR_E_INVALID_ARGUMENT;
  if (!&idr_card_text_raw) return IDR_E_UNSUPPORTED;
  size_t len = 0;
  const uint8_t* text = idr_card_text_raw(card, &len);
  if (!text) return IDR_E_INVALID_ARGUMENT;
  return idr_checks_text(text, len, today, out);
}

int idr_checks_id_number(const char* id_number, const char* today, idr_check_report** out) {
  if (!id_number || !today || !out) return IDR_E_INVALID_ARGUMENT;
  *out = nullptr;
  return idr::detail::guarded(
      [&]() -> int { return give(idr::check_id_number(id_number, idr::CheckClock{today}), out); });
}

void idr_check_report_free(idr_check_report* report) {
  delete report;
}

size_t idr_check_report_count(const idr_check_report* report) {
  return report ? report->report.verdicts.size() : 0;
}

int idr_check_report_overall(const idr_check_report* report) {
  return report ? static_cast<int>(report->report.overall()) : IDR_E_INVALID_ARGUMENT;
}

int idr_check_report_get(const idr_check_report* report, size_t index, const char** name,
                         int* status, const char** reason, const char** message) {
  if (!report || index >= report->report.verdicts.size()) return IDR_E_INVALID_ARGUMENT;
  const auto& v = report->report.verdicts[index];
  if (name) *name = v.name.c_str();
  if (status) *status = static_cast<int>(v.status);
  if (reason) *reason = v.reason.c_str();
  if (message) *message = v.message.c_str();
  return IDR_OK;
}

}  // extern "C"
