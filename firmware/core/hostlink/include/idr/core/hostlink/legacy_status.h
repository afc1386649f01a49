#pragma once
// Which legacy SW3 (DESIGN 8) a reader Status becomes, per command family. Kept apart from
// the server so the policy is in one place and testable on its own.
//
// Choices made here (DESIGN 8 lists the codes, not the mapping):
//   - SAM commands (reset 10, status 11, SAM id 12): any failure -> 60 "self-test failed".
//     66 "SAM not authorized" is never produced: the reader's Status has no such case.
//   - find (20 01): any failure -> 80; select (20 02): any failure -> 81.
//   - reads (30 xx): CardAuthFailed -> 31, SamAuthFailed -> 32, DataCheckFailed -> 33,
//     NoSuchContent -> 91, anything else (timeout, card removed, SAM error...) -> 41.
#include <cstdint>

#include "idr/proto/hostlink.h"
#include "idr/status.h"

namespace idr::core {

[[nodiscard]] constexpr uint8_t sw3_for_sam(Status s) {
  return s == Status::Ok ? hostlink::sw3::kOk : hostlink::sw3::kSelfTestFailed;
}

[[nodiscard]] constexpr uint8_t sw3_for_find(Status s) {
  return s == Status::Ok ? hostlink::sw3::kFindOk : hostlink::sw3::kFindFailed;
}

[[nodiscard]] constexpr uint8_t sw3_for_select(Status s) {
  return s == Status::Ok ? hostlink::sw3::kOk : hostlink::sw3::kSelectFailed;
}

[[nodiscard]] constexpr uint8_t sw3_for_read(Status s) {
  switch (s) {
    case Status::Ok:
      return hostlink::sw3::kOk;
    case Status::CardAuthFailed:
      return hostlink::sw3::kCardRejectedSam;
    case Status::SamAuthFailed:
      return hostlink::sw3::kSamRejectedCard;
    case Status::DataCheckFailed:
      return hostlink::sw3::kInfoCheckError;
    case Status::NoSuchContent:
      return hostlink::sw3::kNoSuchContent;
    default:
      return hostlink::sw3::kReadFailed;
  }
}

}  // namespace idr::core
