#pragma once
// What the card behind the firmware's host link does (host_link target and seed maker): two
// input bytes pick one FakeReader outcome to change (a step's status, the fingerprint's
// length, the number of appended addresses) and its value, so the host-link commands'
// error mapping (legacy SW3, extension SW3) runs too.
#include <cstddef>
#include <cstdint>

#include "hostlink_fakes.h"

namespace idr::fuzz {

inline constexpr uint8_t kCardFaults = 11;

inline void apply_card_fault(idr::test::FakeReader& card, uint8_t which, uint8_t value) {
  static constexpr Status kStatuses[] = {Status::Timeout,         Status::NoCard,
                                         Status::CardRemoved,     Status::Collision,
                                         Status::CardAuthFailed,  Status::SamAuthFailed,
                                         Status::DataCheckFailed, Status::SamError,
                                         Status::NoSuchContent,   Status::Io,
                                         Status::HardwareFault,   Status::Protocol};
  const Status st = kStatuses[value % (sizeof kStatuses / sizeof kStatuses[0])];
  switch (which % kCardFaults) {
    case 1:
      card.find_status = st;
      break;
    case 2:
      card.select_status = st;
      break;
    case 3:
      card.read_base_status = st;
      break;
    case 4:  // an issuer MAC the SAM rejected: the read goes on, the record says so
      card.read_base_status = Status::DataCheckFailed;
      card.issuer_rejected = true;
      break;
    case 5:
      card.fingerprint_status = st;
      break;
    case 6: {
      static constexpr size_t kLengths[] = {0, 512, 1024, 100};
      card.fingerprint_len = kLengths[value % 4];
      break;
    }
    case 7:
      card.addresses_status = st;
      break;
    case 8:
      card.address_entries = value % 5;
      break;
    case 9:
      card.sam_id_status = st;
      card.sam_reset_status = st;
      break;
    case 10:
      card.sam_self_test_status = st;
      break;
    default:  // 0: the card reads
      break;
  }
}

// Back to a card that reads (the FakeReader's defaults).
inline void clear_card_faults(idr::test::FakeReader& card) {
  card.find_status = card.select_status = card.read_base_status = Status::Ok;
  card.fingerprint_status = card.addresses_status = Status::Ok;
  card.sam_id_status = card.sam_reset_status = card.sam_self_test_status = Status::Ok;
  card.issuer_rejected = false;
  card.fingerprint_len = card::kFingerprintSize;
  card.address_entries = 1;
}

}  // namespace idr::fuzz
