#pragma once
// The reader application's card side on a Type B front end (the CLRC663) and a SAM: the
// state machine of id_card_reader.h. Single-threaded, no heap, every loop bounded.
#include <cstddef>
#include <cstdint>

#include "idr/core/id_card_reader.h"
#include "idr/core/type_b.h"
#include "idr/drivers/sam.h"
#include "idr/drivers/type_b_front_end.h"
#include "idr/hal/hal.h"
#include "idr/proto/card_layout.h"
#include "idr/status.h"

namespace idr::core {

struct ReaderConfig {
  // SAM link rate set by init() (DESIGN 9: the firmware may raise it up to 921600); 0 keeps
  // the power-up rate. A refused change is logged and the old rate kept.
  uint32_t sam_baud = 921600;
  // Retries of a card command whose answer was lost or garbled (the card's commands are
  // idempotent: READ answers are deterministic for a file and offset).
  uint8_t frame_retries = 2;
};

class Rc663IdCardReader final : public IdCardReader {
 public:
  enum class State : uint8_t {
    Idle,      // no card chosen (field may be on)
    Found,     // one card answered REQB and is READY-DECLARED
    Selected,  // ATTRIB + GET UID done: the card is ACTIVE
  };

  // ISO/IEC 14443-3 clause 5: a PICC accepts a request within 5 ms of unmodulated field.
  static constexpr uint32_t kFieldGuardUs = 5000;
  // Field-off time of a field reset so the cards lose power (same 5 ms margin; the 2001
  // text gives no figure).
  static constexpr uint32_t kFieldResetUs = 5000;
  // Wait for an ATQB. ISO/IEC 14443-3 7.1.6 bounds TR0 for ATQB by 256/fs (~302 us), but
  // DESIGN 9 gives the card a 1 ms turnaround; FWT(FWI 4) ~4.8 ms is lenient for both.
  static constexpr uint8_t kAtqbFwi = 4;

  Rc663IdCardReader(drivers::TypeBFrontEnd& rf, drivers::Sam& sam, hal::Clock& clock,
                    ReaderConfig config = {});
  Rc663IdCardReader(drivers::TypeBFrontEnd& rf, drivers::Sam& sam, hal::Clock& clock, hal::Log& log,
                    ReaderConfig config = {});

  [[nodiscard]] Status init() override;
  [[nodiscard]] Status sam_reset() override;
  [[nodiscard]] Status sam_self_test() override;
  [[nodiscard]] Status sam_id(uint8_t (&id)[16]) override;
  [[nodiscard]] Status find_card() override;
  // ATTRIB + GET UID; the SAM's id is fetched while they are on the air (DESIGN 9).
  [[nodiscard]] Status select_card(uint8_t (&uid)[card::kUidSize]) override;
  [[nodiscard]] Status selection_sam_id(uint8_t (&id)[16]) override;
  [[nodiscard]] Status read_base(uint8_t* text, uint8_t* photo) override;
  // Needs read_base first in the same selection (the SAM checks the issuer MACs against
  // the base file it unwrapped; sam_link.h): InvalidArgument otherwise.
  [[nodiscard]] Status read_fingerprint(uint8_t* fp, size_t& fp_len) override;
  // Base, fingerprint, then the security file once: the SAM's check of file 04 covers the
  // base and the fingerprint it unwrapped in this selection (sam_link.h), so one check
  // stands for the two that read_base + read_fingerprint make (DESIGN 9).
  [[nodiscard]] Status read_base_fingerprint(uint8_t* text, uint8_t* photo, uint8_t* fp,
                                             size_t& fp_len) override;
  [[nodiscard]] Status read_addresses(uint8_t* buf, size_t& len) override;
  [[nodiscard]] bool issuer_macs_rejected() const override { return issuer_rejected_; }
  void field_off() override;

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] const typeb::Atqb& atqb() const { return atqb_; }

