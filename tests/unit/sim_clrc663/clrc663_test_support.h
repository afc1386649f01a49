#pragma once
// Test fixture for the CLRC663 model: a fake Air that records frames and field switching and
// answers with scripted replies, plus register helpers that speak the data sheet's SPI
// protocol (8.4.2, Tables 17..19).
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "idr/sim/air.h"
#include "idr/sim/clock.h"
#include "idr/sim/clrc663_model.h"
#include "idr/sim/crc_b.h"

namespace idr::sim::test {

struct SentFrame {
  Time at;
  AirFrame frame;
};

class FakeAir : public Air {
 public:
  explicit FakeAir(EventQueue& q) : q_(q) {}
  void set_field(bool on) override { field_changes.emplace_back(q_.now(), on); }
  std::optional<AirReply> transmit(const AirFrame& frame) override {
    sent.push_back({q_.now(), frame});
    if (scripted.empty()) return std::nullopt;
    auto reply = std::move(scripted.front());
    scripted.pop_front();
    if (!reply) return std::nullopt;
    // Timing like a card: TR0 + turnaround after the reader's EOF, then TR1 + the frame.
    AirReply r;
    r.bytes = reply->bytes;
    r.framing_error = reply->framing_error;
    r.start = q_.now() + turnaround;
    r.end = r.start + kTr1Min + type_b_frame_time(r.bytes.size());
    last_reply = r;
    return r;
  }
  // Queue the answer to the next frame (nullopt = no card answers).
  void answer(std::vector<uint8_t> bytes, bool framing_error = false) {
    AirReply r;
    r.bytes = std::move(bytes);
    r.framing_error = framing_error;
    scripted.emplace_back(std::move(r));
  }
  void answer_nothing() { scripted.emplace_back(std::nullopt); }

  Time turnaround = 1 * kMs;
  std::vector<std::pair<Time, bool>> field_changes;
  std::vector<SentFrame> sent;
  std::deque<std::optional<AirReply>> scripted;
  std::optional<AirReply> last_reply;

 private:
  EventQueue& q_;
};

// REQB (AFI 00, one slot) without its CRC_B, as the driver writes it to the FIFO.
inline const std::vector<uint8_t> kReqb = {0x05, 0x00, 0x00};
// DESIGN 6: ATQB of the ID card (PUPI 0, AppData 0, ProtInfo 00 80 80... as observed).
inline const std::vector<uint8_t> kAtqb = {0x50, 0x00, 0x00, 0x00, 0x00, 0x00,
                                           0x00, 0x00, 0x00, 0x00, 0x80, 0x80};

// A byte string with its CRC_B appended, as a card sends it.
inline std::vector<uint8_t> with_crc_b(std::vector<uint8_t> v) {
  uint8_t c[2];
  append_crc_b(v.data(), v.size(), c);
  v.push_back(c[0]);
  v.push_back(c[1]);
  return v;
}

struct Rig {
  EventQueue q;
  FakeAir air{q};
  TimeAccounts accounts;
  Clrc663Model chip{q, air, accounts};

  void write(uint8_t reg, std::vector<uint8_t> data) {
    data.insert(data.begin(), static_cast<uint8_t>(reg << 1));  // Table 19: LSB 0 = write
    chip.spi_transfer(data);
  }
  void write(uint8_t reg, uint8_t value) { write(reg, std::vector<uint8_t>{value}); }
  uint8_t read(uint8_t reg) {
    // Table 17: address byte, then a dummy 00h while the data comes back.
    return chip.spi_transfer({static_cast<uint8_t>((reg << 1) | 1), 0x00})[1];
  }
  // n bytes from FIFOData in one transaction: the FIFO read address n times, then 00h.
  std::vector<uint8_t> read_fifo(size_t n) {
    std::vector<uint8_t> mosi(n, static_cast<uint8_t>((rc663::kFifoData << 1) | 1));
    mosi.push_back(0x00);
    auto miso = chip.spi_transfer(mosi);
    return {miso.begin() + 1, miso.end()};
  }
  uint8_t com_state() { return read(rc663::kStatus) & 0x07; }

  // Runs the simulation until Command reads Idle again (EEPROM copies take time, Table 49).
  void wait_command_idle() {
    q.run_until(q.now() + 1 * kMs, [this] { return (read(rc663::kCommand) & 0x1F) == 0; });
  }

  // The data sheet's ISO/IEC 14443-B 106 register preset (19.2, Table 282) for 28h..39h, as
  // one SPI burst from DrvMode: 10 % ASK driver mode, TxAmp 11.7 %, receiver threshold and gain.
  // TxWaitCtrl C1h (TxWait from the end of reception, in etu) instead of 01h; DrvMode 8Fh has
  // TxEn set, so the field is on.
  static std::vector<uint8_t> table_282() {
    return {0x8F, 0x0E, 0x09, 0x0A, 0x7B, 0x7B, 0x08, 0x00, 0x00,
            0xC1, 0x12, 0x05, 0x00, 0x34, 0x90, 0x6F, 0x12, 0x03};
  }

  // Table 282 exactly as the data sheet lists it (EEPROM 0114h..0125h, 19.2).
  static std::vector<uint8_t> table_282_eeprom() {
    return {0x8F, 0x0E, 0x09, 0x0A, 0x7B, 0x7B, 0x08, 0x00, 0x00,
            0x01, 0x00, 0x05, 0x00, 0x34, 0x90, 0x6F, 0x12, 0x03};
  }

  // A driver configuring ISO/IEC 14443 B 106 from the data sheet: LoadProtocol 04/04 (Table
  // 263, AN12657 4.1), wait for it, then the registers LoadProtocol does not touch (Table 282).
  void setup_type_b() {
    write(rc663::kCommand, 0x00);
    write(rc663::kFifoControl, 0xB0);
    write(rc663::kFifoData, {0x04, 0x04});
    write(rc663::kCommand, rc663::kCmdLoadProtocol);
    wait_command_idle();
    write(rc663::kFifoControl, 0xB0);
    write(rc663::kDrvMode, table_282());
    write(rc663::kIrq0, 0x7F);
    write(rc663::kIrq1, 0x7F);
  }
};

}  // namespace idr::sim::test
