#pragma once
// The reader application's card side: find, select, authenticate through the SAM and read
// the resident ID card. Used by the host-link server (legacy commands) and by tests.
// Single-threaded; no allocation; every wait bounded.
//
// State machine, per ISO/IEC 14443-3 Type B and the legacy host protocol (DESIGN 8):
//   find_card()   field on, REQB (slots as needed). Ok when exactly one card in IDLE
//                 answered (it is now READY); NoCard when none; Collision when several
//                 cards answered and slotting could not separate them.
//   select_card() ATTRIB + GET UID on the card found. Ok -> card ACTIVE, uid out.
//   read_*()      SELECT file, mutual authentication through the SAM (once per
//                 selection), READ 80 B0 in 0xE6 chunks, each chunk unwrapped by the SAM,
//                 issuer MACs checked by the SAM. Only on a selected card.
//                 DataCheckFailed from read_base / read_fingerprint with
//                 issuer_macs_rejected() true: the SAM's verdict on the issuer MACs is
//                 "wrong", yet the bytes arrived intact (session MACs right), are in the
//                 caller's buffers, and the card stays selected (the caller decides: the
//                 legacy reads answer 0x33, a signed read signs it with sam_ok false).
// A card that leaves the field mid-read gives CardRemoved (or Timeout from the air); the
// reader drops the selection and the next find starts clean.
#include <cstddef>
#include <cstdint>

#include "idr/hal/hal.h"
#include "idr/proto/card_layout.h"
#include "idr/status.h"

namespace idr::core {

class IdCardReader {
 public:
  virtual ~IdCardReader() = default;

  // Brings up the CLRC663 (soft reset, LoadProtocol Type B 106) and the SAM link.
  [[nodiscard]] virtual Status init() = 0;

  [[nodiscard]] virtual Status sam_reset() = 0;
  [[nodiscard]] virtual Status sam_self_test() = 0;
  [[nodiscard]] virtual Status sam_id(uint8_t (&id)[16]) = 0;

  [[nodiscard]] virtual Status find_card() = 0;
  [[nodiscard]] virtual Status select_card(uint8_t (&uid)[card::kUidSize]) = 0;
  // The id of the SAM that serves the current selection (the one a signed read names).
  // Rc663IdCardReader asks the SAM during select_card, while the card's frames are on the
  // air (DESIGN 9); this default asks it now.
  [[nodiscard]] virtual Status selection_sam_id(uint8_t (&id)[16]) { return sam_id(id); }

  // text: kTextSize bytes, photo: kPhotoSize bytes. Issuer MACs rejected: see above.
  [[nodiscard]] virtual Status read_base(uint8_t* text, uint8_t* photo) = 0;
  // fp: kFingerprintSize bytes; fp_len = 0 when the card has no fingerprint, else 1024
  // (or 512 when only one template is stored). Issuer MACs rejected: see above (fp_len set).
  [[nodiscard]] virtual Status read_fingerprint(uint8_t* fp, size_t& fp_len) = 0;
  // read_base then read_fingerprint as one read (legacy 30 10, a signed read with the
  // fingerprint): Ok, or DataCheckFailed with issuer_macs_rejected() true when the SAM
  // rejected the issuer MACs (every byte arrived intact and is in the buffers, fp_len set),
  // or the failure (the selection dropped). fp_len = 0 when the card has no fingerprint.
  // Rc663IdCardReader checks the issuer MACs once, after both files (DESIGN 6, DESIGN 9);
  // this default reads the two in turn, each with its own check.
  [[nodiscard]] virtual Status read_base_fingerprint(uint8_t* text, uint8_t* photo, uint8_t* fp,
                                                     size_t& fp_len) {
    fp_len = 0;
    const Status base = read_base(text, photo);
    const bool base_rejected = base == Status::DataCheckFailed && issuer_macs_rejected();
    if (base != Status::Ok && !base_rejected) return base;
    Status st = read_fingerprint(fp, fp_len);
    if (st == Status::NoSuchContent) {
      fp_len = 0;
      st = Status::Ok;
    }
    const bool fp_rejected = st == Status::DataCheckFailed && issuer_macs_rejected();
    if (st != Status::Ok && !fp_rejected) return st;
    return base_rejected || fp_rejected ? Status::DataCheckFailed : Status::Ok;
  }
  // buf: kAddressFileSize bytes; the non-empty 70-byte entries, in order, len = 70 * n.
  // NoSuchContent when the card has none.
  [[nodiscard]] virtual Status read_addresses(uint8_t* buf, size_t& len) = 0;

  // True when the SAM rejected the issuer MACs in this selection (the DataCheckFailed of the
  // last read_base / read_fingerprint was its verdict, not a transfer fault); false again
  // after select_card.
  [[nodiscard]] virtual bool issuer_macs_rejected() const = 0;

  // Turns the RF field off (cards power down) and forgets any selection.
  virtual void field_off() = 0;
};

}  // namespace idr::core