 private:
  // Where the plain bytes of a file go: up to two destination ranges back to back
  // (read_base fills text then photo).
  struct Sink {
    uint8_t* first;
    size_t first_len;
    uint8_t* second;
    size_t second_len;
    void put(size_t offset, const uint8_t* data, size_t len) const;
  };
  enum class SlotResult : uint8_t { Empty, Clean, Garbled };

  [[nodiscard]] Status ensure_field_on();
  void field_reset();
  [[nodiscard]] Status fail(Status st, const char* why);
  [[nodiscard]] Status rf_exchange(const uint8_t* tx, size_t tx_len, size_t& rx_len,
                                   uint32_t fwt_us);
  [[nodiscard]] SlotResult classify_slot(Status st, size_t rx_len, typeb::Atqb& atqb) const;
  [[nodiscard]] Status send_apdu(const uint8_t* apdu, size_t len, size_t& resp_len);
  [[nodiscard]] uint16_t response_sw(size_t resp_len) const;
  [[nodiscard]] Status select_file(uint8_t file);
  [[nodiscard]] Status activate(uint8_t (&uid)[card::kUidSize]);  // ATTRIB + GET UID
  // The mutual authentication after the SAM's first APDU (apdu_len bytes in apdu_): each
  // card answer goes back to the SAM until it has nothing more to send.
  [[nodiscard]] Status authenticate(size_t apdu_len);
  // A chunk handed to the SAM whose plain bytes are not collected yet, and where they go.
  // It may outlive its file: the next file's SELECT and first READ travel while the SAM
  // unwraps it (DESIGN 9).
  struct Pending {
    bool active = false;
    size_t offset = 0;
    size_t len = 0;
    Sink sink{nullptr, 0, nullptr, 0};
  };
  // One READ 80 B0 over RF, its answer (Le + session MAC + SW) checked for shape in rx_.
  [[nodiscard]] Status read_chunk(size_t offset, size_t le, size_t& resp_len);
  // SELECT file, authenticate if needed, READ it in 0xE6 chunks, each handed to the SAM;
  // `pending` (a chunk of an earlier file, or none) is collected on the way. Returns with
  // the file's last chunk still pending; on failure nothing is left pending.
  [[nodiscard]] Status read_chunks(uint8_t file, size_t size, const Sink& sink, Pending& pending);
  [[nodiscard]] Status read_file(uint8_t file, size_t size, const Sink& sink);
  [[nodiscard]] Status collect(Pending& pending);
  // SELECT 04 and READ it while the SAM finishes `pending` (the last data chunk: a wrong
  // one is a transfer fault), then unwrap 04: DataCheckFailed from that unwrap is the
  // SAM's issuer-MAC verdict (issuer_rejected_ set). Nothing is left pending.
  [[nodiscard]] Status check_issuer_macs(Pending& pending);
  [[nodiscard]] Status require_selected() const;

  drivers::TypeBFrontEnd& rf_;
  drivers::Sam& sam_;
  hal::Clock& clock_;
  hal::Log* log_;
  ReaderConfig config_;

  State state_ = State::Idle;
  bool field_is_on_ = false;
  bool authenticated_ = false;
  bool base_read_ = false;
  bool issuer_rejected_ = false;  // the SAM rejected the issuer MACs in this selection
  typeb::Atqb atqb_{};
  uint32_t fwt_us_ = 0;
  uint8_t uid_[card::kUidSize] = {};
  // The SAM's id as GetId answered during select_card, and that answer's status.
  uint8_t sam_id_[16] = {};
  Status sam_id_status_ = Status::NoCard;

  // A READ answer is Le + session MAC + SW; the ATQB/ATTRIB answers are far shorter.
  static constexpr size_t kRxCap = card::kReadChunk + card::kSessionMacSize + 2 + 16;
  uint8_t rx_[kRxCap] = {};
  uint8_t plain_[card::kReadChunk] = {};
  uint8_t apdu_[64] = {};
};

}  // namespace idr::core
