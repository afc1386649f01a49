// Type B card answers (ISO/IEC 14443-3 clause 7) as the firmware's reader core parses them:
// ATQB in every slot of the anticollision loop, the ATTRIB answer, GET UID and the card's
// APDU answers during the reads. Every frame the reader sends gets the next answer of the
// input (a front-end status and the bytes); the SAM accepts whatever it is given, so the
// reads behind authentication are reached too. parse_atqb() also runs on the raw input.
#include <cstdlib>
#include <cstring>

#include "accepting_sam.h"
#include "fuzz_input.h"
#include "idr/core/rc663_id_card_reader.h"
#include "idr/core/type_b.h"

namespace {

using idr::Status;

class ScriptedField final : public idr::drivers::TypeBFrontEnd, public idr::hal::Clock {
 public:
  explicit ScriptedField(idr::fuzz::Input& in) : in_(in) {}
  Status init() override { return Status::Ok; }
  Status field_on() override { return Status::Ok; }
  Status field_off() override { return Status::Ok; }
  Status transceive(const uint8_t*, size_t, uint8_t* rx, size_t rx_cap, size_t& rx_len,
                    uint32_t fwt_us) override {
    static constexpr Status kAnswers[] = {Status::Ok,        Status::Ok,       Status::Timeout,
                                          Status::Integrity, Status::Protocol, Status::Collision,
                                          Status::Overflow};
    rx_len = 0;
    now_ += fwt_us;
    if (in_.empty()) return Status::Timeout;
    const Status st = kAnswers[in_.u8() % std::size(kAnswers)];
    const auto frame = in_.bytes(in_.u8());
    if (st != Status::Ok) return st;
    if (frame.size() > rx_cap) return Status::Overflow;  // the front end's FIFO bound
    if (!frame.empty()) std::memcpy(rx, frame.data(), frame.size());
    rx_len = frame.size();
    return Status::Ok;
  }
  uint64_t now_us() override { return now_; }
  void delay_us(uint32_t us) override { now_ += us; }

 private:
  idr::fuzz::Input& in_;
  uint64_t now_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idr::core::typeb::Atqb atqb;
  if (idr::core::typeb::parse_atqb(data, size, atqb) == Status::Ok &&
      (atqb.fwi > idr::core::typeb::kFwiMax || atqb.max_frame > 256))
    abort();

  idr::fuzz::Input in(data, size);
  ScriptedField field(in);
  idr::fuzz::AcceptingSam sam;
  idr::core::Rc663IdCardReader reader(field, sam, field);
  if (reader.init() != Status::Ok) return 0;
  static uint8_t text[idr::card::kTextSize], photo[idr::card::kPhotoSize];
  static uint8_t fp[idr::card::kFingerprintSize], addresses[idr::card::kAddressFileSize];
  for (int round = 0; round < 4 && !in.empty(); ++round) {
    if (reader.find_card() != Status::Ok) continue;
    uint8_t uid[idr::card::kUidSize];
    if (reader.select_card(uid) != Status::Ok) continue;
    if (reader.read_base(text, photo) != Status::Ok) continue;
    size_t fp_len = 0;
    if (reader.read_fingerprint(fp, fp_len) == Status::Ok && fp_len > sizeof fp) abort();
    size_t len = 0;
    if (reader.read_addresses(addresses, len) == Status::Ok && len > sizeof addresses) abort();
  }
  return 0;
}
